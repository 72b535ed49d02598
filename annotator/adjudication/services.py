"""Writes to gold: the automatic pass, curators' decisions and edits, close, reopen, restore."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from annotator.adjudication.conflicts import Conflict as Region
from annotator.adjudication.conflicts import adjudicate, display_order, is_open, overlaps
from annotator.adjudication.models import (
    AdjudicationSetting,
    GoldDecision,
    GoldSentence,
    GoldSource,
    GoldSpanRow,
    GoldStatus,
    Reason,
)
from annotator.adjudication.queries import decided_regions, gold_state, sentence_outcome, to_span
from annotator.annotation.queries import get_schema
from annotator.assignments.models import Batch
from annotator.audit.models import AuditEvent
from annotator.audit.services import record_change
from annotator.auth.models import Role, User
from annotator.corpus.models import Sentence
from annotator.db import utcnow
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.projects.models import Project
from annotator.reports.input import agreement_items
from annotator.spans import InvalidSpans, Span, parse_spans

REASONS = tuple(r.value for r in Reason)
CHOICES = ("version", "none", "edited")
MAX_NOTE = 2000


def require_curator(user: User | None) -> None:
    if user is None or user.role not in (Role.ADMIN, Role.CURATOR):
        raise Forbidden("only curators and admins adjudicate")


# ---------------------------------------------------------------------------- automatic pass


@dataclass(frozen=True)
class AutoResult:
    min_agree: int
    sentences: int  # sentences with finished annotations in scope
    created: int  # gold records created
    changed: int  # gold records created or changed by this run
    accepted: int  # spans from the vote in gold after this run (sentences in scope)
    closed: int  # sentences this run closed
    complete: int  # sentences in scope complete after this run
    open_conflicts: int  # conflicts left for curators
    too_few: int  # sentences with fewer annotators than min-agree, left alone
    kept_complete: int  # already complete, left alone

    def summary(self) -> str:
        return (
            f"min-agree {self.min_agree}: {self.sentences} sentences, {self.accepted} spans "
            f"accepted, {self.closed} sentences closed ({self.complete} complete), "
            f"{self.open_conflicts} open conflicts; {self.changed} gold records changed "
            f"({self.created} new); {self.too_few} with fewer than {self.min_agree} "
            f"annotators and {self.kept_complete} already complete left alone"
        )


def check_min_agree(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
        raise Invalid("min-agree must be a whole number of annotators, at least 1")
    return value


def auto_adjudicate(
    session: Session,
    project_id: int,
    batch_id: int | None = None,
    min_agree: int = 2,
    actor: User | None = None,
) -> AutoResult:
    """Accept into gold every span at least ``min_agree`` annotators marked exactly alike.

    Sentences with no remaining open conflict are closed. A curator's work is never
    overwritten: complete sentences are left alone, and on the others no accepted span is
    placed over a curator's span or a decided region. Re-running with the same annotations
    changes nothing (and records nothing). Reads and writes in bulk, not per sentence.

    Raises:
        Invalid: bad min-agree.  NotFound: no such project, or the batch is not in it.
        Conflict: a gold record changed while the pass ran (nothing is stored).
    """
    min_agree = check_min_agree(min_agree)
    if session.get(Project, project_id) is None:
        raise NotFound(f"project {project_id} does not exist")
    if batch_id is not None:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.project_id != project_id:
            raise NotFound(f"batch {batch_id} does not exist in this project")
    items = list(agreement_items(session, project_id, batch_id=batch_id))
    golds, stored, voted = _load_golds(session, [item["id"] for item in items])
    decided = decided_regions(session, [g.id for g in golds.values()])
    names = _curator_names(session, stored)
    counts = dict.fromkeys(
        ("changed", "accepted", "closed", "complete", "open", "few", "kept"), 0
    )
    now = utcnow()
    created: list[tuple[int, str, list[dict[str, Any]]]] = []  # sentence, status, spans
    updated: list[tuple[Any, str, list[int], list[dict[str, Any]], dict[str, Any]]] = []
    for item in items:
        if len(item["annotations"]) < min_agree:
            counts["few"] += 1
            continue
        gold = golds.get(item["id"])
        if gold is not None and gold.status == GoldStatus.COMPLETE:
            counts["kept"] += 1
            counts["complete"] += 1
            counts["accepted"] += voted.get(gold.id, 0)
            continue
        rows = stored.get(gold.id, []) if gold is not None else []
        annotations = {
            user: [to_span(s["start"], s["end"], s["label"], s["attributes"]) for s in spans]
            for user, spans in item["annotations"].items()
        }
        outcome = adjudicate(annotations, min_agree)
        regions = decided.get(gold.id, []) if gold is not None else []
        curated = [r for r in rows if r.source == GoldSource.CURATOR]
        automatic = [r for r in rows if r.source != GoldSource.CURATOR]
        protected = regions + [(r.start, r.end) for r in curated]
        wanted = [
            {
                "start": a.span.start, "end": a.span.end, "label": a.span.label,
                "attributes": dict(a.span.attributes),
                "source": (GoldSource.UNANIMOUS if a.unanimous else GoldSource.MAJORITY).value,
                "votes": a.votes, "voters": a.voters, "annotators": list(a.annotators),
                "curator_id": None, "reason": None, "note": None,
            }
            for a in outcome.accepted
            if not any(overlaps(a.span.start, a.span.end, x, y) for x, y in protected)
        ]
        open_conflicts = [c for c in outcome.conflicts if is_open(c, regions)]
        status = (GoldStatus.PARTIAL if open_conflicts else GoldStatus.COMPLETE).value
        counts["accepted"] += len(wanted)
        counts["open"] += len(open_conflicts)
        counts["complete"] += status == GoldStatus.COMPLETE
        if gold is None:
            created.append((item["id"], status, wanted))
            continue
        if (
            sorted(map(_auto_key, wanted)) == sorted(_auto_key(r._asdict()) for r in automatic)
            and gold.status == status
            and gold.min_agree == min_agree
        ):
            continue  # nothing to change: re-running is a no-op
        kept = [r._asdict() for r in curated]
        updated.append((gold, status, [r.id for r in automatic], kept + wanted,
                        _state(rows, gold.status, gold.version, gold.min_agree, names)))
    _write_created(session, created, min_agree, now, actor, names)
    _write_updated(session, updated, min_agree, now, actor, names)
    closed = sum(status == GoldStatus.COMPLETE for _, status, _ in created) + sum(
        status == GoldStatus.COMPLETE for _, status, _, _, _ in updated
    )
    session.flush()
    return AutoResult(
        min_agree=min_agree, sentences=len(items), created=len(created),
        changed=len(created) + len(updated), accepted=counts["accepted"], closed=closed,
        complete=counts["complete"], open_conflicts=counts["open"], too_few=counts["few"],
        kept_complete=counts["kept"],
    )


SPAN_COLUMNS = (
    "start", "end", "label", "attributes", "source", "votes", "voters", "annotators",
    "curator_id", "reason", "note",
)


def _load_golds(session: Session, sentence_ids: Sequence[int]) -> tuple[dict, dict, dict]:
    """Gold records of these sentences (sentence id -> row), the spans of the partial ones
    (gold id -> rows), and how many spans the vote put into each complete one (gold id -> n).

    Complete sentences are left alone, so their spans are counted, not read.
    """
    golds: dict[int, Any] = {}
    stored: dict[int, list[Any]] = {}
    voted: dict[int, int] = {}
    columns = [getattr(GoldSpanRow, c) for c in SPAN_COLUMNS]
    for i in range(0, len(sentence_ids), 500):
        chunk = sentence_ids[i : i + 500]
        for row in session.execute(
            select(GoldSentence.id, GoldSentence.sentence_id, GoldSentence.status,
                   GoldSentence.version, GoldSentence.min_agree)
            .where(GoldSentence.sentence_id.in_(chunk))
        ):
            golds[row.sentence_id] = row
        for row in session.execute(
            select(GoldSpanRow.id, GoldSpanRow.gold_id, *columns)
            .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.PARTIAL.value)
            .order_by(GoldSpanRow.start)
        ):
            stored.setdefault(row.gold_id, []).append(row)
        voted.update(session.execute(
            select(GoldSpanRow.gold_id, func.count(GoldSpanRow.id))
            .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.COMPLETE.value,
                   GoldSpanRow.source != GoldSource.CURATOR.value)
            .group_by(GoldSpanRow.gold_id)
        ).all())
    return golds, stored, voted


def _curator_names(session: Session, stored: dict[int, list[Any]]) -> dict[int, str]:
    ids = {r.curator_id for rows in stored.values() for r in rows if r.curator_id}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _auto_key(span: dict[str, Any]) -> tuple:
    attrs = tuple(sorted((span["attributes"] or {}).items()))
    return (span["start"], span["end"], span["label"], attrs, span["source"], span["votes"],
            span["voters"], tuple(span["annotators"] or ()))


def _state(
    spans: Sequence[Any], status: str, version: int, min_agree: int | None,
    names: dict[int, str],
) -> dict[str, Any]:
    """The audit trail's picture of a gold record, as ``queries.gold_state`` draws it."""
    rows = [s if isinstance(s, dict) else s._asdict() for s in spans]
    return {
        "spans": [
            {**{c: r[c] for c in SPAN_COLUMNS}, "attributes": dict(r["attributes"] or {}),
             "annotators": list(r["annotators"] or []), "curator": names.get(r["curator_id"])}
            for r in sorted(rows, key=lambda r: (r["start"], r["end"]))
        ],
        "status": status,
        "version": version,
        "min_agree": min_agree,
    }


def _write_created(
    session: Session, created: list, min_agree: int, now: Any, actor: User | None,
    names: dict[int, str],
) -> None:
    if not created:
        return
    try:
        with session.begin_nested():
            # Core executemany, then the ids read back by sentence: far cheaper than
            # RETURNING in parameter order for thousands of rows.
            session.execute(
                insert(GoldSentence.__table__),
                [
                    {"sentence_id": sid, "status": status, "version": 1,
                     "min_agree": min_agree, "created_at": now, "updated_at": now,
                     "closed_at": now if status == GoldStatus.COMPLETE else None,
                     "closed_by_id": None}  # closed by the vote, not by a person
                    for sid, status, _ in created
                ],
            )
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "gold was created for some of these sentences while the automatic pass ran; "
            "nothing was stored, run it again"
        ) from None
    sentence_ids = [sid for sid, _, _ in created]
    gold_ids: dict[int, int] = {}
    for i in range(0, len(sentence_ids), 500):
        gold_ids.update(session.execute(
            select(GoldSentence.sentence_id, GoldSentence.id)
            .where(GoldSentence.sentence_id.in_(sentence_ids[i : i + 500]))
        ).all())
    _insert_spans(session, [(gold_ids[sid], spans) for sid, _, spans in created], now)
    _audit(
        session, actor, now,
        [(sid, "auto", 1, None, _state(spans, status, 1, min_agree, names))
         for sid, status, spans in created],
    )


def _write_updated(
    session: Session, updated: list, min_agree: int, now: Any, actor: User | None,
    names: dict[int, str],
) -> None:
    if not updated:
        return
    for gold, status, _, _, _ in updated:
        # Compare-and-set: a curator's change since the read makes the whole pass stale.
        result = session.execute(
            update(GoldSentence)
            .where(GoldSentence.id == gold.id, GoldSentence.version == gold.version)
            .values(
                version=gold.version + 1, status=status, min_agree=min_agree, updated_at=now,
                closed_at=now if status == GoldStatus.COMPLETE else None, closed_by_id=None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            session.rollback()
            raise Conflict(
                f"the gold of sentence {gold.sentence_id} changed while the automatic pass "
                "ran; nothing was stored, run it again"
            )
    doomed = [span_id for _, _, ids, _, _ in updated for span_id in ids]
    for i in range(0, len(doomed), 500):
        session.execute(
            delete(GoldSpanRow).where(GoldSpanRow.id.in_(doomed[i : i + 500]))
            .execution_options(synchronize_session=False)
        )
    fresh = [
        (gold.id, [s for s in spans if s["source"] != GoldSource.CURATOR])
        for gold, _, _, spans, _ in updated
    ]
    _insert_spans(session, fresh, now)
    _audit(
        session, actor, now,
        [(gold.sentence_id, "auto", gold.version + 1, before,
          _state(spans, status, gold.version + 1, min_agree, names))
         for gold, status, _, spans, before in updated],
    )


def _insert_spans(session: Session, per_gold: list[tuple[int, list[dict]]], now: Any) -> None:
    rows = [
        {"gold_id": gold_id, "created_at": now, **{c: span[c] for c in SPAN_COLUMNS}}
        for gold_id, spans in per_gold
        for span in spans
    ]
    if rows:
        session.execute(insert(GoldSpanRow.__table__), rows)


def _audit(session: Session, actor: User | None, now: Any, changes: list[tuple]) -> None:
    """One audit row per changed gold record, in one statement (record_change, in bulk)."""
    session.execute(
        insert(AuditEvent.__table__),
        [
            {"at": now, "actor_id": actor.id if actor else None, "owner_id": None,
             "sentence_id": sid, "target": "gold", "action": action, "version": version,
             "before": before, "after": after}
            for sid, action, version, before, after in changes
        ],
    )


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class DecisionIn:
    start: int
    end: int
    choice: str
    version: int  # the gold version the curator saw
    pick: int | None = None  # "Annotator k" for choice "version", 1-based
    spans: Any = None  # untrusted spans for choice "edited"
    reason: str | None = None
    note: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> DecisionIn:
        """Check the request's shape (the conflict itself is checked against the sentence)."""
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object with start, end, choice and version")
        allowed = {"start", "end", "choice", "version", "pick", "spans", "reason", "note"}
        unknown = set(body) - allowed
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        missing = {"start", "end", "choice", "version"} - set(body)
        if missing:
            raise Invalid(f"missing field(s): {', '.join(sorted(missing))}")
        for key in ("start", "end", "version"):
            _check_int(body[key], key)
        choice = body["choice"]
        if choice not in CHOICES:
            raise Invalid(f"choice must be one of {', '.join(CHOICES)}")
        pick = body.get("pick")
        if choice == "version":
            _check_int(pick, "pick")
        elif pick is not None:
            raise Invalid("pick goes with choice 'version' only")
        if choice == "edited" and "spans" not in body:
            raise Invalid("choice 'edited' needs the region's new spans")
        if choice != "edited" and "spans" in body:
            raise Invalid("spans go with choice 'edited' only")
        reason, note = check_reason_note(body.get("reason"), body.get("note"))
        return cls(
            start=body["start"], end=body["end"], choice=choice, version=body["version"],
            pick=pick, spans=body.get("spans"), reason=reason, note=note,
        )


def _check_int(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise Invalid(f"{name} must be a non-negative integer (below 2**31)")


def check_reason_note(reason: Any, note: Any) -> tuple[str | None, str | None]:
    if reason in (None, ""):
        reason = None
    elif reason not in REASONS:
        raise Invalid(f"reason must be one of {', '.join(REASONS)} (or empty)")
    if note in (None, ""):
        note = None
    elif not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid(f"note must be text of at most {MAX_NOTE} characters")
    else:
        note = note.strip() or None
    return reason, note


@dataclass(frozen=True)
class Saved:
    version: int
    status: str
    project_id: int


def decide(session: Session, curator: User, sentence_id: int, change: DecisionIn) -> Saved:
    """Resolve one open conflict: keep one annotator's version, none, or edited spans.

    The region's gold becomes the chosen spans (provenance: curator, with the annotators who
    marked each exactly); the decision is recorded; the sentence closes when it was the last
    open conflict. Annotators' own annotations are never touched.

    Raises:
        NotFound: no sentence or no gold yet.  Conflict: stale version, sentence closed, or the
        conflict is no longer open.  Invalid: bad pick or spans.
    """
    require_curator(curator)
    sentence = _get_sentence(session, sentence_id)
    gold = _get_gold(session, sentence_id)
    if gold is None:
        raise NotFound("no gold for this sentence yet: run the automatic adjudication first")
    if gold.version != change.version:
        raise _stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    if gold.status == GoldStatus.COMPLETE:
        raise _stale(
            session, sentence_id, "this sentence is closed; reopen it to change its decisions"
        )
    outcome, decided, annotations = sentence_outcome(session, sentence_id, gold)
    region = next(
        (c for c in outcome.conflicts if (c.start, c.end) == (change.start, change.end)), None
    )
    if region is None or not is_open(region, decided):
        raise _stale(
            session, sentence_id,
            "this conflict is no longer open (decided meanwhile, or the annotations changed)",
        )
    order = display_order(sentence_id, outcome.voters)
    picked_names: list[str] | None = None
    if change.choice == "version":
        if not 1 <= (change.pick or 0) <= len(order):
            raise Invalid(f"pick must be between 1 and {len(order)}")
        version = region.version_of(order[change.pick - 1])
        spans = list(version)
        picked_names = sorted(n for n, v in region.versions if v == version)
    elif change.choice == "none":
        spans = []
    else:
        schema = get_schema(session, sentence.project_id)
        try:
            spans = parse_spans(change.spans, sentence.text, schema)
        except InvalidSpans as err:
            raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None
        outside = [
            i for i, s in enumerate(spans) if s.start < region.start or s.end > region.end
        ]
        if outside:
            raise Invalid(
                f"edited spans must lie inside the conflict [{region.start}, {region.end})",
                spans=[{"index": i, "message": "outside the conflict's region"} for i in outside],
            )
    before = gold_state(session, gold)
    _claim(session, gold)
    for row in [s for s in gold.spans if overlaps(s.start, s.end, region.start, region.end)]:
        gold.spans.remove(row)
    who = _who(annotations)
    now = utcnow()
    for span in spans:
        gold.spans.append(
            _curator_span(span, len(annotations), who, curator, change.reason, change.note, now)
        )
    session.add(
        GoldDecision(
            gold_id=gold.id, start=region.start, end=region.end, kind=region.kind,
            choice=change.choice, curator_id=curator.id, reason=change.reason, note=change.note,
            annotators=picked_names, created_at=utcnow(),
        )
    )
    remaining = [
        c for c in outcome.conflicts
        if c is not region and is_open(c, [*decided, (region.start, region.end)])
    ]
    if not remaining:
        _close(gold, curator)
    return _commit_change(session, gold, sentence, curator, "decide", before)


def _who(annotations: dict[str, list[Span]]) -> dict[Span, list[str]]:
    """Per exact span, the annotators who marked it (sorted)."""
    who: dict[Span, list[str]] = {}
    for name in sorted(annotations):
        for span in annotations[name]:
            who.setdefault(span, []).append(name)
    return who


def _claim(session: Session, gold: GoldSentence) -> None:
    """Compare-and-set the version, so that of two racing changes to a gold only one lands."""
    expected = gold.version
    result = session.execute(
        update(GoldSentence)
        .where(GoldSentence.id == gold.id, GoldSentence.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _stale(session, gold.sentence_id, "the gold of this sentence was changed meanwhile")
    set_committed_value(gold, "version", expected + 1)


def _curator_span(
    span: Span, n: int, who: dict[Span, list[str]], curator: User,
    reason: str | None, note: str | None, now,
) -> GoldSpanRow:
    names = who.get(span, [])
    return GoldSpanRow(
        start=span.start, end=span.end, label=span.label, attributes=dict(span.attributes),
        source=GoldSource.CURATOR.value, votes=len(names), voters=max(n, len(names)),
        annotators=list(names), curator_id=curator.id, reason=reason, note=note,
        created_at=now,
    )


def _close(gold: GoldSentence, user: User) -> None:
    gold.status = GoldStatus.COMPLETE.value
    gold.closed_at = utcnow()
    gold.closed_by_id = user.id


def _commit_change(
    session: Session, gold: GoldSentence, sentence: Sentence, actor: User, action: str,
    before: dict[str, Any] | None,
) -> Saved:
    """Flush a change already claimed (or a new record) and append it to the audit trail."""
    gold.updated_at = utcnow()
    session.flush()
    record_change(
        session, actor_id=actor.id, owner_id=None, sentence_id=sentence.id, target="gold",
        action=action, version=gold.version, before=before, after=gold_state(session, gold),
    )
    session.flush()
    return Saved(version=gold.version, status=gold.status, project_id=sentence.project_id)


# ---------------------------------------------------------------------------- the gold editor


@dataclass(frozen=True)
class GoldIn:
    spans: Any
    version: int
    reason: str | None = None
    note: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> GoldIn:
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object with spans and version")
        unknown = set(body) - {"spans", "version", "reason", "note"}
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        missing = {"spans", "version"} - set(body)
        if missing:
            raise Invalid(f"missing field(s): {', '.join(sorted(missing))}")
        _check_int(body["version"], "version")
        reason, note = check_reason_note(body.get("reason"), body.get("note"))
        return cls(spans=body["spans"], version=body["version"], reason=reason, note=note)


def save_gold(session: Session, curator: User, sentence_id: int, change: GoldIn) -> Saved:
    """Make ``change.spans`` the sentence's gold (the curator's whole-sentence editor).

    Spans kept as they were keep their provenance; new ones are the curator's. An open
    conflict whose region changed counts as decided ("edited"); the sentence closes when no
    open conflict remains. Version 0 creates the gold record of a sentence without one.

    Raises:
        NotFound.  Invalid: bad spans (each named).  Conflict: stale version.
    """
    require_curator(curator)
    sentence = _get_sentence(session, sentence_id)
    schema = get_schema(session, sentence.project_id)
    try:
        spans = parse_spans(change.spans, sentence.text, schema)
    except InvalidSpans as err:
        raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None
    gold = _get_gold(session, sentence_id)
    current_version = gold.version if gold is not None else 0
    if change.version != current_version:
        raise _stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    existing = {s.to_value(): s for s in gold.spans} if gold is not None else {}
    if gold is not None and set(existing) == set(spans):
        return Saved(gold.version, gold.status, sentence.project_id)  # nothing changed
    outcome, decided, annotations = sentence_outcome(session, sentence_id, gold)
    before = gold_state(session, gold) if gold is not None else None
    if gold is None:
        gold = _create_gold(session, sentence_id)
    else:
        _claim(session, gold)
    old_values = list(existing)
    wanted = set(spans)
    for value, row in existing.items():
        if value not in wanted:
            gold.spans.remove(row)
    who = _who(annotations)
    now = utcnow()
    for span in spans:
        if span not in existing:
            gold.spans.append(
                _curator_span(span, len(annotations), who, curator, change.reason, change.note,
                              now)
            )
    newly: list[tuple[int, int]] = []
    for conflict in outcome.conflicts:
        if not is_open(conflict, decided):
            continue
        if _inside(old_values, conflict) != _inside(spans, conflict):
            session.add(_edited_decision(gold, conflict, curator, change))
            newly.append((conflict.start, conflict.end))
    still_open = [c for c in outcome.conflicts if is_open(c, [*decided, *newly])]
    if gold.status == GoldStatus.PARTIAL and not still_open:
        _close(gold, curator)
    return _commit_change(session, gold, sentence, curator, "edit", before)


def _inside(spans: Sequence[Span], region: Region) -> list[Span]:
    return sorted(s for s in spans if overlaps(s.start, s.end, region.start, region.end))


def _edited_decision(
    gold: GoldSentence, conflict: Region, curator: User, change: GoldIn
) -> GoldDecision:
    return GoldDecision(
        gold_id=gold.id, start=conflict.start, end=conflict.end, kind=conflict.kind,
        choice="edited", curator_id=curator.id, reason=change.reason, note=change.note,
        created_at=utcnow(),
    )


# ---------------------------------------------------------------------------- close, reopen


def close_gold(session: Session, curator: User, sentence_id: int, version: int) -> Saved:
    """Close a sentence: every conflict still open is decided as "keep none"."""
    require_curator(curator)
    sentence = _get_sentence(session, sentence_id)
    gold = _get_gold(session, sentence_id)
    if gold is None:
        raise NotFound("no gold for this sentence yet")
    if gold.version != version:
        raise _stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    if gold.status == GoldStatus.COMPLETE:
        raise Invalid("this sentence is already closed")
    before = gold_state(session, gold)
    outcome, decided, _ = sentence_outcome(session, sentence_id, gold)
    _claim(session, gold)
    for conflict in outcome.conflicts:
        if is_open(conflict, decided):
            session.add(
                GoldDecision(
                    gold_id=gold.id, start=conflict.start, end=conflict.end, kind=conflict.kind,
                    choice="none", curator_id=curator.id, note="closed with the sentence",
                    created_at=utcnow(),
                )
            )
    _close(gold, curator)
    return _commit_change(session, gold, sentence, curator, "close", before)


def reopen_gold(session: Session, curator: User, sentence_id: int, version: int) -> Saved:
    """Reopen a sentence: status partial, its decisions withdrawn so they can be redone.

    The gold spans stay as they are until a curator decides the conflicts again.
    """
    require_curator(curator)
    sentence = _get_sentence(session, sentence_id)
    gold = _get_gold(session, sentence_id)
    if gold is None:
        raise NotFound("no gold for this sentence yet")
    if gold.version != version:
        raise _stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    if gold.status != GoldStatus.COMPLETE:
        raise Invalid("this sentence is not closed")
    before = gold_state(session, gold)
    _claim(session, gold)
    session.execute(delete(GoldDecision).where(GoldDecision.gold_id == gold.id))
    gold.status = GoldStatus.PARTIAL.value
    gold.closed_at = None
    gold.closed_by_id = None
    return _commit_change(session, gold, sentence, curator, "reopen", before)


def restore_gold(session: Session, admin: User, event_id: int) -> Saved:
    """Make the gold an audit event recorded (its "after") the sentence's gold again.

    The restore is itself a new version in the trail; decisions are left as they are.
    """
    from annotator.audit.services import get_event

    if admin.role != Role.ADMIN:
        raise Forbidden("only admins restore")
    event = get_event(session, event_id)
    if event.target != "gold":
        raise Invalid("only gold changes can be restored here")
    sentence = _get_sentence(session, event.sentence_id)
    gold = _get_gold(session, sentence.id)
    before = gold_state(session, gold) if gold is not None else None
    if gold is None:
        gold = _create_gold(session, sentence.id)
    else:
        _claim(session, gold)
    for row in list(gold.spans):
        gold.spans.remove(row)
    now = utcnow()
    for s in event.after.get("spans", []):
        gold.spans.append(
            GoldSpanRow(
                start=s["start"], end=s["end"], label=s["label"],
                attributes=s.get("attributes") or {}, source=s["source"],
                votes=s.get("votes", 0), voters=s.get("voters", 0),
                annotators=s.get("annotators") or [], curator_id=s.get("curator_id"),
                reason=s.get("reason"), note=s.get("note"), created_at=now,
            )
        )
    status = event.after.get("status") or GoldStatus.PARTIAL.value
    gold.status = status
    if status == GoldStatus.COMPLETE:
        gold.closed_at, gold.closed_by_id = now, admin.id
    else:
        gold.closed_at, gold.closed_by_id = None, None
    session.flush()
    return _commit_change(session, gold, sentence, admin, "restore", before)


# ---------------------------------------------------------------------------- settings


def set_show_names(session: Session, admin: User, project_id: int, show: bool) -> None:
    """Let curators of the project see annotators' names (admins only)."""
    if admin.role != Role.ADMIN:
        raise Forbidden("only admins change adjudication settings")
    if session.get(Project, project_id) is None:
        raise NotFound(f"project {project_id} does not exist")
    setting = session.get(AdjudicationSetting, project_id)
    if setting is None:
        session.add(AdjudicationSetting(project_id=project_id, show_names=show))
    else:
        setting.show_names = show
    session.flush()


# ---------------------------------------------------------------------------- helpers


def _get_sentence(session: Session, sentence_id: int) -> Sentence:
    sentence = session.get(Sentence, sentence_id)
    if sentence is None:
        raise NotFound(f"sentence {sentence_id} does not exist")
    return sentence


def _get_gold(session: Session, sentence_id: int) -> GoldSentence | None:
    return session.scalar(
        select(GoldSentence)
        .where(GoldSentence.sentence_id == sentence_id)
        .options(selectinload(GoldSentence.spans))
    )


def _create_gold(session: Session, sentence_id: int) -> GoldSentence:
    """A new gold record at version 1; a racing creation of the same one gets Conflict."""
    now = utcnow()
    gold = GoldSentence(
        sentence_id=sentence_id, status=GoldStatus.PARTIAL.value, version=1, created_at=now,
        updated_at=now,
    )
    session.add(gold)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        message = "the gold of this sentence was created meanwhile"
        raise _stale(session, sentence_id, message) from None
    return gold


def _stale(session: Session, sentence_id: int, message: str) -> Conflict:
    """Roll back and return a 409 carrying the gold as it now stands."""
    session.rollback()
    return Conflict(message, current=gold_state(session, _get_gold(session, sentence_id)))
