"""Spans still lacking an attribute the editor asks for (EVENT spans without an event type):
counts per batch and annotator, and the list of the sentences concerned."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation, SpanRow
from annotator.annotation.queries import get_schema
from annotator.assignments.models import Assignment, Batch
from annotator.assignments.queue import project_has_batches
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.schema import LabelSchema

# The attribute the span editor asks for as soon as a label that declares it is applied.
PROMPTED_ATTRIBUTE = "event_type"


@dataclass(frozen=True)
class ExpectedAttribute:
    label: str            # label key, e.g. "EVENT"
    attribute: str        # attribute key, e.g. "event_type"
    attribute_name: str   # display name, e.g. "Event type"


def expected_attributes(schema: LabelSchema) -> tuple[ExpectedAttribute, ...]:
    """The (label, attribute) pairs a finished span should carry a value for.

    Saving never requires an attribute (annotators often mark the trigger first), so what a
    dashboard should chase is what the editor prompts for, ``event_type`` wherever a label
    declares it, plus every attribute the schema marks ``required`` (docs/label-schema.md:
    "whether dashboards count spans that lack it"). The default schema gives EVENT/event_type.
    """
    return tuple(
        ExpectedAttribute(label.key, attr.key, attr.name)
        for label in schema.labels
        for attr in label.attributes
        if attr.key == PROMPTED_ATTRIBUTE or attr.required
    )


def describe_untyped(expected: tuple[ExpectedAttribute, ...]) -> str:
    """Words for the spans being counted: "EVENT spans without an event type"."""
    parts = []
    for e in expected:
        name = e.attribute_name.lower()
        article = "an" if name[:1] in "aeiou" else "a"
        parts.append(f"{e.label} spans without {article} {name}")
    return " or ".join(parts)


def untyped_clause(expected: tuple[ExpectedAttribute, ...]) -> ColumnElement[bool]:
    """SQL true for a span lacking one of ``expected``: key absent, JSON null or empty string.

    ``attributes[key].as_string()`` compiles to ``JSON_EXTRACT(attributes, '$."key"')`` on
    SQLite and ``attributes ->> 'key'`` on PostgreSQL; both give NULL for an absent key and
    for JSON null, hence the COALESCE. The label test comes first so that only spans of those
    labels have their JSON parsed.
    """
    if not expected:
        return false()
    return or_(*(
        and_(
            SpanRow.label == e.label,
            func.coalesce(SpanRow.attributes[e.attribute].as_string(), "") == "",
        )
        for e in expected
    ))


def project_expected_attributes(
    session: Session, project_id: int
) -> tuple[ExpectedAttribute, ...]:
    return expected_attributes(get_schema(session, project_id))


def untyped_counts(
    session: Session, project_id: int, *, user_id: int | None = None,
    batch_id: int | None = None, include_archived: bool = False,
) -> dict[tuple[int, int], int]:
    """(batch id, annotator id) -> that annotator's spans lacking an expected attribute on the
    batch's sentences, in one grouped query.

    Every status counts (in-progress work is where they pile up); excluded sentences do not
    (they count nowhere until included again). Pairs with no such span are absent.
    """
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return {}
    query = (
        select(Assignment.batch_id, Assignment.annotator_id, func.count(SpanRow.id))
        .select_from(SpanRow)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(
            Assignment,
            (Assignment.sentence_id == Annotation.sentence_id)
            & (Assignment.annotator_id == Annotation.annotator_id),
        )
        .join(Batch, Batch.id == Assignment.batch_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Batch.project_id == project_id, Sentence.excluded.is_(False),
               untyped_clause(expected))
        .group_by(Assignment.batch_id, Assignment.annotator_id)
    )
    if not include_archived:
        query = query.where(Batch.archived_at.is_(None))
    if user_id is not None:
        query = query.where(Assignment.annotator_id == user_id)
    if batch_id is not None:
        query = query.where(Assignment.batch_id == batch_id)
    return {(bid, uid): n for bid, uid, n in session.execute(query)}


def _untyped_in_project(project_id: int, expected: tuple[ExpectedAttribute, ...]) -> tuple:
    """WHERE clauses of spans (joined to annotation and sentence) lacking an expected attribute
    in the project's annotatable sentences."""
    return (Sentence.project_id == project_id, Sentence.excluded.is_(False),
            untyped_clause(expected))


def count_untyped(session: Session, project_id: int, *, user_id: int | None = None) -> int:
    """Project-wide: every annotator's (or one user's) spans lacking an expected attribute,
    whatever batch (live, archived, or none: work from before batches existed) holds the
    sentence, each span once; excluded sentences not counted."""
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return 0
    query = (
        select(func.count(SpanRow.id))
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*_untyped_in_project(project_id, expected))
    )
    if user_id is not None:
        query = query.where(Annotation.annotator_id == user_id)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class UntypedRow:
    sentence_id: int
    annotator: str
    status: str
    untyped: int  # spans of this annotation lacking an expected attribute
    text: str
    document_title: str


def list_untyped(
    session: Session, project_id: int, *, batch_id: int | None = None,
    annotator_id: int | None = None, openable_only: bool = False,
    limit: int = 100, offset: int = 0,
) -> tuple[list[UntypedRow], int]:
    """The annotations holding spans that lack an expected attribute, in reading order, and
    how many there are in all.

    Args:
        batch_id: only the sentences this batch gives to the annotation's annotator.
        annotator_id: only this annotator's annotations.
        openable_only: only sentences the annotator may open now (blind annotation: those a
            live batch assigns them), for an annotator's own list; a project without live
            batches lets them open every sentence.
    """
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return [], 0
    base = (
        select(Annotation.id)
        .join(SpanRow, SpanRow.annotation_id == Annotation.id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*_untyped_in_project(project_id, expected))
    )
    if annotator_id is not None:
        base = base.where(Annotation.annotator_id == annotator_id)
    if batch_id is not None:
        base = base.where(exists(select(Assignment.id).where(
            Assignment.batch_id == batch_id,
            Assignment.sentence_id == Annotation.sentence_id,
            Assignment.annotator_id == Annotation.annotator_id,
        )))
    if openable_only and project_has_batches(session, project_id):
        base = base.where(exists(
            select(Assignment.id)
            .join(Batch, Batch.id == Assignment.batch_id)
            .where(
                Assignment.sentence_id == Annotation.sentence_id,
                Assignment.annotator_id == Annotation.annotator_id,
                Batch.archived_at.is_(None),
            )
        ))
    total = session.scalar(
        select(func.count()).select_from(base.group_by(Annotation.id).subquery())
    ) or 0
    grouped = base.add_columns(func.count(SpanRow.id).label("n")).group_by(Annotation.id).subquery()
    rows = session.execute(
        select(
            Annotation.sentence_id,
            User.username,
            Annotation.status,
            grouped.c.n,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Document.title,
        )
        .join(grouped, grouped.c.id == Annotation.id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .join(User, User.id == Annotation.annotator_id)
        .order_by(Sentence.document_id, Sentence.index, User.username)
        .limit(limit)
        .offset(offset)
    ).all()
    return [UntypedRow(*r) for r in rows], total
