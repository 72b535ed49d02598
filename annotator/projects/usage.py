"""How many spans (annotations and gold) each label and attribute value of a project holds, and
how many relations link each pair of labels in each role."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.corpus.models import Sentence
from annotator.projects.schema import LabelSchema
from annotator.projects.schema_changes import LinkKey, ValueKey


@dataclass(frozen=True)
class Usage:
    """Spans per label and per attribute value, annotations and gold together."""

    labels: dict[str, int] = field(default_factory=dict)
    values: dict[ValueKey, int] = field(default_factory=dict)


def span_usage(session: Session, project_id: int, schema: LabelSchema | None = None) -> Usage:
    """Count the project's spans per label and (for labels with attributes) per value."""
    annotation_spans = (
        select(SpanRow.label, SpanRow.attributes)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id)
    )
    gold_spans = (
        select(GoldSpanRow.label, GoldSpanRow.attributes)
        .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id)
    )
    labels: Counter[str] = Counter()
    for statement, column in ((annotation_spans, SpanRow.label), (gold_spans, GoldSpanRow.label)):
        counted = statement.with_only_columns(column, func.count()).group_by(column)
        for label, n in session.execute(counted):
            labels[label] += n
    # Values: JSON cannot be grouped on every database, so the spans of labels with attributes
    # are read and counted here (labels without attributes need no row read).
    with_attributes = (
        {label.key for label in schema.labels if label.attributes} if schema is not None
        else set(labels))
    values: Counter[ValueKey] = Counter()
    for statement, column in ((annotation_spans, SpanRow.label), (gold_spans, GoldSpanRow.label)):
        if not with_attributes:
            break
        rows = session.execute(
            statement.where(column.in_(sorted(with_attributes))).execution_options(yield_per=2000))
        for label, attributes in rows:
            for key, value in (attributes or {}).items():
                if isinstance(value, str):
                    values[(label, key, value)] += 1
    return Usage(labels=dict(labels), values=dict(values))


@dataclass(frozen=True)
class RelationUsage:
    """Relations per (head label, role, child label), and events per (head label, role,
    arguments of that role), annotations and gold together; empty when not counted."""

    links: dict[LinkKey, int] = field(default_factory=dict)
    frames: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def per_role(self) -> dict[tuple[str, str], int]:
        """Relations per (head label, role)."""
        counts: Counter[tuple[str, str]] = Counter()
        for (head, role, _), n in self.links.items():
            counts[head, role] += n
        return dict(counts)


def _linked(project_id: int, *, children: bool) -> list[Select]:
    """Each stored relation of the project (annotations', then gold's) with its body, its head's
    offsets, its role, its head's label and (``children``) its child's label."""
    statements = []
    for relation, span, body in ((RelationRow, SpanRow, "annotation_id"),
                                 (GoldRelationRow, GoldSpanRow, "gold_id")):
        owner = Annotation if relation is RelationRow else GoldSentence
        head = aliased(span)
        columns = [getattr(relation, body).label("body"), relation.head_start, relation.head_end,
                   relation.role, head.label.label("head")]
        statement = (
            select(*columns)
            .join(owner, owner.id == getattr(relation, body))
            .join(Sentence, Sentence.id == owner.sentence_id)
            .join(head, and_(getattr(head, body) == getattr(relation, body),
                             head.start == relation.head_start, head.end == relation.head_end))
            .where(Sentence.project_id == project_id)
        )
        if children:
            child = aliased(span)
            statement = statement.add_columns(child.label.label("child")).join(
                child, and_(getattr(child, body) == getattr(relation, body),
                            child.start == relation.child_start,
                            child.end == relation.child_end))
        statements.append(statement)
    return statements


def link_usage(session: Session, project_id: int) -> dict[LinkKey, int]:
    """Count the project's relations by (head label, role, child label).

    A relation whose head or child span is missing (none is stored so: a save drops them) is
    not counted: no edit of the schema can make it less valid.
    """
    links: Counter[LinkKey] = Counter()
    for statement in _linked(project_id, children=True):
        linked = statement.subquery()
        by_link = select(linked.c.head, linked.c.role, linked.c.child, func.count()).group_by(
            linked.c.head, linked.c.role, linked.c.child)
        for head, role, child, n in session.execute(by_link):
            links[head, role, child] += n
    return dict(links)


def role_usage(session: Session, project_id: int) -> dict[tuple[str, str], int]:
    """Count the project's relations by (head label, role)."""
    counts: Counter[tuple[str, str]] = Counter()
    for statement in _linked(project_id, children=False):
        linked = statement.subquery()
        by_role = select(linked.c.head, linked.c.role, func.count()).group_by(
            linked.c.head, linked.c.role)
        for head, role, n in session.execute(by_role):
            counts[head, role] += n
    return dict(counts)


def frame_sizes(session: Session, project_id: int, roles: Collection[str]
                ) -> dict[tuple[str, str, int], int]:
    """Count the project's events by (head label, role, arguments of that role), for ``roles``
    only (those whose ``max`` an edit tightens: reading every frame costs a scan)."""
    frames: Counter[tuple[str, str, int]] = Counter()
    if not roles:
        return {}
    for statement in _linked(project_id, children=False):
        linked = statement.where(statement.selected_columns.role.in_(sorted(roles))).subquery()
        per_event = select(linked.c.head, linked.c.role, func.count().label("size")).group_by(
            linked.c.body, linked.c.head_start, linked.c.head_end, linked.c.head, linked.c.role
        ).subquery()
        by_size = select(per_event.c.head, per_event.c.role, per_event.c.size, func.count()
                         ).group_by(per_event.c.head, per_event.c.role, per_event.c.size)
        for head, role, size, n in session.execute(by_size):
            frames[head, role, size] += n
    return dict(frames)
