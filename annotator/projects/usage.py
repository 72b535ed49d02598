"""How many spans (annotations and gold) each label and attribute value of a project holds, and
how many relations link each pair of labels in each role."""

from __future__ import annotations

from collections import Counter
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
    arguments of that role), annotations and gold together."""

    links: dict[LinkKey, int] = field(default_factory=dict)
    frames: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def per_role(self) -> dict[tuple[str, str], int]:
        """Relations per (head label, role)."""
        counts: Counter[tuple[str, str]] = Counter()
        for (head, role, _), n in self.links.items():
            counts[head, role] += n
        return dict(counts)


def _annotation_links() -> Select:
    head, child = aliased(SpanRow), aliased(SpanRow)
    return (
        select(RelationRow.annotation_id.label("body"), RelationRow.head_start,
               RelationRow.head_end, RelationRow.role, head.label.label("head"),
               child.label.label("child"))
        .join(Annotation, Annotation.id == RelationRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(head, and_(head.annotation_id == RelationRow.annotation_id,
                         head.start == RelationRow.head_start, head.end == RelationRow.head_end))
        .join(child, and_(child.annotation_id == RelationRow.annotation_id,
                          child.start == RelationRow.child_start,
                          child.end == RelationRow.child_end))
    )


def _gold_links() -> Select:
    head, child = aliased(GoldSpanRow), aliased(GoldSpanRow)
    return (
        select(GoldRelationRow.gold_id.label("body"), GoldRelationRow.head_start,
               GoldRelationRow.head_end, GoldRelationRow.role, head.label.label("head"),
               child.label.label("child"))
        .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .join(head, and_(head.gold_id == GoldRelationRow.gold_id,
                         head.start == GoldRelationRow.head_start,
                         head.end == GoldRelationRow.head_end))
        .join(child, and_(child.gold_id == GoldRelationRow.gold_id,
                          child.start == GoldRelationRow.child_start,
                          child.end == GoldRelationRow.child_end))
    )


def relation_usage(session: Session, project_id: int) -> RelationUsage:
    """Count the project's relations by the labels they link and its events by frame size.

    A relation whose head or child span is missing (none is stored so: a save drops them) is
    not counted: no edit of the schema can make it less valid.
    """
    links: Counter[LinkKey] = Counter()
    frames: Counter[tuple[str, str, int]] = Counter()
    for statement in (_annotation_links(), _gold_links()):
        linked = statement.where(Sentence.project_id == project_id).subquery()
        by_link = select(linked.c.head, linked.c.role, linked.c.child, func.count()).group_by(
            linked.c.head, linked.c.role, linked.c.child)
        for head, role, child, n in session.execute(by_link):
            links[head, role, child] += n
        per_event = select(linked.c.head, linked.c.role, func.count().label("size")).group_by(
            linked.c.body, linked.c.head_start, linked.c.head_end, linked.c.head, linked.c.role
        ).subquery()
        by_size = select(per_event.c.head, per_event.c.role, per_event.c.size, func.count()
                         ).group_by(per_event.c.head, per_event.c.role, per_event.c.size)
        for head, role, size, n in session.execute(by_size):
            frames[head, role, size] += n
    return RelationUsage(links=dict(links), frames=dict(frames))
