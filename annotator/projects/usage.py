"""How many spans (annotations and gold) each label and attribute value of a project holds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, SpanRow
from annotator.corpus.models import Sentence
from annotator.projects.schema import LabelSchema
from annotator.projects.schema_changes import ValueKey


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
