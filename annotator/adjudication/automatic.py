"""The automatic pass: accept into gold what enough annotators marked alike, in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from annotator.adjudication.bulk import (
    SPAN_COLUMNS,
    insert_golds,
    insert_spans,
    record_gold_changes,
    state_of,
)
from annotator.adjudication.conflicts import Accepted, adjudicate, is_open, overlaps
from annotator.adjudication.input import chunks, decided_regions, to_span, user_names
from annotator.adjudication.models import GoldSentence, GoldSource, GoldSpanRow, GoldStatus
from annotator.adjudication.requests import check_min_agree
from annotator.assignments.models import Batch
from annotator.auth.models import User
from annotator.db import utcnow
from annotator.errors import Conflict, NotFound
from annotator.projects.models import Project
from annotator.reports.input import agreement_items
from annotator.spans import Span
from annotator.wording import plural


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
        """One line for the command line and the page's message."""
        return (
            f"min-agree {self.min_agree}: {plural(self.sentences, 'sentence')}, "
            f"{plural(self.accepted, 'span accepted', 'spans accepted')}, "
            f"{plural(self.closed, 'sentence closed', 'sentences closed')} "
            f"({self.complete} complete), {plural(self.open_conflicts, 'open conflict')}; "
            f"{plural(self.changed, 'gold record changed', 'gold records changed')} "
            f"({self.created} new); {self.too_few} with fewer than "
            f"{plural(self.min_agree, 'annotator')} and {self.kept_complete} already complete "
            "left alone"
        )


class NewGold(NamedTuple):
    sentence_id: int
    status: str
    spans: list[dict[str, Any]]  # the vote's, SPAN_COLUMNS


class ChangedGold(NamedTuple):
    gold: Any  # the gold record as read
    status: str
    replaced: list[int]  # ids of its spans from an earlier vote
    spans: list[dict[str, Any]]  # curators' spans kept, then the vote's (SPAN_COLUMNS)
    before: dict[str, Any]  # for the audit trail


@dataclass(frozen=True)
class Stored:
    """What gold the sentences in scope have (see ``load_golds``)."""

    golds: dict[int, Any]  # sentence id -> gold record
    spans: dict[int, list[Any]]  # gold id -> spans, partial records only
    voted: dict[int, int]  # gold id -> spans from the vote, complete records only
    decided: dict[int, list[tuple[int, int]]]  # gold id -> regions curators decided
    names: dict[int, str]  # curator id -> name, for the audit trail


@dataclass
class Plan:
    """The pass so far: counts of the sentences in scope, and the gold writes planned."""

    accepted: int = 0
    complete: int = 0
    open: int = 0
    few: int = 0
    kept: int = 0
    created: list[NewGold] = field(default_factory=list)
    updated: list[ChangedGold] = field(default_factory=list)


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
        Conflict: a gold record changed while the pass ran (the caller rolls back).
    """
    min_agree = check_min_agree(min_agree)
    _check_scope(session, project_id, batch_id)
    items = list(agreement_items(session, project_id, batch_id=batch_id))
    stored = load_golds(session, [item["id"] for item in items])
    plan = Plan()
    for item in items:
        _plan_sentence(item, stored, min_agree, plan)
    now = utcnow()
    actor_id = actor.id if actor is not None else None
    _write_created(session, plan.created, min_agree, now, actor_id, stored.names)
    _write_updated(session, plan.updated, min_agree, now, actor_id, stored.names)
    closed = sum(
        change.status == GoldStatus.COMPLETE for change in [*plan.created, *plan.updated]
    )
    session.flush()
    return AutoResult(
        min_agree=min_agree, sentences=len(items), created=len(plan.created),
        changed=len(plan.created) + len(plan.updated), accepted=plan.accepted,
        closed=closed, complete=plan.complete, open_conflicts=plan.open,
        too_few=plan.few, kept_complete=plan.kept,
    )


def _check_scope(session: Session, project_id: int, batch_id: int | None) -> None:
    if session.get(Project, project_id) is None:
        raise NotFound(f"project {project_id} does not exist")
    if batch_id is not None:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.project_id != project_id:
            raise NotFound(f"batch {batch_id} does not exist in this project")


def _plan_sentence(item: dict[str, Any], stored: Stored, min_agree: int, plan: Plan) -> None:
    """Count the sentence, and plan its gold record's creation or change if it needs one."""
    if len(item["annotations"]) < min_agree:
        plan.few += 1
        return
    gold = stored.golds.get(item["id"])
    if gold is not None and gold.status == GoldStatus.COMPLETE:
        plan.kept += 1
        plan.complete += 1
        plan.accepted += stored.voted.get(gold.id, 0)
        return
    rows = stored.spans.get(gold.id, []) if gold is not None else []
    regions = stored.decided.get(gold.id, []) if gold is not None else []
    curated = [r for r in rows if r.source == GoldSource.CURATOR]
    automatic = [r for r in rows if r.source != GoldSource.CURATOR]
    outcome = adjudicate(_annotations(item), min_agree)
    protected = regions + [(r.start, r.end) for r in curated]
    wanted = [
        _vote_row(a) for a in outcome.accepted
        if not any(overlaps(a.span.start, a.span.end, x, y) for x, y in protected)
    ]
    open_conflicts = [c for c in outcome.conflicts if is_open(c, regions)]
    status = (GoldStatus.PARTIAL if open_conflicts else GoldStatus.COMPLETE).value
    plan.accepted += len(wanted)
    plan.open += len(open_conflicts)
    plan.complete += status == GoldStatus.COMPLETE
    if gold is None:
        plan.created.append(NewGold(item["id"], status, wanted))
    elif (
        sorted(map(_auto_key, wanted)) != sorted(_auto_key(r._asdict()) for r in automatic)
        or gold.status != status
        or gold.min_agree != min_agree
    ):  # else nothing to change: re-running is a no-op
        plan.updated.append(ChangedGold(
            gold, status, [r.id for r in automatic], [r._asdict() for r in curated] + wanted,
            state_of(rows, gold.status, gold.version, gold.min_agree, stored.names),
        ))


def _annotations(item: dict[str, Any]) -> dict[str, list[Span]]:
    return {
        user: [to_span(s["start"], s["end"], s["label"], s["attributes"]) for s in spans]
        for user, spans in item["annotations"].items()
    }


def _vote_row(accepted: Accepted) -> dict[str, Any]:
    """A span the vote accepted, as a gold span row (SPAN_COLUMNS)."""
    span = accepted.span
    source = GoldSource.UNANIMOUS if accepted.unanimous else GoldSource.MAJORITY
    return {
        "start": span.start, "end": span.end, "label": span.label,
        "attributes": dict(span.attributes), "source": source.value, "votes": accepted.votes,
        "voters": accepted.voters, "annotators": list(accepted.annotators),
        "curator_id": None, "reason": None, "note": None,
    }


def _auto_key(span: dict[str, Any]) -> tuple:
    attrs = tuple(sorted((span["attributes"] or {}).items()))
    return (span["start"], span["end"], span["label"], attrs, span["source"], span["votes"],
            span["voters"], tuple(span["annotators"] or ()))


def load_golds(session: Session, sentence_ids: Sequence[int]) -> Stored:
    """Gold records of these sentences, the spans of the partial ones, the vote's count in
    the complete ones, decided regions and curators' names.

    Complete sentences are left alone, so their spans are counted, not read.
    """
    golds: dict[int, Any] = {}
    stored: dict[int, list[Any]] = {}
    voted: dict[int, int] = {}
    columns = [getattr(GoldSpanRow, c) for c in SPAN_COLUMNS]
    for chunk in chunks(sentence_ids):
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
    decided = decided_regions(session, [g.id for g in golds.values()])
    names = user_names(session, {r.curator_id for rows in stored.values() for r in rows
                                 if r.curator_id})
    return Stored(golds, stored, voted, decided, names)


def _write_created(
    session: Session, created: Sequence[NewGold], min_agree: int, now: datetime,
    actor_id: int | None, names: dict[int, str],
) -> None:
    if not created:
        return
    gold_ids = insert_golds(session, [
        {"sentence_id": new.sentence_id, "status": new.status, "version": 1,
         "min_agree": min_agree, "created_at": now, "updated_at": now,
         "closed_at": now if new.status == GoldStatus.COMPLETE else None,
         "closed_by_id": None}  # closed by the vote, not by a person
        for new in created
    ])
    if len(gold_ids) != len(created):
        raise Conflict(
            "gold was created for some of these sentences while the automatic pass ran; "
            "nothing was stored, run it again"
        )
    insert_spans(session, [(gold_ids[new.sentence_id], new.spans) for new in created], now)
    record_gold_changes(session, actor_id, now, [
        (new.sentence_id, "auto", 1, None, state_of(new.spans, new.status, 1, min_agree, names))
        for new in created
    ])


def _write_updated(
    session: Session, updated: Sequence[ChangedGold], min_agree: int, now: datetime,
    actor_id: int | None, names: dict[int, str],
) -> None:
    if not updated:
        return
    for change in updated:
        gold = change.gold
        # Compare-and-set: a curator's change since the read makes the whole pass stale.
        result = session.execute(
            update(GoldSentence)
            .where(GoldSentence.id == gold.id, GoldSentence.version == gold.version)
            .values(
                version=gold.version + 1, status=change.status, min_agree=min_agree,
                updated_at=now, closed_by_id=None,
                closed_at=now if change.status == GoldStatus.COMPLETE else None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(
                f"the gold of sentence {gold.sentence_id} changed while the automatic pass "
                "ran; nothing was stored, run it again"
            )
    doomed = [span_id for change in updated for span_id in change.replaced]
    for chunk in chunks(doomed):
        session.execute(
            delete(GoldSpanRow).where(GoldSpanRow.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    insert_spans(session, [
        (change.gold.id, [s for s in change.spans if s["source"] != GoldSource.CURATOR])
        for change in updated
    ], now)
    record_gold_changes(session, actor_id, now, [
        (change.gold.sentence_id, "auto", change.gold.version + 1, change.before,
         state_of(change.spans, change.status, change.gold.version + 1, min_agree, names))
        for change in updated
    ])
