"""Reads for the agreement dashboard: the cached report of a project or batch, its drill-down."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator import caching
from annotator.agreement import AgreementReport, ItemColumns, agreement_report, list_disagreements
from annotator.agreement.argument_disagreements import list_argument_disagreements
from annotator.agreement.arguments import ARGUMENT_DISAGREEMENT_KINDS
from annotator.agreement.data import Corpus
from annotator.agreement.frames import schema_roles
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.assignments.models import Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project
from annotator.reports.drilldown import (
    Hit,
    corpus_of,
    matching_argument_sentences,
    matching_sentences,
)
from annotator.reports.figures import group_by_sentence, group_links_by_sentence
from annotator.reports.input import (
    COUNTED_SENTENCE,
    COUNTED_STATUS,
    agreement_columns,
    agreement_fingerprint,
    attached,
)

SEED = 0  # fixed: the same data always gives the same intervals


@dataclass(frozen=True)
class Scope:
    """What a report covers: a whole project, or one of its batches."""

    project: Project
    batch: Batch | None = None
    # Only annotations made with ("with") or without ("without") suggestions; None: all.
    suggestions: str | None = None

    @property
    def batch_id(self) -> int | None:
        """The batch's id, or None for the whole project."""
        return self.batch.id if self.batch is not None else None


@dataclass(frozen=True)
class Filters:
    """Which disagreements a drill-down lists (all given ones must hold)."""

    pair: tuple[str, str] | None = None
    label: str | None = None
    kind: str | None = None
    cell: tuple[str, str] | None = None
    role: str | None = None

    @property
    def arguments(self) -> bool:
        """Whether these filters ask for argument (event-frame) disagreements."""
        return self.role is not None or self.kind in ARGUMENT_DISAGREEMENT_KINDS

    def as_kwargs(self) -> dict[str, Any]:
        """Return the filters as ``list_disagreements``' (or, for arguments,
        ``list_argument_disagreements``') keyword arguments."""
        if self.arguments:
            return {"pair": self.pair, "role": self.role, "kind": self.kind}
        return {"pair": self.pair, "label": self.label, "kind": self.kind, "cell": self.cell}


def _columns(session: Session, scope: Scope) -> ItemColumns:
    """The scope's finished annotations in columns: the same report as from items
    (``agreement_items``), about twice as fast to read and to measure."""
    columns = agreement_columns(session, scope.project.id, batch_id=scope.batch_id,
                                suggestions=scope.suggestions)
    if scope.batch is not None:
        # One batch: no per-batch breakdown inside it (a sentence's group is its newest batch,
        # which for a re-batched sentence is not necessarily this one).
        columns = dataclasses.replace(columns, groups=[None] * len(columns.ids))
    return columns


def _key(session: Session, scope: Scope, *extra: Any) -> tuple[Any, ...]:
    return (str(session.get_bind().url), scope.project.id, scope.batch_id, scope.suggestions,
            *extra)


def cached_report(session: Session, scope: Scope, *, bootstrap: int) -> AgreementReport | None:
    """The report ``get_report`` would return, if this process holds it for the current data
    (no computation)."""
    return caching.peek("report", _key(session, scope, bootstrap),
                        agreement_fingerprint(session, scope.project))


def get_report(session: Session, scope: Scope, *, bootstrap: int,
               step: Callable[[float, str], None] | None = None) -> AgreementReport:
    """The agreement report of ``scope`` (finished annotations only), with 95% intervals;
    ``step(fraction, words)`` hears how far a computation is (a background job's progress)."""
    project = scope.project

    def compute() -> AgreementReport:
        if step is not None:
            step(0.05, "Reading the finished annotations")
        columns = _columns(session, scope)
        if step is not None:
            step(0.4, f"Measuring the agreement of {len(columns.ids):,} sentences")
        return agreement_report(columns, schema=project.schema, bootstrap=bootstrap, seed=SEED)

    return caching.get_or_compute("report", _key(session, scope, bootstrap),
                                  agreement_fingerprint(session, project), compute)


def report_fingerprint(session: Session, scope: Scope) -> str:
    """A short digest of the data the scope's report reads (``agreement_fingerprint``): a
    background job records the one it computed for."""
    digest = hashlib.sha256(repr(agreement_fingerprint(session, scope.project)).encode())
    return digest.hexdigest()[:32]


def finished_annotations(session: Session, scope: Scope) -> int:
    """How many finished annotations the scope's report reads (its size, cheaply)."""
    query = (select(func.count(Annotation.id))
             .join(Sentence, Sentence.id == Annotation.sentence_id)
             .where(Sentence.project_id == scope.project.id,
                    Annotation.status == COUNTED_STATUS))
    if scope.batch is not None:
        query = query.where(Annotation.sentence_id.in_(
            select(BatchSentence.sentence_id).where(BatchSentence.batch_id == scope.batch.id)))
    return session.scalar(query) or 0


def _corpus(session: Session, scope: Scope) -> Corpus:
    """The scope's annotations in the library's array form, kept while the data stays the
    same (~100 MB for 100,000 sentences: the cache keeps few)."""
    schema = scope.project.schema
    return caching.get_or_compute(
        "corpus", _key(session, scope), agreement_fingerprint(session, scope.project),
        lambda: corpus_of(_columns(session, scope), list(schema.keys), schema_roles(schema)))


def list_disagreement_hits(session: Session, scope: Scope, filters: Filters) -> list[Hit]:
    """Every sentence holding disagreements that match ``filters``, with their number."""
    def compute() -> list[Hit]:
        if filters.arguments:
            return matching_argument_sentences(_corpus(session, scope), **filters.as_kwargs())
        return matching_sentences(_corpus(session, scope), **filters.as_kwargs())

    return caching.get_or_compute(
        "drilldown", _key(session, scope, filters), agreement_fingerprint(session, scope.project),
        compute)


def describe_hits(session: Session, scope: Scope, filters: Filters,
                  hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """The listed sentences in full: each involved annotator's spans over the text, and the
    disagreements themselves (see ``figures.group_by_sentence``), in the order of ``hits``."""
    items = items_for_sentences(session, [h.sentence_id for h in hits])
    groups = {h.sentence_id: h.group for h in hits}
    for item in items:
        item["group"] = groups.get(item["id"])
    order = {h.sentence_id: i for i, h in enumerate(hits)}
    if filters.arguments:
        entries = list_argument_disagreements(items, schema=scope.project.schema,
                                              **filters.as_kwargs())
        entries.sort(key=lambda e: order[e["sentence_id"]])
        return group_links_by_sentence(entries, {item["id"]: item for item in items})
    entries = list_disagreements(items, schema=scope.project.schema, **filters.as_kwargs())
    entries.sort(key=lambda e: order[e["sentence_id"]])
    return group_by_sentence(entries, {item["id"]: item["annotations"] for item in items})


def items_for_sentences(session: Session, sentence_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Agreement items (as ``agreement_items`` yields them) for a few sentences, in that order.

    Only finished annotations count, as in the report; for a page of a drill-down.
    """
    ids = list(sentence_ids)
    if not ids:
        return []
    texts = {
        sid: text[start:end]
        for sid, start, end, text in session.execute(
            select(Sentence.id, Sentence.start, Sentence.end, Document.text)
            .join(Document, Document.id == Sentence.document_id)
            .where(Sentence.id.in_(ids)))
    }
    owners: dict[int, tuple[int, str]] = {}
    annotations: dict[int, dict[str, list[dict[str, Any]]]] = {sid: {} for sid in ids}
    for ann_id, sid, username in session.execute(
            select(Annotation.id, Annotation.sentence_id, User.username)
            .join(User, User.id == Annotation.annotator_id)
            .join(Sentence, Sentence.id == Annotation.sentence_id)
            .where(Annotation.sentence_id.in_(ids), Annotation.status == COUNTED_STATUS,
                   COUNTED_SENTENCE)):
        owners[ann_id] = (sid, username)
        annotations[sid][username] = []
    if owners:
        for ann_id, start, end, label, attributes in session.execute(
                select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label,
                       SpanRow.attributes)
                .where(SpanRow.annotation_id.in_(list(owners)))
                .order_by(SpanRow.annotation_id, SpanRow.start, SpanRow.end)):
            sid, username = owners[ann_id]
            annotations[sid][username].append(
                {"start": start, "end": end, "label": label, "attributes": attributes or {}})
    relations: dict[int, dict[str, list[dict[str, Any]]]] = {sid: {} for sid in ids}
    if owners:
        for ann_id, hs, he, role, cs, ce in session.execute(
                select(RelationRow.annotation_id, RelationRow.head_start, RelationRow.head_end,
                       RelationRow.role, RelationRow.child_start, RelationRow.child_end)
                .where(RelationRow.annotation_id.in_(list(owners)))
                .order_by(RelationRow.annotation_id, RelationRow.head_start, RelationRow.role,
                          RelationRow.child_start)):
            sid, username = owners[ann_id]
            relations[sid].setdefault(username, []).append(
                {"head": {"start": hs, "end": he}, "child": {"start": cs, "end": ce},
                 "role": role})
    return [{"id": sid, "text": texts[sid],
             "annotations": dict(sorted(annotations[sid].items())),
             "relations": {name: attached(links, annotations[sid][name])
                           for name, links in sorted(relations[sid].items())}}
            for sid in ids if sid in texts]


def list_batches(session: Session, project_id: int) -> Sequence[Batch]:
    """The project's batches, oldest first (archived ones included)."""
    return session.scalars(
        select(Batch).where(Batch.project_id == project_id).order_by(Batch.id)).all()


def batch_names(batches: Sequence[Batch]) -> Mapping[int, str]:
    """Return each batch's name by id."""
    return {b.id: b.name for b in batches}


AGREEMENT_SOURCE = ("how often two annotators marked exactly the same words with the label "
                    "(exact span F1, averaged over pairs of annotators, from the agreement "
                    "report)")


def label_agreement_for(session: Session, project_id: int) -> tuple[dict[str, float], str]:
    """Per-label agreement used to order the queue, and where the figures come from.

    The agreement library's per-label ``span_f1`` (exact match, averaged over annotator
    pairs) on the project's finished annotations; labels it leaves undefined are absent.
    Computed again only when what the report reads has changed (per process).
    """
    project = session.get(Project, project_id)
    if project is None:
        return {}, AGREEMENT_SOURCE

    def compute() -> tuple[dict[str, float], str]:
        # Columns rather than a dict per span: the same report, about twice as fast. Without
        # groups the report skips its per-batch sections, which the queue does not use.
        columns = agreement_columns(session, project_id)
        columns = replace(columns, groups=[None] * len(columns.ids))
        figures: dict[str, float] = {}
        if columns.ids:
            figures = {
                label: float(block.span_f1.value)
                for label, block in sorted(agreement_report(columns).per_label.items())
                if block.span_f1.value is not None
            }
        return figures, AGREEMENT_SOURCE

    return caching.get_or_compute("label-agreement", (str(session.get_bind().url), project_id),
                                  agreement_fingerprint(session, project), compute)
