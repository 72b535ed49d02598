"""The conflict queue: every open conflict of a project, disagreement first (reads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator import caching
from annotator.adjudication.arguments import ArgumentConflict, adjudicate_relations, argument_open
from annotator.adjudication.conflicts import (
    ARGUMENT,
    ConflictRegion,
    adjudicate,
    is_open,
    queue_key,
)
from annotator.adjudication.input import (
    chunks,
    decided_events,
    decided_regions,
    sentence_annotations,
    sentence_relations,
    sentence_texts,
    to_span,
)
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation
from annotator.annotation.queries import get_schema
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project
from annotator.projects.schema import LabelSchema
from annotator.reports.counted import COUNTED_SENTENCE, COUNTED_STATUS
from annotator.reports.input import agreement_fingerprint
from annotator.reports.queries import label_agreement_for


@dataclass(frozen=True)
class QueueItem:
    sentence_id: int
    document_id: int
    document_title: str
    index: int
    text: str
    conflict: ConflictRegion | ArgumentConflict
    agreement: float | None  # the lowest agreement among the conflict's labels
    gold_version: int


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    agreement: dict[str, float]
    agreement_source: str
    annotators: list[str]  # everyone with a version in an open conflict (for the filter)


@dataclass(frozen=True)
class Filters:
    label: str | None = None
    kind: str | None = None
    annotator: str | None = None

    def admit(self, conflict: ConflictRegion | ArgumentConflict) -> bool:
        """Whether the conflict passes every filter given."""
        return (
            (self.label is None or self.label in conflict.labels)
            and (self.kind is None or conflict.kind == self.kind)
            and (self.annotator is None or self.annotator in dict(conflict.versions))
        )


def list_queue(
    session: Session,
    project_id: int,
    *,
    label: str | None = None,
    kind: str | None = None,
    annotator: str | None = None,
) -> Queue:
    """Open conflicts of the project, disagreement first (kind, then label agreement).

    Only sentences the automatic pass has seen (a gold record, still partial) have a queue;
    a span conflict is open until a curator's decision covers its region, an argument
    conflict until a curator decides its event's arguments. Argument conflicts come after
    every span conflict.
    """
    whole = whole_queue(session, project_id)
    filters = Filters(label, kind, annotator)
    if filters == Filters():
        return whole
    return replace(whole, items=[i for i in whole.items if filters.admit(i.conflict)])


# The whole sorted queue of a project, kept by fingerprint: a page of a large project's queue
# would otherwise check every open conflict's decisions and sort them all on each request (on
# 1,000,000 sentences with 14,000 conflicts, most of the page's time; docs/benchmarks.md).
# The fingerprint covers everything the queue is made of: the finished annotations, batches,
# schema and excluded sentences (agreement_fingerprint, which also decides the label
# agreement that orders it), the gold records (every change, decisions included, bumps a
# record's version through gold_changes) and the decisions themselves. Kept in this process
# only: the fingerprint is read from the database on each request, so another app server's
# change is seen at once, and the per-sentence conflicts below are what is worth sharing.
WHOLE_QUEUE = "conflict-queue"


def whole_queue(session: Session, project_id: int) -> Queue:
    """Every open conflict of the project in queue order (no filter), kept by fingerprint."""
    project = session.get(Project, project_id)
    if project is None:
        return Queue([], {}, "", [])
    key = (str(session.get_bind().url), project_id)
    fingerprint = queue_fingerprint(session, project)
    known = caching.peek(WHOLE_QUEUE, key, fingerprint)
    if known is None:
        known = _compute_queue(session, project_id)
        caching.put(WHOLE_QUEUE, key, fingerprint, known, shared=False)
    return known


def queue_fingerprint(session: Session, project: Project) -> tuple[Any, ...]:
    """A value that changes whenever anything the project's conflict queue depends on does."""
    golds = session.execute(
        select(func.count(GoldSentence.id), func.coalesce(func.sum(GoldSentence.version), 0),
               func.max(GoldSentence.updated_at),
               func.count(GoldSentence.id).filter(GoldSentence.status == "partial"))
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project.id)
    ).one()
    decisions = session.execute(
        select(func.count(GoldDecision.id), func.max(GoldDecision.id))
        .join(GoldSentence, GoldSentence.id == GoldDecision.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project.id)
    ).one()
    return (*agreement_fingerprint(session, project), *golds, *decisions)


def _compute_queue(session: Session, project_id: int) -> Queue:
    """The whole queue, computed (the per-sentence conflicts from their own cache)."""
    golds = _partial_golds(session, project_id)
    if not golds:
        return Queue([], {}, "", [])
    agreement, source = label_agreement_for(session, project_id)
    conflicts = sentence_conflicts(session, project_id, golds)
    decided = decided_regions(session, [g.id for g in golds])
    events = decided_events(session, [g.id for g in golds])
    found: list[tuple[tuple, QueueItem]] = []
    everyone: set[str] = set()
    for position, g in enumerate(golds):
        for conflict in conflicts.get(g.sentence_id, ()):
            if not conflict_open(conflict, decided.get(g.id, []), events.get(g.id, [])):
                continue
            everyone.update(name for name, _ in conflict.versions)
            key = queue_key(conflict, agreement)
            item = QueueItem(
                sentence_id=g.sentence_id, document_id=g.document_id, document_title=g.title,
                index=g.index, text="", conflict=conflict,
                agreement=None if key[1] > 1 else key[1], gold_version=g.version,
            )
            found.append(((*key, position, conflict.start), item))
    found.sort(key=lambda pair: pair[0])
    return Queue([item for _, item in found], agreement, source, sorted(everyone))


def conflict_open(
    conflict: ConflictRegion | ArgumentConflict, regions: Sequence[tuple[int, int]],
    events: Sequence[tuple[int, int]],
) -> bool:
    """Whether a conflict of either kind is still open, given the sentence's decisions."""
    if isinstance(conflict, ArgumentConflict):
        return argument_open(conflict, events)
    return is_open(conflict, regions)


def item_key(sentence_id: int, conflict: ConflictRegion | ArgumentConflict) -> str:
    """A queue item's key in ``next?after=``: "sentence-start-end", "-argument" for those."""
    tail = f"-{ARGUMENT}" if conflict.kind == ARGUMENT else ""
    return f"{sentence_id}-{conflict.start}-{conflict.end}{tail}"


def _partial_golds(session: Session, project_id: int) -> list[Any]:
    """The project's partial gold records with their sentences, in reading order."""
    return list(session.execute(
        select(
            GoldSentence.id, GoldSentence.sentence_id, GoldSentence.min_agree,
            GoldSentence.version, Sentence.document_id, Sentence.index, Sentence.start,
            Sentence.end, Document.title,
        )
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .where(Sentence.project_id == project_id, GoldSentence.status == "partial",
               COUNTED_SENTENCE)
        .order_by(Sentence.document_id, Sentence.index)
    ).all())


def with_texts(session: Session, items: Sequence[QueueItem]) -> list[QueueItem]:
    """The queue items with their sentences' text (for the page shown, not the whole queue)."""
    texts = sentence_texts(session, sorted({i.sentence_id for i in items}))
    return [replace(i, text=texts[i.sentence_id]) for i in items]


# A curator's every decision asks for the next conflict; recomputing every partial sentence
# from its spans each time would read them all. So the cache holds, per (database, project),
# one dict: sentence id -> (what its conflicts depend on, the conflicts). Only sentences whose
# finished annotations (count, last change, sum of versions: every save bumps a version) or
# min-agree changed are read and computed again, and those whose gold changed (its version:
# argument conflicts stand on the gold spans); sentences no longer partial are dropped.
# Each entry carries its own fingerprint, so the cache's fingerprint is only this layout's
# version; a call that computed or dropped anything puts a new dict back (never changed in
# place). It goes to the shared tier (other app servers and workers) when a good part of it
# was computed (the first look at a project, a new automatic pass); after a curator's
# decision, which recomputes one sentence, pickling a large project's whole dict would cost
# more than the others recomputing that sentence, so it stays in this process. Two servers
# writing at once: the later dict wins, and the other's sentences are computed again: slower,
# never wrong.
CONFLICTS = "conflicts"
CONFLICTS_LAYOUT = 2
SHARE_WHEN_COMPUTED = 4  # share the dict when at least a quarter of it was just computed
Found = tuple[ConflictRegion | ArgumentConflict, ...]


def sentence_conflicts(
    session: Session, project_id: int, golds: Sequence[Any]
) -> dict[int, Found]:
    """Every conflict (open or decided; span conflicts, then argument conflicts) of these
    partial gold sentences."""
    fingerprints = _annotation_fingerprints(session, project_id)
    wanted = {g.sentence_id: (g.min_agree, fingerprints.get(g.sentence_id), g.version)
              for g in golds}
    key = (str(session.get_bind().url), project_id)
    known: dict[int, tuple[tuple[Any, ...], Found]] = caching.peek(
        CONFLICTS, key, CONFLICTS_LAYOUT) or {}
    stale = [g for g in golds if g.sentence_id not in known
             or known[g.sentence_id][0] != wanted[g.sentence_id]]
    schema = get_schema(session, project_id) if stale else None
    fresh = _compute_conflicts(session, stale, schema)
    if fresh or known.keys() - wanted.keys():
        kept = {sid: entry for sid, entry in known.items() if sid in wanted}
        kept.update((sid, (wanted[sid], conflicts)) for sid, conflicts in fresh.items())
        caching.put(CONFLICTS, key, CONFLICTS_LAYOUT, kept,
                    shared=len(fresh) * SHARE_WHEN_COMPUTED >= len(kept))
    return {sid: fresh[sid] if sid in fresh else known[sid][1] for sid in wanted}


def _annotation_fingerprints(session: Session, project_id: int) -> dict[int, tuple[Any, ...]]:
    """Per partial gold sentence: count, last change and sum of versions of its annotations."""
    return {
        sid: (n, last, versions)
        for sid, n, last, versions in session.execute(
            select(Annotation.sentence_id, func.count(Annotation.id),
                   func.max(Annotation.updated_at), func.sum(Annotation.version))
            .join(GoldSentence, GoldSentence.sentence_id == Annotation.sentence_id)
            .join(Sentence, Sentence.id == Annotation.sentence_id)
            .where(Sentence.project_id == project_id, GoldSentence.status == "partial",
                   Annotation.status == COUNTED_STATUS, COUNTED_SENTENCE)
            .group_by(Annotation.sentence_id)
        )
    }


def _compute_conflicts(
    session: Session, golds: Sequence[Any], schema: LabelSchema | None
) -> dict[int, Found]:
    """The conflicts of these gold sentences, computed from their finished annotations (and,
    for argument conflicts, their relations and the current gold spans)."""
    ids = [g.sentence_id for g in golds]
    annotations = sentence_annotations(session, ids)
    relations = sentence_relations(session, ids)
    gold_spans = _gold_spans(session, [g.id for g in golds])
    result: dict[int, Found] = {}
    for g in golds:
        spans = annotations.get(g.sentence_id, {})
        found: Found = ()
        if spans and schema is not None:
            min_agree = max(1, min(g.min_agree or len(spans), len(spans)))
            linked = relations.get(g.sentence_id, {})
            frames = adjudicate_relations(
                {name: linked.get(name, []) for name in spans}, gold_spans.get(g.id, []),
                schema, min_agree,
            )
            found = (*adjudicate(spans, min_agree).conflicts, *frames.conflicts)
        result[g.sentence_id] = found
    return result


def _gold_spans(session: Session, gold_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The spans of these gold records, per gold id, as span values."""
    result: dict[int, list[Any]] = {}
    for chunk in chunks(list(gold_ids)):
        for gold_id, start, end, label, attributes in session.execute(
            select(GoldSpanRow.gold_id, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label,
                   GoldSpanRow.attributes)
            .where(GoldSpanRow.gold_id.in_(chunk))
        ):
            result.setdefault(gold_id, []).append(to_span(start, end, label, attributes))
    return result
