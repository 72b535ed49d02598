"""What the agreement library reads, from the database: each sentence's finished annotations
as items or columns (whole, or in chunks of documents), and which of them count."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, Text, cast, func, select, true
from sqlalchemy.orm import Session

from annotator.agreement.data import ItemColumns, gc_paused
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project
from annotator.reports.counted import COUNTED_SENTENCE, COUNTED_STATUS

# Sentences per chunk of agreement_column_chunks: a few MB of rows at a time.
AGREEMENT_CHUNK_SENTENCES = 4000
EVENT_TYPE_KEY = "event_type"  # the span attribute the agreement report reads as the subtype


def _driver_rows(conn: Connection, statement: Select[Any]) -> Iterator[tuple[Any, ...]]:
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
    session: Session, project_id: int, *, batch_id: int | None = None
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


# The agreement report split by bias control: annotations made with suggestions shown (the
# annotator had the sentence through a batch with suggestions on) or without.
SUGGESTION_SPLITS = ("with", "without")


def _made_with_suggestions() -> Any:
    """True for an annotation whose annotator had its sentence in a batch with suggestions on."""
    return (
        select(Assignment.id)
        .join(Batch, Batch.id == Assignment.batch_id)
        .where(Assignment.annotator_id == Annotation.annotator_id,
               Assignment.sentence_id == Annotation.sentence_id, Batch.suggestions.is_(True))
        .exists()
    )


def _agreement_queries(project_id: int, batch_id: int | None, suggestions: str | None = None
                       ) -> tuple[Select[Any], ...]:
    """The selects behind agreement_items and agreement_columns: sentences (document order),
    finished annotations, their spans, batch membership, document texts, and the annotations'
    relations (event-frame arguments); only annotations made with (or without) suggestions
    when ``suggestions`` says so."""
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
        select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label,
               func.nullif(cast(SpanRow.attributes, Text), "{}"))
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
    )
    relations_q = (
        select(RelationRow.annotation_id, RelationRow.head_start, RelationRow.head_end,
               RelationRow.role, RelationRow.child_start, RelationRow.child_end)
        .join(Annotation, Annotation.id == RelationRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
    )
    if batch_id is not None:
        in_batch = select(BatchSentence.sentence_id).where(BatchSentence.batch_id == batch_id)
        annotations_q = annotations_q.where(Annotation.sentence_id.in_(in_batch))
        spans_q = spans_q.where(Annotation.sentence_id.in_(in_batch))
        relations_q = relations_q.where(Annotation.sentence_id.in_(in_batch))
    if suggestions is not None:
        made = _made_with_suggestions()
        split = made if suggestions == "with" else ~made
        annotations_q, spans_q, relations_q = (
            q.where(split) for q in (annotations_q, spans_q, relations_q))
    group_q = (
        select(BatchSentence.sentence_id, BatchSentence.batch_id)
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(Batch.project_id == project_id)
        .order_by(BatchSentence.batch_id)
    )
    texts_q = select(Document.id, Document.text).where(Document.project_id == project_id)
    return sentence_q, annotations_q, spans_q, group_q, texts_q, relations_q


def agreement_columns(session: Session, project_id: int, *, batch_id: int | None = None,
                      suggestions: str | None = None) -> ItemColumns:
    """The same data as ``agreement_items``, in columns (no dict per span): about twice as
    fast to read and to measure, for the agreement report on large projects. ``suggestions``
    ("with" or "without", ``SUGGESTION_SPLITS``) keeps only the annotations made so."""
    conn = session.connection()
    names = dict(conn.execute(select(User.id, User.username)).all())
    return _read_columns(conn, names, *_agreement_queries(project_id, batch_id, suggestions))


def agreement_column_chunks(
    session: Session, project_id: int, *, batch_id: int | None = None,
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
        sentence_q, annotations_q, spans_q, group_q, texts_q, relations_q = _agreement_queries(
            project_id, batch_id)
        yield _read_columns(
            conn, names, sentence_q.where(in_range), annotations_q.where(in_range),
            spans_q.where(in_range),
            group_q.join(Sentence, Sentence.id == BatchSentence.sentence_id).where(in_range),
            texts_q.where(Document.id.between(lo, hi)), relations_q.where(in_range))


def _read_columns(conn: Connection, names: dict[int, str], sentence_q: Select[Any],
                  annotations_q: Select[Any], spans_q: Select[Any], group_q: Select[Any],
                  texts_q: Select[Any], relations_q: Select[Any]) -> ItemColumns:
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
            span_ann, starts, ends, labels, raws = zip(*rows, strict=True)
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
        links = list(_driver_rows(conn, relations_q))  # same filters as the spans
        if links:
            rel_ann, head_start, head_end, roles, child_start, child_end = zip(
                *links, strict=True)
        else:
            rel_ann = head_start = head_end = roles = child_start = child_end = ()
        return ItemColumns(
            ids=ids, texts=item_texts, groups=item_groups,
            annotation_item=[position[a[1]] for a in annotations],
            annotation_annotator=[names[a[2]] for a in annotations],
            span_annotation=list(map(ann_index.__getitem__, span_ann)),
            span_start=starts, span_end=ends, span_label=labels, span_subtype=subtypes,
            relation_annotation=list(map(ann_index.__getitem__, rel_ann)),
            relation_head_start=head_start, relation_head_end=head_end, relation_role=roles,
            relation_child_start=child_start, relation_child_end=child_end,
        )


def _agreement_items(session: Session, project_id: int, batch_id: int | None
                     ) -> Iterator[dict[str, Any]]:
    sentence_q, annotations_q, spans_q, group_q, texts_q, relations_q = _agreement_queries(
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
    links: dict[int, list[dict[str, Any]]] = {}
    for ann_id, hs, he, role, cs, ce in _driver_rows(conn, relations_q):
        links.setdefault(ann_id, []).append({"head": {"start": hs, "end": he},
                                             "child": {"start": cs, "end": ce}, "role": role})
    groups: dict[int, int] = {}
    for sentence_id, bid in _driver_rows(conn, group_q):
        groups[sentence_id] = bid
    texts: dict[int, str] = dict(conn.execute(texts_q).all())
    by_position = itemgetter("start", "end")
    for sentence_id, document_id, start, end in list(_driver_rows(conn, sentence_q)):
        annotators = by_sentence.get(sentence_id)
        if not annotators:
            continue
        annotations, relations = {}, {}
        for user, ann_id in sorted(annotators.items()):
            found = spans.get(ann_id, [])
            if len(found) > 1:
                found.sort(key=by_position)
            annotations[user] = found
            if ann_id in links:
                relations[user] = attached(links[ann_id], found)
        item = {
            "id": sentence_id,
            "text": texts[document_id][start:end],
            "annotations": annotations,
            "group": groups.get(sentence_id),
        }
        if relations:
            item["relations"] = relations
        yield item


def attached(links: list[dict[str, Any]], spans: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """The links whose head and child are among ``spans``, each once (as the columns road
    reads them: a stale link is left out, as ``relations.keep_attached`` does)."""
    extents = {(s["start"], s["end"]) for s in spans}
    out, seen = [], set()
    for link in links:
        head, child = link["head"], link["child"]
        key = (head["start"], head["end"], link["role"], child["start"], child["end"])
        if ((head["start"], head["end"]) in extents and (child["start"], child["end"]) in extents
                and key[:2] != key[3:] and key not in seen):
            seen.add(key)
            out.append(link)
    return out


def agreement_fingerprint(session: Session, project: Project) -> tuple[Any, ...]:
    """A value that changes whenever anything the project's agreement input reads changes.

    Only finished annotations are read, so only they are counted: finishing, reopening or
    changing a finished annotation changes their count, last change or sum of versions (every
    save bumps the version), while drafts being saved leave cached reports alone; batch
    membership decides the per-batch groups; the
    schema decides the labels and the event-type hierarchy; excluding an annotated sentence
    (or including it again) takes it out of (or back into) the input. Caches of values
    computed from ``agreement_items``, ``agreement_columns`` or their chunks are keyed on it.
    """
    annotations = session.execute(
        select(func.count(Annotation.id), func.max(Annotation.updated_at),
               func.coalesce(func.sum(Annotation.version), 0))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project.id, Annotation.status == COUNTED_STATUS)
    ).one()
    batches = session.execute(
        select(func.count(BatchSentence.id), func.max(BatchSentence.id))
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(Batch.project_id == project.id)
    ).one()
    schema = hashlib.sha256(
        json.dumps(project.label_schema, sort_keys=True).encode()).hexdigest()
    return (*annotations, *batches, schema, project.created_at,
            excluded_fingerprint(session, project.id))


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
        .where(Sentence.project_id == project_id, Sentence.excluded == true(), annotated.exists())
        .order_by(Sentence.id)
    ).all()
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
