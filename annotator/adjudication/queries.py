"""Reads for adjudication: annotators' spans, the conflict queue, gold state, feedback."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.conflicts import (
    PRF,
    Conflict,
    Outcome,
    adjudicate,
    display_order,
    is_open,
    queue_key,
    score_against_gold,
)
from annotator.adjudication.models import (
    AdjudicationSetting,
    GoldDecision,
    GoldSentence,
    GoldSpanRow,
)
from annotator.annotation.models import Annotation, SpanRow
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.reports.input import COUNTED_SENTENCE, COUNTED_STATUS
from annotator.reports.queries import label_agreement_for
from annotator.spans import Span

# ---------------------------------------------------------------------------- adjudication

CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


def to_span(start: int, end: int, label: str, attributes: dict[str, Any] | None) -> Span:
    """A stored span as the pure value type (attributes without unset values, sorted)."""
    attrs = tuple(sorted((k, v) for k, v in (attributes or {}).items() if v is not None))
    return Span(start, end, label, attrs)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def sentence_annotations(
    session: Session, sentence_ids: Sequence[int]
) -> dict[int, dict[str, list[Span]]]:
    """Every finished annotation of these sentences: sentence id -> {user name: spans}."""
    result: dict[int, dict[str, list[Span]]] = {}
    ids = list(sentence_ids)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Annotation.id, Annotation.sentence_id, User.username)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.sentence_id.in_(chunk), Annotation.status == COUNTED_STATUS)
        ).all()
        owner: dict[int, tuple[int, str]] = {}
        for ann_id, sentence_id, username in rows:
            result.setdefault(sentence_id, {})[username] = []
            owner[ann_id] = (sentence_id, username)
        if not owner:
            continue
        for ann_id, start, end, label, attributes in session.execute(
            select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label, SpanRow.attributes)
            .where(SpanRow.annotation_id.in_(list(owner)))
            .order_by(SpanRow.annotation_id, SpanRow.start)
        ):
            sentence_id, username = owner[ann_id]
            result[sentence_id][username].append(to_span(start, end, label, attributes))
    return result


def get_gold(session: Session, sentence_id: int) -> GoldSentence | None:
    return session.scalar(select(GoldSentence).where(GoldSentence.sentence_id == sentence_id))


def decided_regions(session: Session, gold_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Regions curators decided, per gold record."""
    result: dict[int, list[tuple[int, int]]] = {}
    for chunk in _chunks(list(gold_ids)):
        for gold_id, start, end in session.execute(
            select(GoldDecision.gold_id, GoldDecision.start, GoldDecision.end)
            .where(GoldDecision.gold_id.in_(chunk))
            .order_by(GoldDecision.id)
        ):
            result.setdefault(gold_id, []).append((start, end))
    return result


def effective_min_agree(gold: GoldSentence | None, voters: int) -> int:
    """Votes that settle a span on this sentence: the automatic pass's M, else everyone.

    Capped at the number of annotators, since an annotation can be reopened after the pass.
    """
    wanted = gold.min_agree if gold is not None and gold.min_agree else voters
    return max(1, min(wanted, voters))


def sentence_outcome(
    session: Session, sentence_id: int, gold: GoldSentence | None
) -> tuple[Outcome, list[tuple[int, int]], dict[str, list[Span]]]:
    """The sentence's accepted spans and conflicts now, the decided regions, the annotations."""
    annotations = sentence_annotations(session, [sentence_id]).get(sentence_id, {})
    outcome = adjudicate(annotations, effective_min_agree(gold, len(annotations)))
    decided = decided_regions(session, [gold.id]).get(gold.id, []) if gold is not None else []
    return outcome, decided, annotations


def get_show_names(session: Session, project_id: int) -> bool:
    return bool(
        session.scalar(
            select(AdjudicationSetting.show_names).where(
                AdjudicationSetting.project_id == project_id
            )
        )
    )


@dataclass(frozen=True)
class QueueItem:
    sentence_id: int
    document_id: int
    document_title: str
    index: int
    text: str
    conflict: Conflict
    agreement: float | None  # the lowest agreement among the conflict's labels
    gold_version: int


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    agreement: dict[str, float]
    agreement_source: str
    annotators: list[str]  # everyone with a version in an open conflict (for the filter)


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
    a conflict is open until a curator's decision covers its region.
    """
    golds = session.execute(
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
    ).all()
    if not golds:
        return Queue([], {}, "", [])
    agreement, source = label_agreement_for(session, project_id)
    conflicts = _sentence_conflicts(session, project_id, golds)
    decided = decided_regions(session, [g.id for g in golds])
    found: list[tuple[tuple, QueueItem]] = []
    everyone: set[str] = set()
    for position, g in enumerate(golds):
        for conflict in conflicts.get(g.sentence_id, ()):
            if not is_open(conflict, decided.get(g.id, [])):
                continue
            everyone.update(name for name, _ in conflict.versions)
            if label is not None and label not in conflict.labels:
                continue
            if kind is not None and conflict.kind != kind:
                continue
            if annotator is not None and annotator not in dict(conflict.versions):
                continue
            key = queue_key(conflict, agreement)
            item = QueueItem(
                sentence_id=g.sentence_id, document_id=g.document_id, document_title=g.title,
                index=g.index, text="", conflict=conflict,
                agreement=None if key[1] > 1 else key[1], gold_version=g.version,
            )
            found.append(((*key, position, conflict.start), item))
    found.sort(key=lambda pair: pair[0])
    return Queue([item for _, item in found], agreement, source, sorted(everyone))


def with_texts(session: Session, items: Sequence[QueueItem]) -> list[QueueItem]:
    """The queue items with their sentences' text (for the page shown, not the whole queue)."""
    texts = _sentence_texts(session, sorted({i.sentence_id for i in items}))
    return [replace(i, text=texts[i.sentence_id]) for i in items]


# (database, project id) -> sentence id -> (what the conflicts depend on, the conflicts).
# A curator's every decision asks for the next conflict; recomputing every partial sentence
# from its spans each time would read them all. Here only sentences whose finished
# annotations (count, last change, sum of versions: every save bumps a version) or min-agree
# changed are read and computed again (per process; sentences no longer partial are dropped).
_CONFLICT_CACHE: dict[tuple[str, int], dict[int, tuple[tuple[Any, ...], tuple[Conflict, ...]]]] = {}


def _sentence_conflicts(
    session: Session, project_id: int, golds: Sequence[Any]
) -> dict[int, tuple[Conflict, ...]]:
    """Every conflict (open or decided) of these partial gold sentences."""
    fingerprints: dict[int, tuple[Any, ...]] = {
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
    store = _CONFLICT_CACHE.setdefault((str(session.get_bind().url), project_id), {})
    wanted = {g.sentence_id: (g.min_agree, fingerprints.get(g.sentence_id)) for g in golds}
    for sid in [sid for sid in store if sid not in wanted]:
        del store[sid]
    stale = [sid for sid, key in wanted.items() if sid not in store or store[sid][0] != key]
    annotations = sentence_annotations(session, stale)
    for g in golds:
        if g.sentence_id not in stale:
            continue
        spans = annotations.get(g.sentence_id, {})
        found: tuple[Conflict, ...] = ()
        if spans:
            found = adjudicate(spans, max(1, min(g.min_agree or len(spans), len(spans)))).conflicts
        store[g.sentence_id] = (wanted[g.sentence_id], found)
    return {sid: store[sid][1] for sid in wanted}


def _sentence_texts(session: Session, sentence_ids: Sequence[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for chunk in _chunks(list(sentence_ids)):
        for sentence_id, text in session.execute(
            select(
                Sentence.id,
                func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            )
            .join(Document, Document.id == Sentence.document_id)
            .where(Sentence.id.in_(chunk))
        ):
            texts[sentence_id] = text
    return texts


@dataclass(frozen=True)
class GoldCounts:
    complete: int
    partial: int
    awaiting: int  # sentences with finished annotations but no gold record yet


def gold_counts(session: Session, project_id: int) -> GoldCounts:
    by_status = dict(
        session.execute(
            select(GoldSentence.status, func.count())
            .join(Sentence, Sentence.id == GoldSentence.sentence_id)
            .where(Sentence.project_id == project_id, COUNTED_SENTENCE)
            .group_by(GoldSentence.status)
        ).all()
    )
    annotated = session.scalar(
        select(func.count(func.distinct(Annotation.sentence_id)))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .outerjoin(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(
            Sentence.project_id == project_id,
            Annotation.status == COUNTED_STATUS,
            GoldSentence.id.is_(None),
            COUNTED_SENTENCE,
        )
    )
    return GoldCounts(by_status.get("complete", 0), by_status.get("partial", 0), annotated or 0)


def gold_state(session: Session, gold: GoldSentence | None) -> dict[str, Any]:
    """The gold of a sentence as the API returns it (version 0 and no spans before any)."""
    if gold is None:
        return {"spans": [], "status": None, "version": 0, "min_agree": None}
    names = _user_names(session, {s.curator_id for s in gold.spans if s.curator_id})
    return {
        "spans": [
            gold_span_json(s, names.get(s.curator_id))
            for s in sorted(gold.spans, key=lambda s: (s.start, s.end))
        ],
        "status": gold.status,
        "version": gold.version,
        "min_agree": gold.min_agree,
    }


def gold_span_json(span: GoldSpanRow, curator: str | None) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "attributes": dict(span.attributes or {}),
        "source": span.source,
        "votes": span.votes,
        "voters": span.voters,
        "annotators": list(span.annotators or []),
        "curator": curator,
        "curator_id": span.curator_id,
        "reason": span.reason,
        "note": span.note,
    }


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


# ---------------------------------------------------------------------------- feedback


@dataclass(frozen=True)
class Difference:
    sentence_id: int
    text: str
    mine: list[Span]
    gold: list[Span]


@dataclass(frozen=True)
class Feedback:
    per_label: dict[str, PRF]
    overall: PRF
    sentences: int  # sentences compared: complete gold that this annotator finished
    differences: list[Difference]  # the first MAX_DIFFERENCES, in reading order
    more_differences: int


MAX_DIFFERENCES = 200


def annotator_feedback(session: Session, project_id: int, user_id: int) -> Feedback:
    """One annotator's spans scored against complete gold, with the sentences that differ."""
    rows = session.execute(
        select(Sentence.id, GoldSentence.id, Annotation.id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .join(Annotation, Annotation.sentence_id == Sentence.id)
        .where(
            Sentence.project_id == project_id,
            GoldSentence.status == "complete",
            Annotation.annotator_id == user_id,
            Annotation.status == COUNTED_STATUS,
            COUNTED_SENTENCE,
        )
        .order_by(Sentence.document_id, Sentence.index)
    ).all()
    gold_spans: dict[int, list[Span]] = {}
    mine: dict[int, list[Span]] = {}
    for chunk_start in range(0, len(rows), CHUNK):
        chunk = rows[chunk_start : chunk_start + CHUNK]
        for gold_id, start, end, label, attributes in session.execute(
            select(GoldSpanRow.gold_id, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label,
                   GoldSpanRow.attributes)
            .where(GoldSpanRow.gold_id.in_([r[1] for r in chunk]))
            .order_by(GoldSpanRow.start)
        ):
            gold_spans.setdefault(gold_id, []).append(to_span(start, end, label, attributes))
        for ann_id, start, end, label, attributes in session.execute(
            select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label, SpanRow.attributes)
            .where(SpanRow.annotation_id.in_([r[2] for r in chunk]))
            .order_by(SpanRow.start)
        ):
            mine.setdefault(ann_id, []).append(to_span(start, end, label, attributes))
    pairs = [(gold_spans.get(g, []), mine.get(a, [])) for _, g, a in rows]
    per_label, overall = score_against_gold(pairs)
    differing = [
        (sentence_id, gold, own)
        for (sentence_id, _, _), (gold, own) in zip(rows, pairs)
        if {(s.start, s.end, s.label) for s in gold} != {(s.start, s.end, s.label) for s in own}
    ]
    shown = differing[:MAX_DIFFERENCES]
    texts = _sentence_texts(session, [d[0] for d in shown])
    return Feedback(
        per_label=per_label,
        overall=overall,
        sentences=len(rows),
        differences=[Difference(sid, texts[sid], own, gold) for sid, gold, own in shown],
        more_differences=len(differing) - len(shown),
    )


# ---------------------------------------------------------------------------- a sentence's view


@dataclass(frozen=True)
class VersionView:
    number: int  # "Annotator <number>" and the key that picks this version
    annotator: str | None  # None while names are hidden from curators
    spans: tuple[Span, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "annotator": self.annotator,
            "spans": [s.to_json() for s in self.spans],
        }


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    versions: list[VersionView]  # in display order

    def to_json(self) -> dict[str, Any]:
        c = self.conflict
        return {
            "start": c.start, "end": c.end, "kind": c.kind, "kinds": list(c.kinds),
            "labels": list(c.labels), "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True)
class SentenceView:
    gold: GoldSentence | None
    state: dict[str, Any]  # gold_state()
    outcome: Outcome
    order: list[str]  # annotators in display order
    show_names: bool
    annotations: dict[str, list[Span]]
    open_conflicts: list[ConflictView]

    def name_of(self, annotator: str) -> str:
        return annotator if self.show_names else f"Annotator {self.order.index(annotator) + 1}"

    def find(self, start: int, end: int) -> ConflictView | None:
        return next(
            (v for v in self.open_conflicts if (v.conflict.start, v.conflict.end) == (start, end)),
            None,
        )


def conflict_view(session: Session, sentence: Sentence) -> SentenceView:
    """Everything the curator's pages show for one sentence."""
    gold = session.scalar(select(GoldSentence).where(GoldSentence.sentence_id == sentence.id))
    outcome, decided, annotations = sentence_outcome(session, sentence.id, gold)
    order = display_order(sentence.id, outcome.voters)
    show = get_show_names(session, sentence.project_id)
    conflicts = [
        ConflictView(
            c,
            [
                VersionView(i + 1, name if show else None, c.version_of(name))
                for i, name in enumerate(order)
            ],
        )
        for c in outcome.conflicts
        if gold is not None and gold.status == "partial" and is_open(c, decided)
    ]
    return SentenceView(
        gold=gold, state=gold_state(session, gold), outcome=outcome, order=order,
        show_names=show, annotations=annotations, open_conflicts=conflicts,
    )


def project_annotators(session: Session, project_id: int) -> list[User]:
    """Users with at least one finished annotation in the project, by name."""
    annotated = (
        select(Annotation.annotator_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
        .distinct()
    )
    return list(session.scalars(select(User).where(User.id.in_(annotated)).order_by(User.username)))
