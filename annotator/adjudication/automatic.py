"""The automatic pass: accept into gold what enough annotators marked alike, in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from annotator.adjudication.arguments import (
    AcceptedRelation,
    adjudicate_relations,
    argument_open,
    eligible,
)
from annotator.adjudication.bulk import (
    Keyed,
    gold_changes,
    insert_golds,
    prepare_relations,
    prepare_spans,
    state_of,
    write_relations,
    write_spans,
)
from annotator.adjudication.conflicts import Accepted, adjudicate, is_open, overlaps
from annotator.adjudication.input import (
    chunks,
    to_span,
)
from annotator.adjudication.models import (
    GoldRelationRow,
    GoldSentence,
    GoldSource,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.queries import RELATION_COLUMNS
from annotator.adjudication.requests import check_min_agree
from annotator.adjudication.stored import Stored, load_golds
from annotator.annotation.queries import get_schema
from annotator.assignments.models import Batch
from annotator.audit.services import write_changes
from annotator.auth.models import User
from annotator.db import utcnow
from annotator.errors import Conflict, NotFound
from annotator.projects.models import Project
from annotator.projects.schema import LabelSchema
from annotator.relations import Relation
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
    arguments: int = 0  # relations from the vote in gold after this run (sentences in scope)

    def summary(self) -> str:
        """One line for the command line and the page's message."""
        return (
            f"min-agree {self.min_agree}: {plural(self.sentences, 'sentence')}, "
            f"{plural(self.accepted, 'span accepted', 'spans accepted')}, "
            f"{plural(self.arguments, 'event argument accepted', 'event arguments accepted')}, "
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
    relations: list[dict[str, Any]]  # the vote's, RELATION_COLUMNS


class ChangedGold(NamedTuple):
    gold: Any  # the gold record as read
    status: str
    replaced: list[int]  # ids of its spans from an earlier vote
    spans: list[dict[str, Any]]  # curators' spans kept, then the vote's (SPAN_COLUMNS)
    before: dict[str, Any]  # for the audit trail
    # ids of its relations from an earlier vote, and of curators' relations whose spans left
    replaced_relations: list[int]
    relations: list[dict[str, Any]]  # curators' relations kept, then the vote's


@dataclass
class Plan:
    """The pass so far: counts of the sentences in scope, and the gold writes planned."""

    accepted: int = 0
    arguments: int = 0
    complete: int = 0
    open: int = 0
    few: int = 0
    kept: int = 0
    created: list[NewGold] = field(default_factory=list)
    updated: list[ChangedGold] = field(default_factory=list)

    def written(self) -> list[tuple[int, int]]:
        """(sentence id, gold version written) of every gold record this plan writes: the
        audit record each one gets is found by them."""
        return ([(new.sentence_id, 1) for new in self.created]
                + [(change.gold.sentence_id, change.gold.version + 1)
                   for change in self.updated])


def auto_adjudicate(
    session: Session,
    project_id: int,
    batch_id: int | None = None,
    min_agree: int = 2,
    actor: User | None = None,
) -> AutoResult:
    """Accept into gold every span at least ``min_agree`` annotators marked exactly alike,
    and every relation (event argument) as many made identically whose spans are both gold.

    Sentences with no remaining open conflict (of spans or of arguments) are closed. A
    curator's work is never overwritten: complete sentences are left alone, and on the others
    no accepted span is placed over a curator's span or a decided region, nor an accepted
    relation on an event whose arguments a curator decided or edited. Re-running with the
    same annotations changes nothing (and records nothing). Reads and writes in bulk, not
    per sentence, in one transaction (the background job writes ``AutoPass`` in chunks).

    Raises:
        Invalid: bad min-agree.  NotFound: no such project, or the batch is not in it.
        Conflict: a gold record changed while the pass ran (the caller rolls back).
    """
    run = AutoPass(session, project_id, batch_id, min_agree,
                   actor.id if actor is not None else None)
    run.count(run.write(run.items))
    return run.result()


class AutoPass:
    """One automatic pass: the finished annotations in scope, read once, then gold written
    for any slice of them (``write``), each slice reading its sentences' gold afresh, so the
    pass can be written in chunks of short transactions; ``count`` adds a written slice's
    figures to the result."""

    def __init__(self, session: Session, project_id: int, batch_id: int | None = None,
                 min_agree: int = 2, actor_id: int | None = None) -> None:
        self.session, self.actor_id = session, actor_id
        self.min_agree = check_min_agree(min_agree)
        self.schema = check_scope(session, project_id, batch_id)
        self.items = list(agreement_items(session, project_id, batch_id=batch_id))
        self.totals = Plan()
        self.created = self.changed = self.closed = 0

    def write(self, items: Sequence[dict[str, Any]]) -> Plan:
        """Plan and write the gold of these sentences (flushed); the slice's plan.

        Raises:
            Conflict: a gold record of the slice changed since it was read.
        """
        stored = load_golds(self.session, [item["id"] for item in items])
        plan = Plan()
        for item in items:
            _plan_sentence(item, stored, self.min_agree, self.schema, plan)
        now = utcnow()
        # Every row is made and converted first: from the first write to the commit, SQLite
        # holds its write lock, and annotators' saves wait for it.
        new, changed = _prepare(self.session, plan, self.min_agree, now, self.actor_id,
                                stored.names)
        _write_created(self.session, plan.created, new)
        _write_updated(self.session, plan.updated, changed, self.min_agree, now)
        self.session.flush()
        return plan

    def count(self, plan: Plan) -> None:
        """Add a written slice's figures to the pass's."""
        totals = self.totals
        for name in ("accepted", "arguments", "complete", "open", "few", "kept"):
            setattr(totals, name, getattr(totals, name) + getattr(plan, name))
        self.created += len(plan.created)
        self.changed += len(plan.created) + len(plan.updated)
        self.closed += sum(change.status == GoldStatus.COMPLETE
                           for change in [*plan.created, *plan.updated])

    def result(self) -> AutoResult:
        """The figures of the slices counted so far."""
        plan = self.totals
        return AutoResult(
            min_agree=self.min_agree, sentences=len(self.items), created=self.created,
            changed=self.changed, accepted=plan.accepted, closed=self.closed,
            complete=plan.complete, open_conflicts=plan.open, too_few=plan.few,
            kept_complete=plan.kept, arguments=plan.arguments,
        )


def check_scope(session: Session, project_id: int, batch_id: int | None) -> LabelSchema:
    """The project's schema, once the project and the batch are known to exist."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    if batch_id is not None:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.project_id != project_id:
            raise NotFound(f"batch {batch_id} does not exist in this project")
    return get_schema(session, project_id)


def _plan_sentence(
    item: dict[str, Any], stored: Stored, min_agree: int, schema: LabelSchema, plan: Plan
) -> None:
    """Count the sentence, and plan its gold record's creation or change if it needs one."""
    if len(item["annotations"]) < min_agree:
        plan.few += 1
        return
    gold = stored.golds.get(item["id"])
    if gold is not None and gold.status == GoldStatus.COMPLETE:
        plan.kept += 1
        plan.complete += 1
        plan.accepted += stored.voted.get(gold.id, 0)
        plan.arguments += stored.voted_relations.get(gold.id, 0)
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
    gold_spans = [_span_of(r._asdict()) for r in curated] + [_span_of(r) for r in wanted]
    links = stored.relations.get(gold.id, []) if gold is not None else []
    frames = adjudicate_relations(
        {name: stored.annotated.get(item["id"], {}).get(name, []) for name in item["annotations"]},
        gold_spans, schema, min_agree,
    )
    events = stored.events.get(gold.id, []) if gold is not None else []
    curated_links = [r for r in links if r.source == GoldSource.CURATOR]
    kept_links = set(eligible([_relation_of(r) for r in curated_links], gold_spans, schema))
    protected_heads = {*events, *((r.head_start, r.head_end) for r in curated_links)}
    wanted_links = [_vote_relation(a) for a in frames.accepted
                    if a.relation.head not in protected_heads]
    open_conflicts = [c for c in outcome.conflicts if is_open(c, regions)]
    open_conflicts += [c for c in frames.conflicts if argument_open(c, events)]
    status = (GoldStatus.PARTIAL if open_conflicts else GoldStatus.COMPLETE).value
    plan.accepted += len(wanted)
    plan.arguments += len(wanted_links)
    plan.open += len(open_conflicts)
    plan.complete += status == GoldStatus.COMPLETE
    if gold is None:
        plan.created.append(NewGold(item["id"], status, wanted, wanted_links))
        return
    auto_links = [r for r in links if r.source != GoldSource.CURATOR]
    dropped = [r for r in curated_links if _relation_of(r) not in kept_links]
    if (
        sorted(map(_auto_key, wanted)) != sorted(_auto_key(r._asdict()) for r in automatic)
        or sorted(map(_link_key, wanted_links))
        != sorted(_link_key(r._asdict()) for r in auto_links)
        or dropped
        or gold.status != status
        or gold.min_agree != min_agree
    ):  # else nothing to change: re-running is a no-op
        plan.updated.append(ChangedGold(
            gold, status, [r.id for r in automatic], [r._asdict() for r in curated] + wanted,
            state_of(rows, gold.status, gold.version, gold.min_agree, stored.names, links),
            [r.id for r in [*auto_links, *dropped]],
            [r._asdict() for r in curated_links if r not in dropped] + wanted_links,
        ))


def _span_of(row: dict[str, Any]) -> Span:
    return to_span(row["start"], row["end"], row["label"], row["attributes"])


def _relation_of(row: Any) -> Relation:
    return Relation(row.head_start, row.head_end, row.role, row.child_start, row.child_end)


def _vote_relation(accepted: AcceptedRelation) -> dict[str, Any]:
    """A relation the vote accepted, as a gold relation row (RELATION_COLUMNS)."""
    r = accepted.relation
    source = GoldSource.UNANIMOUS if accepted.unanimous else GoldSource.MAJORITY
    return {
        "head_start": r.head_start, "head_end": r.head_end, "role": r.role,
        "child_start": r.child_start, "child_end": r.child_end, "source": source.value,
        "votes": accepted.votes, "voters": accepted.voters,
        "annotators": list(accepted.annotators), "curator_id": None, "reason": None,
        "note": None,
    }


def _link_key(row: dict[str, Any]) -> tuple:
    return tuple(tuple(row[c] or ()) if c == "annotators" else row[c]
                 for c in RELATION_COLUMNS)


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


class _Rows(NamedTuple):
    """A plan's rows, made and converted for the driver before its first write."""

    golds: list[dict[str, Any]]  # the new gold records
    spans: Keyed  # the new records' spans (by sentence id), then the changed ones' (by gold id)
    relations: Keyed  # as spans
    changes: list[dict[str, Any]]  # the audit rows


def _prepare(
    session: Session, plan: Plan, min_agree: int, now: datetime, actor_id: int | None,
    names: dict[int, str],
) -> tuple[_Rows, _Rows]:
    """The rows of the plan's new gold records and of its changed ones."""
    created, updated = plan.created, plan.updated
    new = _Rows(
        [{"sentence_id": n.sentence_id, "status": n.status, "version": 1,
          "min_agree": min_agree, "created_at": now, "updated_at": now,
          "closed_at": now if n.status == GoldStatus.COMPLETE else None,
          "closed_by_id": None}  # closed by the vote, not by a person
         for n in created],
        prepare_spans(session, [(n.sentence_id, n.spans) for n in created], now),
        prepare_relations(session, [(n.sentence_id, n.relations) for n in created], now),
        gold_changes(session, actor_id, now, [
            (n.sentence_id, "auto", 1, None,
             state_of(n.spans, n.status, 1, min_agree, names, n.relations))
            for n in created
        ]),
    )
    changed = _Rows(
        [],
        prepare_spans(session, [
            (c.gold.id, [s for s in c.spans if s["source"] != GoldSource.CURATOR])
            for c in updated
        ], now),
        prepare_relations(session, [
            (c.gold.id, [r for r in c.relations if r["source"] != GoldSource.CURATOR])
            for c in updated
        ], now),
        gold_changes(session, actor_id, now, [
            (c.gold.sentence_id, "auto", c.gold.version + 1, c.before,
             state_of(c.spans, c.status, c.gold.version + 1, min_agree, names, c.relations))
            for c in updated
        ]),
    )
    return new, changed


def _write_created(session: Session, created: Sequence[NewGold], rows: _Rows) -> None:
    if not created:
        return
    gold_ids = insert_golds(session, rows.golds)
    if len(gold_ids) != len(created):
        raise Conflict(
            "gold was created for some of these sentences while the automatic pass ran; "
            "nothing was stored, run it again"
        )
    write_spans(session, rows.spans, gold_ids)
    write_relations(session, rows.relations, gold_ids)
    write_changes(session, rows.changes)


def _write_updated(
    session: Session, updated: Sequence[ChangedGold], rows: _Rows, min_agree: int,
    now: datetime,
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
    for chunk in chunks([i for change in updated for i in change.replaced_relations]):
        session.execute(
            delete(GoldRelationRow).where(GoldRelationRow.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    write_spans(session, rows.spans)
    write_relations(session, rows.relations)
    write_changes(session, rows.changes)
