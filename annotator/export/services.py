"""Gather the gold standard from the database, document chunk by chunk, for the writers."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.agreement.summary import summarize_chunks, summarize_report
from annotator.annotation.models import Annotation, SpanRow
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.errors import Invalid, NotFound
from annotator.export import formats
from annotator.export.formats import (
    AnnotatorSpan,
    AnnotatorWork,
    ExportDocument,
    ExportHeader,
    ExportSentence,
    Tally,
)
from annotator.export.splits import SplitError, assign_splits, parse_split, split_names
from annotator.projects.models import Project

# One chunk of documents is read with a handful of queries and then written out; the
# chunk's rows are all that is held in memory, whatever the size of the project.
CHUNK_SENTENCES = 4000
CHUNK_DOCUMENTS = 500  # keeps the IN (...) lists well under every database's parameter limit
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class ExportOptions:
    format: str = "gold-json"
    split: tuple[int, ...] | None = None
    seed: int | None = None
    part: str | None = None  # one split only (train | dev | test)
    include_annotations: bool = False
    complete_only: bool = False

    @property
    def split_text(self) -> str | None:
        return "/".join(map(str, self.split)) if self.split else None

    def to_json(self) -> dict[str, Any]:
        names = list(split_names(self.split)) if self.split else None
        return {
            "split": self.split_text,
            "seed": self.seed,
            "part": self.part,
            "include_annotations": self.include_annotations,
            "complete_only": self.complete_only,
            # The split names this file can hold (only the part, if one was asked for).
            "split_names": [self.part] if self.part else names,
        }


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise Invalid(f"{name} must be 1 or 0, not {value!r}")


def parse_options(
    format: str | None,
    *,
    split: str | None = None,
    seed: Any = None,
    part: str | None = None,
    include_annotations: Any = False,
    complete_only: Any = False,
) -> ExportOptions:
    """Check export options given as text (query string or command line).

    Raises:
        Invalid: naming the bad option and what it accepts.
    """
    if format not in formats.FORMATS:
        raise Invalid(f"format must be one of {', '.join(formats.FORMATS)}, not {format!r}")
    ratios = None
    if split not in (None, ""):
        try:
            ratios = parse_split(str(split))
        except SplitError as err:
            raise Invalid(str(err)) from None
    seed_value = None
    if seed not in (None, ""):
        if ratios is None:
            raise Invalid("seed is only meaningful with split (e.g. split=80/10/10&seed=7)")
        text = str(seed).strip()
        if not re.fullmatch(r"-?\d{1,19}", text) or abs(int(text)) > MAX_SEED:
            raise Invalid(f"seed must be a whole number, not {seed!r}")
        seed_value = int(text)
    elif ratios is not None:
        seed_value = 0
    part_value = None
    if part not in (None, ""):
        if ratios is None:
            raise Invalid("part needs split (e.g. split=80/10/10&part=train)")
        if part not in split_names(ratios):
            raise Invalid(f"part must be one of {', '.join(split_names(ratios))}, not {part!r}")
        part_value = str(part)
    return ExportOptions(
        format=str(format),
        split=ratios,
        seed=seed_value,
        part=part_value,
        include_annotations=_flag("include_annotations", include_annotations),
        complete_only=_flag("complete_only", complete_only),
    )


@dataclass(frozen=True)
class PreparedExport:
    """Everything decided before the first byte is written: header, documents and splits."""

    header: ExportHeader
    options: ExportOptions
    project_id: int
    # (document id, exported gold sentences) in export order, only the chosen part.
    plan: tuple[tuple[int, int], ...]
    splits: dict[int, str] | None


def begin_consistent_read(session: Session) -> None:
    """Start a transaction in which every chunk query of the export sees the same data.

    An export reads chunk after chunk while curators keep working. On PostgreSQL a
    REPEATABLE READ transaction gives all those queries one snapshot. (SQLite's driver starts
    no transaction for reads, so there each query sees the latest committed state.) Call it
    before the export's first query; it ends the session's current, read-only transaction.
    """
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    return project


def gold_overview(session: Session, project_id: int) -> dict[str, int]:
    """How much gold the project has (a few aggregate queries, for the export page)."""
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
    return {
        "documents": documents or 0,
        "sentences": sum(by_status.values()),
        "complete": by_status.get("complete", 0),
        "partial": by_status.get("partial", 0),
        "spans": spans or 0,
    }


def _gold_filter(stmt, options: ExportOptions):
    # Excluded sentences (boilerplate, even if excluded after it was adjudicated) are not
    # training data: their gold stays stored and comes back if they are included again.
    stmt = stmt.where(Sentence.excluded.is_(False))
    if options.complete_only:
        stmt = stmt.where(GoldSentence.status == "complete")
    return stmt


def prepare_export(
    session: Session,
    project: Project,
    options: ExportOptions,
    *,
    with_agreement: bool = True,
    now: datetime | None = None,
) -> PreparedExport:
    """Decide which documents are exported, their splits, and the header.

    Reads one row per document (its number of gold sentences), never the sentences.
    ``with_agreement`` computes the agreement summary, which only the gold-json file and the
    card carry.
    """
    counts_q = _gold_filter(
        select(Sentence.document_id, func.count())
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.project_id == project.id)
        .group_by(Sentence.document_id)
        .order_by(Sentence.document_id),
        options,
    )
    plan = [(doc_id, n) for doc_id, n in session.execute(counts_q)]
    splits = None
    if options.split:
        # Split over every exported document, then keep the part: a document's part does not
        # depend on which part is asked for.
        splits = assign_splits((d for d, _ in plan), options.split, options.seed or 0)
        if options.part:
            plan = [(d, n) for d, n in plan if splits[d] == options.part]
    exported_at = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = ExportHeader(
        project_id=project.id,
        project_name=project.name,
        label_schema=project.label_schema,
        exported_at=exported_at,
        format=options.format,
        options=options.to_json(),
        agreement=agreement_summary(session, project) if with_agreement else None,
    )
    return PreparedExport(header, options, project.id, tuple(plan), splits)


def _chunks(plan: Sequence[tuple[int, int]]) -> Iterator[list[int]]:
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

    def __init__(self, convert):
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


def _raw_rows(connection, stmt) -> list[tuple]:
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


def iter_documents(session: Session, prepared: PreparedExport) -> Iterator[ExportDocument]:
    """Yield the export's documents in id order, reading a chunk of documents at a time.

    Rows come from ``_raw_rows``; JSON columns arrive as text for ``_Decoded``.
    """
    options = prepared.options
    connection = session.connection()
    usernames = dict(connection.execute(select(User.id, User.username)).all())
    attributes_of = _Decoded(_attributes)
    names_of = _Decoded(_names)
    # Only curator spans carry a "when".
    curated_at = case((GoldSpanRow.source == "curator", GoldSpanRow.created_at), else_=None)
    for chunk in _chunks(prepared.plan):
        documents = {
            row[0]: row
            for row in _raw_rows(connection, select(
                Document.id, Document.title, Document.url, Document.published, Document.text
            ).where(Document.id.in_(chunk)))
        }
        sentence_rows = _raw_rows(connection, _gold_filter(
            select(Sentence.id, Sentence.document_id, Sentence.index, Sentence.start,
                   Sentence.end, GoldSentence.id.label("gold_id"), GoldSentence.status)
            .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
            .where(Sentence.document_id.in_(chunk))
            .order_by(Sentence.document_id, Sentence.index),
            options,
        ))
        spans: dict[int, list[formats.GoldSpan]] = {}
        # Unordered: the writers sort each sentence's spans.
        span_rows = _raw_rows(connection, _gold_filter(
            select(GoldSpanRow.gold_id, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label,
                   cast(GoldSpanRow.attributes, Text), GoldSpanRow.source, GoldSpanRow.votes,
                   GoldSpanRow.voters, cast(GoldSpanRow.annotators, Text), GoldSpanRow.curator_id,
                   curated_at, GoldSpanRow.reason, GoldSpanRow.note)
            .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
            .join(Sentence, Sentence.id == GoldSentence.sentence_id)
            .where(Sentence.document_id.in_(chunk)),
            options,
        ))
        # tuple.__new__ builds the GoldSpanRow NamedTuple without its Python-level __new__
        # (a million of them); usernames has no None key, so no curator gives None.
        new, gold_span = tuple.__new__, formats.GoldSpan
        for (gold_id, start, end, label, attributes, source, votes, voters, annotators,
             curator_id, when, reason, note) in span_rows:
            spans.setdefault(gold_id, []).append(new(gold_span, (
                start, end, label, attributes_of[attributes], source, votes, voters,
                names_of[annotators], usernames.get(curator_id), when and _utc_text(when),
                reason, note,
            )))
        finished, work = _annotations(connection, chunk, options, attributes_of, usernames)
        by_document: dict[int, list[ExportSentence]] = {}
        for sid, doc_id, index, start, end, gold_id, status in sentence_rows:
            text = documents[doc_id][4][start:end]
            by_document.setdefault(doc_id, []).append(
                ExportSentence(
                    id=sid, index=index, start=start, end=end, text=text, gold_status=status,
                    spans=tuple(spans.get(gold_id, ())),
                    annotators=tuple(finished.get(sid, ())),
                    annotations=work.get(sid, {}) if options.include_annotations else None,
                )
            )
        for doc_id in chunk:
            _, title, url, published, _ = documents[doc_id]
            yield ExportDocument(
                id=doc_id,
                title=title,
                url=url,
                published=_date_text(published),
                split=prepared.splits[doc_id] if prepared.splits else None,
                sentences=tuple(by_document.get(doc_id, ())),
            )


def _annotations(
    connection, chunk: list[int], options: ExportOptions, attributes_of: _Decoded,
    usernames: dict[int, str],
) -> tuple[dict[int, list[str]], dict[int, dict[str, AnnotatorWork]]]:
    """Who finished each exported sentence, and (with include_annotations) everyone's spans."""
    # User ids, not a join on the user table, and no ORDER BY: names are mapped and sorted
    # here (a few per sentence), which is cheaper than the database sorting every row.
    stmt = (
        select(Annotation.id, Annotation.sentence_id, Annotation.annotator_id, Annotation.status)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
    )
    if not options.include_annotations:
        stmt = stmt.where(Annotation.status == "done")  # only "who finished" is needed
    rows = [(annotation_id, sentence_id, usernames[user_id], status)
            for annotation_id, sentence_id, user_id, status
            in _raw_rows(connection, _gold_filter(stmt, options))]
    rows.sort(key=_by_sentence_and_name)
    finished: dict[int, list[str]] = {}
    for _, sentence_id, username, status in rows:
        if status == "done":
            finished.setdefault(sentence_id, []).append(username)
    work: dict[int, dict[str, AnnotatorWork]] = {}
    if not options.include_annotations or not rows:
        return finished, work
    own: dict[int, list[AnnotatorSpan]] = {}
    span_rows = _raw_rows(connection, _gold_filter(
        select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label, cast(SpanRow.attributes, Text))
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.document_id.in_(chunk))
        .order_by(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label),
        options,
    ))
    for annotation_id, start, end, label, attributes in span_rows:
        own.setdefault(annotation_id, []).append(
            AnnotatorSpan(start, end, label, attributes_of[attributes])
        )
    for annotation_id, sentence_id, username, status in rows:
        work.setdefault(sentence_id, {})[username] = AnnotatorWork(
            status, tuple(own.get(annotation_id, ()))
        )
    return finished, work


def _by_sentence_and_name(row: tuple) -> tuple[int, str]:
    return row[1], row[2]


def stream_export(session: Session, prepared: PreparedExport, tally: Tally) -> Iterator[str]:
    """Yield the export file's text; ``tally`` holds its counts once the iterator is done."""
    # A million short-lived rows trigger many garbage collections, and each full one would
    # rescan every long-lived object of the app (modules, mappers, compiled statements).
    # Freezing those for the length of the export saves about a fifth of its time.
    gc.freeze()
    try:
        yield from formats.write(prepared.header, iter_documents(session, prepared), tally)
    finally:
        gc.unfreeze()


def build_card(session: Session, prepared: PreparedExport) -> str:
    """The dataset card alone: one counting pass over the same documents an export writes."""
    tally = formats.tally_documents(
        iter_documents(session, prepared), formats.make_tally(prepared.header)
    )
    return formats.render_card(prepared.header, tally.counts())


def summary_line(prepared: PreparedExport, counts: dict[str, Any]) -> str:
    """One line for the command line: what was written."""
    line = (
        f"exported {counts['documents']} documents, {counts['sentences']} sentences, "
        f"{counts['spans']} gold spans as {prepared.options.format}"
    )
    if counts.get("splits"):
        line += " (" + ", ".join(
            f"{name} {b['documents']} documents / {b['sentences']} sentences"
            for name, b in counts["splits"].items()
        ) + ")"
    problems = counts["spans_off_token_boundaries"] + counts["spans_without_tokens"]
    if problems:
        line += f"; warning: {problems} spans off token boundaries (see the card)"
    return line


def export_filename(project: Project, options: ExportOptions, *, card: bool = False) -> str:
    """A download name such as ``sahel-gold-train.jsonl`` or ``sahel-card.md``."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.name.lower()).strip("-")[:60]
    slug = slug or f"project-{project.id}"
    part = f"-{options.part}" if options.part else ""
    if card:
        return f"{slug}-card{part}.md"
    extension = {"gold-json": "json", "jsonl": "jsonl", "conll": "conll"}[options.format]
    return f"{slug}-gold{part}.{extension}"


# ---------------------------------------------------------------------------- agreement

# Bootstrap replicates behind the 95% intervals: the agreement dashboard's number
# (reports.views.DEFAULT_BOOTSTRAP, setting AGREEMENT_BOOTSTRAP), so the card and the
# dashboard show the same figures, and one cached report serves both.
AGREEMENT_BOOTSTRAP = 200


def agreement_summary(session: Session, project: Project) -> dict[str, Any] | None:
    """The one place where the export reads the agreement library (annotator.agreement).

    The figures are those of the project's agreement report as the agreement dashboard computes
    it (finished annotations of included sentences, seeded bootstrap; ``reports.queries``):
    Krippendorff's alpha and exact span F1, overall and per label, with their 95% intervals,
    and the report's warnings (``summarize_report``). When this process holds the dashboard's
    report for the current data, it is summarized as it is; otherwise the summary is computed
    from the annotations read a chunk of documents at a time (``summarize_chunks``), which
    gives the same JSON without holding the project in memory. Returns the ``agreement``
    object of gold-json (docs/export.md), or None when no sentence was finished by two
    annotators.
    """
    from flask import current_app, has_app_context

    from annotator.reports.input import COUNTED_SENTENCE, COUNTED_STATUS, agreement_column_chunks
    from annotator.reports.queries import SEED, Scope, cached_report

    finished_twice = (
        select(Annotation.sentence_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project.id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
        .group_by(Annotation.sentence_id)
        .having(func.count() >= 2)
        .limit(1)
    )
    if session.execute(finished_twice).first() is None:
        return None
    bootstrap = AGREEMENT_BOOTSTRAP
    if has_app_context():
        bootstrap = int(current_app.config.get("AGREEMENT_BOOTSTRAP", AGREEMENT_BOOTSTRAP))
    report = cached_report(session, Scope(project), bootstrap=bootstrap)
    if report is not None:
        return summarize_report(report)
    return summarize_chunks(agreement_column_chunks(session, project.id),
                            schema=project.schema, bootstrap=bootstrap, seed=SEED)
