"""Reads for adjudication: annotators' spans, the conflict queue, gold state, feedback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import (
    AdjudicationSetting,
    GoldDecision,
    GoldSentence,
    GoldSpan,
)
from annotator.agreement.data import ItemColumns, gc_paused
from annotator.annotation.models import Annotation, Span
from annotator.assignments.models import Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.gold import (
    PRF,
    Conflict,
    Outcome,
    adjudicate,
    display_order,
    is_open,
    queue_key,
    score_against_gold,
)
from annotator.spans import Span as SpanValue

# Sentences per chunk of agreement_column_chunks: a few MB of rows at a time.
AGREEMENT_CHUNK_SENTENCES = 4000
# Only finished work counts: an in-progress annotation is a draft, and a skipped sentence
# was not read to the end; both are missing data (absent), never "marked nothing".
COUNTED_STATUS = "done"
# A sentence an admin excluded from annotation (boilerplate, even one excluded after it was
# annotated) counts nowhere: not in agreement, not in the automatic gold pass or the conflict
# queue, not in annotators' feedback, not in the export. Its annotations and gold stay stored
# and count again if it is included again.
COUNTED_SENTENCE = Sentence.excluded.is_(False)
EVENT_TYPE_KEY = "event_type"  # the span attribute the agreement report reads as the subtype


def _driver_rows(conn, statement) -> Iterator[tuple[Any, ...]]:
    """Rows of a Core select as the DB-API cursor's plain tuples, fetched in chunks.

    For the million-row span read this halves the time of SQLAlchemy's Row objects. Only
    integer and fixed string parameters are inlined (literal_binds quotes them).
    """
    sql = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk
    finally:
        cursor.close()


def agreement_items(
    session, project_id: int, *, batch_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``{"id", "text", "annotations": {user: [span dicts]}, "group"}`` per sentence.

    A sentence appears when at least one annotator marked it done. ``group`` is the sentence's
    batch (the newest live one) or None. Reads in a few bulk queries, not one per sentence.
    """
    # Built whole with the cyclic GC paused: allocating a million small dicts otherwise
    # triggers full collections over everything alive, which took more than half the time.
    with gc_paused():
        items = list(_agreement_items(session, project_id, batch_id))
    yield from items


def _agreement_queries(project_id: int, batch_id: int | None) -> tuple[Any, ...]:
    """The selects behind agreement_items and agreement_columns: sentences (document order),
    finished annotations, their spans, batch membership, document texts."""
    sentence_q = (
        select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
        .where(Sentence.project_id == project_id, COUNTED_SENTENCE)
        .order_by(Sentence.document_id, Sentence.index)
    )
    if batch_id is not None:
        sentence_q = sentence_q.join(BatchSentence, BatchSentence.sentence_id == Sentence.id).where(
            BatchSentence.batch_id == batch_id
        )
    annotations_q = (
        select(Annotation.id, Annotation.sentence_id, Annotation.annotator_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
    )
    spans_q = (
        select(Span.annotation_id, Span.start, Span.end, Span.label,
               func.nullif(cast(Span.attributes, Text), "{}"))
        .join(Annotation, Annotation.id == Span.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
    )
    if batch_id is not None:
        in_batch = select(BatchSentence.sentence_id).where(BatchSentence.batch_id == batch_id)
        annotations_q = annotations_q.where(Annotation.sentence_id.in_(in_batch))
        spans_q = spans_q.where(Annotation.sentence_id.in_(in_batch))
    group_q = (
        select(BatchSentence.sentence_id, BatchSentence.batch_id)
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(Batch.project_id == project_id)
        .order_by(BatchSentence.batch_id)
    )
    texts_q = select(Document.id, Document.text).where(Document.project_id == project_id)
    return sentence_q, annotations_q, spans_q, group_q, texts_q


def agreement_columns(session, project_id: int, *, batch_id: int | None = None) -> ItemColumns:
    """The same data as ``agreement_items``, in columns (no dict per span): about twice as
    fast to read and to measure, for the agreement report on large projects."""
    conn = session.connection()
    names = dict(conn.execute(select(User.id, User.username)).all())
    return _read_columns(conn, names, *_agreement_queries(project_id, batch_id))


def agreement_column_chunks(
    session, project_id: int, *, batch_id: int | None = None,
    sentences_per_chunk: int | None = None,
) -> Iterator[ItemColumns]:
    """``agreement_columns``' data in chunks of whole documents, in the same order.

    Each chunk covers a range of consecutive documents holding about ``sentences_per_chunk``
    (default ``AGREEMENT_CHUNK_SENTENCES``) sentences with a finished annotation, at least one
    document, read with the same queries restricted to that range: the whole project is never
    held. Concatenated, the chunks are ``agreement_columns``.
    """
    per_chunk = sentences_per_chunk or AGREEMENT_CHUNK_SENTENCES
    counted = (
        select(Sentence.document_id, func.count(func.distinct(Annotation.sentence_id)))
        .join(Annotation, Annotation.sentence_id == Sentence.id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
        .group_by(Sentence.document_id)
        .order_by(Sentence.document_id)
    )
    if batch_id is not None:
        counted = counted.where(Annotation.sentence_id.in_(
            select(BatchSentence.sentence_id).where(BatchSentence.batch_id == batch_id)))
    conn = session.connection()
    names = dict(conn.execute(select(User.id, User.username)).all())
    ranges: list[tuple[int, int]] = []  # (first document id, last document id)
    first = last = None
    size = 0
    for document_id, n in conn.execute(counted).all():
        if first is None:
            first, size = document_id, 0
        last = document_id
        size += n
        if size >= per_chunk:
            ranges.append((first, last))
            first = None
    if first is not None:
        ranges.append((first, last))
    for lo, hi in ranges:
        in_range = Sentence.document_id.between(lo, hi)
        sentence_q, annotations_q, spans_q, group_q, texts_q = _agreement_queries(
            project_id, batch_id)
        yield _read_columns(
            conn, names, sentence_q.where(in_range), annotations_q.where(in_range),
            spans_q.where(in_range),
            group_q.join(Sentence, Sentence.id == BatchSentence.sentence_id).where(in_range),
            texts_q.where(Document.id.between(lo, hi)))


def _read_columns(conn, names: dict[int, str], sentence_q, annotations_q, spans_q, group_q,
                  texts_q) -> ItemColumns:
    with gc_paused():
        annotations = list(_driver_rows(conn, annotations_q))
        annotated = {sentence_id for _, sentence_id, _ in annotations}
        groups = dict(_driver_rows(conn, group_q))  # ordered by batch: the newest one wins
        texts = dict(conn.execute(texts_q).all())
        ids, item_texts, item_groups, position = [], [], [], {}
        for sentence_id, document_id, start, end in _driver_rows(conn, sentence_q):
            if sentence_id in annotated:
                position[sentence_id] = len(ids)
                ids.append(sentence_id)
                item_texts.append(texts[document_id][start:end])
                item_groups.append(groups.get(sentence_id))
        annotations = [a for a in annotations if a[1] in position]
        ann_ids = [a[0] for a in annotations]
        ann_index = {a: i for i, a in enumerate(ann_ids)}
        rows = list(_driver_rows(conn, spans_q))  # same filters: every span's annotation is in
        if rows:
            span_ann, starts, ends, labels, raws = zip(*rows)
        else:
            span_ann = starts = ends = labels = raws = ()
        decoded: dict[str, Any] = {}
        subtypes = []
        for raw in raws:
            if raw is None:
                subtypes.append(None)
                continue
            value = decoded.get(raw, decoded)
            if value is decoded:
                value = decoded[raw] = (json.loads(raw) or {}).get(EVENT_TYPE_KEY)
            subtypes.append(value)
        return ItemColumns(
            ids=ids, texts=item_texts, groups=item_groups,
            annotation_item=[position[a[1]] for a in annotations],
            annotation_annotator=[names[a[2]] for a in annotations],
            span_annotation=list(map(ann_index.__getitem__, span_ann)),
            span_start=starts, span_end=ends, span_label=labels, span_subtype=subtypes,
        )


def _agreement_items(session, project_id: int, batch_id: int | None
                     ) -> Iterator[dict[str, Any]]:
    sentence_q, annotations_q, spans_q, group_q, texts_q = _agreement_queries(
        project_id, batch_id)
    # Speed matters here (the agreement benchmark reads a million spans): plain DB-API rows,
    # user ids rather than names per row, empty attributes as NULL, and the others decoded
    # once per distinct JSON text.
    conn = session.connection()
    names = dict(conn.execute(select(User.id, User.username)).all())
    by_sentence: dict[int, dict[str, int]] = {}
    for ann_id, sentence_id, user_id in _driver_rows(conn, annotations_q):
        by_sentence.setdefault(sentence_id, {})[names[user_id]] = ann_id
    if not by_sentence:
        return
    spans: dict[int, list[dict[str, Any]]] = {}
    decoded: dict[str, dict[str, Any]] = {}
    for ann_id, start, end, label, raw in _driver_rows(conn, spans_q):
        if raw is None:
            attributes = {}
        else:
            attributes = decoded.get(raw)
            if attributes is None:
                attributes = decoded[raw] = json.loads(raw) or {}
            attributes = dict(attributes)
        span = {"start": start, "end": end, "label": label, "attributes": attributes}
        bucket = spans.get(ann_id)
        if bucket is None:
            spans[ann_id] = [span]
        else:
            bucket.append(span)
    groups: dict[int, int] = {}
    for sentence_id, bid in _driver_rows(conn, group_q):
        groups[sentence_id] = bid
    texts: dict[int, str] = dict(conn.execute(texts_q).all())
    by_position = itemgetter("start", "end")
    for sentence_id, document_id, start, end in list(_driver_rows(conn, sentence_q)):
        annotators = by_sentence.get(sentence_id)
        if not annotators:
            continue
        annotations = {}
        for user, ann_id in sorted(annotators.items()):
            found = spans.get(ann_id, [])
            if len(found) > 1:
                found.sort(key=by_position)
            annotations[user] = found
        yield {
            "id": sentence_id,
            "text": texts[document_id][start:end],
            "annotations": annotations,
            "group": groups.get(sentence_id),
        }


# ---------------------------------------------------------------------------- adjudication

CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


def to_span(start: int, end: int, label: str, attributes: dict[str, Any] | None) -> SpanValue:
    """A stored span as the pure value type (attributes without unset values, sorted)."""
    attrs = tuple(sorted((k, v) for k, v in (attributes or {}).items() if v is not None))
    return SpanValue(start, end, label, attrs)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def sentence_annotations(
    session: Session, sentence_ids: Sequence[int]
) -> dict[int, dict[str, list[SpanValue]]]:
    """Every finished annotation of these sentences: sentence id -> {user name: spans}."""
    result: dict[int, dict[str, list[SpanValue]]] = {}
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
            select(Span.annotation_id, Span.start, Span.end, Span.label, Span.attributes)
            .where(Span.annotation_id.in_(list(owner)))
            .order_by(Span.annotation_id, Span.start)
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
) -> tuple[Outcome, list[tuple[int, int]], dict[str, list[SpanValue]]]:
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


def excluded_fingerprint(session: Session, project_id: int) -> str:
    """A value that changes whenever a sentence with annotations is excluded or included again.

    Excluding a sentence changes no annotation, so caches keyed on the annotations alone
    would miss it. Only excluded sentences that someone annotated matter to agreement and
    adjudication; they are few (boilerplate is usually excluded at import, before anyone
    annotates it), so their ids are read and hashed.
    """
    annotated = select(Annotation.sentence_id).where(Annotation.sentence_id == Sentence.id)
    ids = session.scalars(
        select(Sentence.id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(True), annotated.exists())
        .order_by(Sentence.id)
    ).all()
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


# (database, project id) -> (fingerprint of its finished annotations, figures): the report is
# computed again only when an annotation was finished, reopened or changed since (per process).
_AGREEMENT_CACHE: dict[tuple[str, int], tuple[tuple[Any, ...], tuple[dict[str, float], str]]] = {}
AGREEMENT_SOURCE = "per-label exact span F1, pair-averaged (annotator.agreement report)"


def label_agreement_for(session: Session, project_id: int) -> tuple[dict[str, float], str]:
    """Per-label agreement used to order the queue, and where the figures come from.

    The agreement library's per-label ``span_f1`` (exact match, averaged over annotator
    pairs) on the project's finished annotations; labels it leaves undefined are absent.
    """
    fingerprint = (*session.execute(
        select(func.count(Annotation.id), func.max(Annotation.updated_at))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS)
    ).one(), excluded_fingerprint(session, project_id))
    key = (str(session.get_bind().url), project_id)
    cached = _AGREEMENT_CACHE.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    from annotator.agreement.report import agreement_report

    # Columns rather than a dict per span: the same report, about twice as fast. Without
    # groups the report skips its per-batch sections, which the queue does not use.
    columns = agreement_columns(session, project_id)
    columns = replace(columns, groups=[None] * len(columns.ids))
    figures: dict[str, float] = {}
    if columns.ids:
        per_label = agreement_report(columns)["per_label"]
        figures = {
            label: float(block["span_f1"])
            for label, block in sorted(per_label.items())
            if block.get("span_f1") is not None
        }
    result = (figures, AGREEMENT_SOURCE)
    _AGREEMENT_CACHE[key] = (fingerprint, result)
    return result


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


def gold_span_json(span: GoldSpan, curator: str | None) -> dict[str, Any]:
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
    mine: list[SpanValue]
    gold: list[SpanValue]


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
    gold_spans: dict[int, list[SpanValue]] = {}
    mine: dict[int, list[SpanValue]] = {}
    for chunk_start in range(0, len(rows), CHUNK):
        chunk = rows[chunk_start : chunk_start + CHUNK]
        for gold_id, start, end, label, attributes in session.execute(
            select(GoldSpan.gold_id, GoldSpan.start, GoldSpan.end, GoldSpan.label,
                   GoldSpan.attributes)
            .where(GoldSpan.gold_id.in_([r[1] for r in chunk]))
            .order_by(GoldSpan.start)
        ):
            gold_spans.setdefault(gold_id, []).append(to_span(start, end, label, attributes))
        for ann_id, start, end, label, attributes in session.execute(
            select(Span.annotation_id, Span.start, Span.end, Span.label, Span.attributes)
            .where(Span.annotation_id.in_([r[2] for r in chunk]))
            .order_by(Span.start)
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
    spans: tuple[SpanValue, ...]

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
    annotations: dict[str, list[SpanValue]]
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
