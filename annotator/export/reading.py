"""Read the exported gold standard from the database, a chunk of documents at a time.

One chunk of documents is read with a handful of queries and then written out; the chunk's
rows are all that is held in memory, whatever the size of the project. The rows are fetched
raw (``raw_rows``) and turned into ``records`` here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Select, Text, case, cast, func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.export.events import EVENT_FORMATS
from annotator.export.options import ExportOptions, PreparedExport
from annotator.export.records import (
    AnnotatorRelation,
    AnnotatorSpan,
    AnnotatorWork,
    ExportDocument,
    ExportSentence,
    GoldRelation,
    GoldSpan,
)

CHUNK_SENTENCES = 4000
CHUNK_DOCUMENTS = 500  # keeps the IN (...) lists well under every database's parameter limit


def gold_overview(session: Session, project_id: int) -> dict[str, int]:
    """Count the project's gold (a few aggregate queries, for the export page)."""
    by_status = dict(session.execute(
        select(GoldSentence.status, func.count())
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
        .group_by(GoldSentence.status)
    ).all())
    documents = session.scalar(
        select(func.count(func.distinct(Sentence.document_id)))
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
    )
    spans = session.scalar(
        select(func.count(GoldSpanRow.id))
        .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
    )
    relations = session.scalar(
        select(func.count(GoldRelationRow.id))
        .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
    )
    return {
        "documents": documents or 0,
        "sentences": sum(by_status.values()),
        "complete": by_status.get("complete", 0),
        "partial": by_status.get("partial", 0),
        "spans": spans or 0,
        "relations": relations or 0,
    }


def gold_filter(stmt: Select, options: ExportOptions) -> Select:
    """Narrow ``stmt`` (which joins Sentence and GoldSentence) to the exported gold sentences."""
    # Excluded sentences (boilerplate, even if excluded after it was adjudicated) are not
    # training data: their gold stays stored and comes back if they are included again.
    stmt = stmt.where(Sentence.excluded.is_(False))
    if options.complete_only:
        stmt = stmt.where(GoldSentence.status == "complete")
    return stmt


def document_chunks(plan: Sequence[tuple[int, int]]) -> Iterator[list[int]]:
    """Cut the plan's document ids into chunks of about ``CHUNK_SENTENCES`` sentences."""
    chunk: list[int] = []
    sentences = 0
    for doc_id, n in plan:
        chunk.append(doc_id)
        sentences += n
        if sentences >= CHUNK_SENTENCES or len(chunk) >= CHUNK_DOCUMENTS:
            yield chunk
            chunk, sentences = [], 0
    if chunk:
        yield chunk


class _Decoded(dict):
    """JSON column text -> its value, decoded once per distinct text.

    A million spans carry only a handful of distinct attribute objects and annotator lists;
    decoding each text once instead of per row is the largest saving of the export.
    """

    LIMIT = 50_000  # distinct texts kept; beyond that the cache starts over

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str | None) -> Any:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self.convert(json.loads(raw) if raw else None)
        self[raw] = value
        return value


def _attributes(value: Any) -> dict[str, str]:
    return {k: v for k, v in (value or {}).items() if v is not None}


def _names(value: Any) -> tuple[str, ...]:
    return tuple(sorted(value or ()))


def raw_rows(connection: Connection, stmt: Select) -> list[tuple]:
    """Run ``stmt`` on the driver's cursor and return its rows as plain tuples.

    The export reads about five rows per sentence; SQLAlchemy's per-row result processing
    (Row objects, type conversion) cost more than the database itself, so the statement is
    compiled by SQLAlchemy (portable SQL, bound parameters) but fetched raw, in the session's
    transaction. Callers convert the few typed columns (dates, JSON as text) themselves.
    """
    compiled = stmt.compile(dialect=connection.dialect,
                            compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if connection.dialect.positional:
        params = [params[name] for name in compiled.positiontup]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _utc_text(value: Any) -> str | None:
    """A timestamp column as ``YYYY-MM-DDTHH:MM:SSZ`` (stored in UTC, see db.UTCDateTime)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's text form: "YYYY-MM-DD HH:MM:SS[.ffffff]", UTC
        return f"{value[:10]}T{value[11:19]}Z"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_text(value: Any) -> str | None:
    """A date column as ``YYYY-MM-DD`` (a string on SQLite, a date on PostgreSQL)."""
    return None if value is None else str(value)[:10]


class _ChunkReader:
    """What every chunk query of one export shares: its connection, options and caches."""

    def __init__(self, connection: Connection, options: ExportOptions,
                 pseudonyms: dict[str, str] | None = None) -> None:
        self.connection = connection
        self.options = options
        self.usernames: dict[int, str] = dict(
            connection.execute(select(User.id, User.username)).all()
        )
        self.names_of = _Decoded(_names)
        if pseudonyms is not None:
            # Blind: every annotator by pseudonym, wherever a name would appear. A name in a
            # gold span's provenance without a user any more stays hidden as well.
            self.usernames = {uid: pseudonyms.get(n, n) for uid, n in self.usernames.items()}
            self.names_of = _Decoded(lambda value: tuple(sorted(
                pseudonyms.get(n, "a former annotator") for n in value or ())))
        self.attributes_of = _Decoded(_attributes)

    def rows(self, stmt: Select) -> list[tuple]:
        """Fetch ``stmt`` narrowed to the exported gold sentences."""
        return raw_rows(self.connection, gold_filter(stmt, self.options))


def iter_documents(session: Session, prepared: PreparedExport) -> Iterator[ExportDocument]:
    """Yield the export's documents in id order, reading a chunk of documents at a time.

    Rows come from ``raw_rows``; JSON columns arrive as text for ``_Decoded``.
    """
    connection = session.connection()
    reader = _ChunkReader(connection, prepared.options, prepared.pseudonyms)
    splits = prepared.splits
    for chunk in document_chunks(prepared.plan):
        documents = {
            row[0]: row
            for row in raw_rows(connection, select(
                Document.id, Document.title, Document.url, Document.published, Document.text
            ).where(Document.id.in_(chunk)))
        }
        by_document = _read_sentences(reader, chunk, documents)
        for doc_id in chunk:
            _, title, url, published, text = documents[doc_id]
            yield ExportDocument(
                id=doc_id,
                title=title,
                url=url,
                published=_date_text(published),
                split=splits[doc_id] if splits else None,
                sentences=tuple(by_document.get(doc_id, ())),
                text=text,
            )
        # Let this chunk go before the next is read: otherwise two chunks are held at once.
        del documents, by_document


def _read_sentences(
    reader: _ChunkReader, chunk: list[int], documents: dict[int, tuple]
) -> dict[int, list[ExportSentence]]:
    """The chunk's exported sentences with their gold spans, by document, in document order."""
    sentence_rows = reader.rows(
        select(Sentence.id, Sentence.document_id, Sentence.index, Sentence.start,
               Sentence.end, GoldSentence.id.label("gold_id"), GoldSentence.status)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
        .order_by(Sentence.document_id, Sentence.index)
    )
    spans = _read_gold_spans(reader, chunk)
    relations = _read_gold_relations(reader, chunk)
    # Event records carry no "who finished the sentence": not read for them.
    finished, work = (
        ({}, {}) if reader.options.format in EVENT_FORMATS else _read_annotations(reader, chunk)
    )
    include_annotations = reader.options.include_annotations
    by_document: dict[int, list[ExportSentence]] = {}
    for sid, doc_id, index, start, end, gold_id, status in sentence_rows:
        text = documents[doc_id][4][start:end]
        by_document.setdefault(doc_id, []).append(
            ExportSentence(
                id=sid, index=index, start=start, end=end, text=text, gold_status=status,
                spans=tuple(spans.get(gold_id, ())),
                annotators=tuple(finished.get(sid, ())),
                annotations=work.get(sid, {}) if include_annotations else None,
                relations=tuple(relations.get(gold_id, ())),
            )
        )
    return by_document


def _read_gold_spans(reader: _ChunkReader, chunk: list[int]) -> dict[int, list[GoldSpan]]:
    """The chunk's gold spans by gold record id, unordered (the writers sort them)."""
    # Only curator spans carry a "when".
    curated_at = case((GoldSpanRow.source == "curator", GoldSpanRow.created_at), else_=None)
    span_rows = reader.rows(
        select(GoldSpanRow.gold_id, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label,
               cast(GoldSpanRow.attributes, Text), GoldSpanRow.source, GoldSpanRow.votes,
               GoldSpanRow.voters, cast(GoldSpanRow.annotators, Text), GoldSpanRow.curator_id,
               curated_at, GoldSpanRow.reason, GoldSpanRow.note)
        .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.document_id.in_(chunk))
    )
    spans: dict[int, list[GoldSpan]] = {}
    # tuple.__new__ builds the GoldSpan NamedTuple without its Python-level __new__
    # (a million of them); usernames has no None key, so no curator gives None.
    new, gold_span = tuple.__new__, GoldSpan
    attributes_of, names_of, usernames = reader.attributes_of, reader.names_of, reader.usernames
    for (gold_id, start, end, label, attributes, source, votes, voters, annotators,
         curator_id, when, reason, note) in span_rows:
        spans.setdefault(gold_id, []).append(new(gold_span, (
            start, end, label, attributes_of[attributes], source, votes, voters,
            names_of[annotators], usernames.get(curator_id), when and _utc_text(when),
            reason, note,
        )))
    return spans


def _read_gold_relations(
    reader: _ChunkReader, chunk: list[int]
) -> dict[int, list[GoldRelation]]:
    """The chunk's gold relations by gold record id, unordered (the writers sort them)."""
    curated_at = case(
        (GoldRelationRow.source == "curator", GoldRelationRow.created_at), else_=None
    )
    rows = reader.rows(
        select(GoldRelationRow.gold_id, GoldRelationRow.head_start, GoldRelationRow.head_end,
               GoldRelationRow.role, GoldRelationRow.child_start, GoldRelationRow.child_end,
               GoldRelationRow.source, GoldRelationRow.votes, GoldRelationRow.voters,
               cast(GoldRelationRow.annotators, Text), GoldRelationRow.curator_id, curated_at,
               GoldRelationRow.reason, GoldRelationRow.note)
        .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.document_id.in_(chunk))
    )
    relations: dict[int, list[GoldRelation]] = {}
    new, gold_relation = tuple.__new__, GoldRelation
    names_of, usernames = reader.names_of, reader.usernames
    for (gold_id, head_start, head_end, role, child_start, child_end, source, votes, voters,
         annotators, curator_id, when, reason, note) in rows:
        relations.setdefault(gold_id, []).append(new(gold_relation, (
            head_start, head_end, role, child_start, child_end, source, votes, voters,
            names_of[annotators], usernames.get(curator_id), when and _utc_text(when),
            reason, note,
        )))
    return relations


def _read_annotations(
    reader: _ChunkReader, chunk: list[int]
) -> tuple[dict[int, list[str]], dict[int, dict[str, AnnotatorWork]]]:
    """Who finished each exported sentence, and (with include_annotations) everyone's work:
    status, own spans and own relations (one query each for the whole chunk)."""
    # User ids, not a join on the user table, and no ORDER BY: names are mapped and sorted
    # here (a few per sentence), which is cheaper than the database sorting every row.
    stmt = (
        select(Annotation.id, Annotation.sentence_id, Annotation.annotator_id, Annotation.status)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
    )
    include_annotations = reader.options.include_annotations
    if not include_annotations:
        stmt = stmt.where(Annotation.status == "done")  # only "who finished" is needed
    usernames = reader.usernames
    rows = [(annotation_id, sentence_id, usernames[user_id], status)
            for annotation_id, sentence_id, user_id, status in reader.rows(stmt)]
    rows.sort(key=_by_sentence_and_name)
    finished: dict[int, list[str]] = {}
    for _, sentence_id, username, status in rows:
        if status == "done":
            finished.setdefault(sentence_id, []).append(username)
    work: dict[int, dict[str, AnnotatorWork]] = {}
    if not include_annotations or not rows:
        return finished, work
    own = _read_own_spans(reader, chunk)
    links = _read_own_relations(reader, chunk)
    for annotation_id, sentence_id, username, status in rows:
        work.setdefault(sentence_id, {})[username] = AnnotatorWork(
            status, tuple(own.get(annotation_id, ())), tuple(links.get(annotation_id, ()))
        )
    return finished, work


def _read_own_spans(reader: _ChunkReader, chunk: list[int]) -> dict[int, list[AnnotatorSpan]]:
    """The annotators' own spans of the chunk's exported sentences, by annotation id."""
    span_rows = reader.rows(
        select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label,
               cast(SpanRow.attributes, Text), SpanRow.origin)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
        .order_by(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label)
    )
    own: dict[int, list[AnnotatorSpan]] = {}
    attributes_of = reader.attributes_of
    for annotation_id, start, end, label, attributes, origin in span_rows:
        own.setdefault(annotation_id, []).append(
            AnnotatorSpan(start, end, label, attributes_of[attributes], _origin(origin))
        )
    return own


def _origin(raw: Any) -> dict[str, str] | None:
    """A span's stored origin as read by the driver (a dict, or JSON text on SQLite)."""
    if raw is None:
        return None
    return json.loads(raw) if isinstance(raw, str) else raw


def _read_own_relations(
    reader: _ChunkReader, chunk: list[int]
) -> dict[int, list[AnnotatorRelation]]:
    """The annotators' own relations of the chunk's exported sentences, by annotation id,
    unordered (the writers sort them)."""
    rows = reader.rows(
        select(RelationRow.annotation_id, RelationRow.head_start, RelationRow.head_end,
               RelationRow.role, RelationRow.child_start, RelationRow.child_end)
        .join(Annotation, Annotation.id == RelationRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
    )
    links: dict[int, list[AnnotatorRelation]] = {}
    new, relation = tuple.__new__, AnnotatorRelation
    for annotation_id, *fields in rows:
        links.setdefault(annotation_id, []).append(new(relation, fields))
    return links


def _by_sentence_and_name(row: tuple) -> tuple[int, str]:
    return row[1], row[2]
