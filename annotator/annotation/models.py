"""Annotations (one per annotator and sentence), their spans and their event-frame links."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotator.db import Base, UTCDateTime, utcnow
from annotator.relations import Relation
from annotator.spans import Span, origin_of


class Status(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"


STATUSES = tuple(s.value for s in Status)


class Annotation(Base):
    __tablename__ = "annotation"
    __table_args__ = (
        # Guards "one annotation per annotator and sentence" under concurrent first saves.
        UniqueConstraint("annotator_id", "sentence_id"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentence.id", ondelete="CASCADE"), index=True
    )
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=Status.IN_PROGRESS.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    time_spent: Mapped[float] = mapped_column(Float, default=0.0)  # seconds on the page, capped
    # A flag asks an admin to look (e.g. "not a conflict sentence", "unsure about unit").
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    flag_comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    spans: Mapped[list[SpanRow]] = relationship(
        back_populates="annotation",
        order_by="SpanRow.start",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    relations: Mapped[list[RelationRow]] = relationship(
        back_populates="annotation",
        order_by="(RelationRow.head_start, RelationRow.role, RelationRow.child_start)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SpanRow(Base):
    __tablename__ = "span"
    __table_args__ = (CheckConstraint('start >= 0 AND start < "end"', name="offsets"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotation.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)  # relative to the sentence, code points
    end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The suggestion the annotator accepted to make this span ({"source", "name"}), or NULL.
    origin: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))

    annotation: Mapped[Annotation] = relationship(back_populates="spans")

    def to_value(self) -> Span:
        return Span(self.start, self.end, self.label, tuple(sorted(self.attributes.items())),
                    origin_of(self.origin))


class RelationRow(Base):
    """An event-frame link between two spans of the same annotation, named by their offsets."""

    __tablename__ = "relation"
    __table_args__ = (
        CheckConstraint("head_start >= 0 AND head_start < head_end", name="head_offsets"),
        CheckConstraint("child_start >= 0 AND child_start < child_end", name="child_offsets"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotation.id", ondelete="CASCADE"), index=True
    )
    head_start: Mapped[int] = mapped_column(Integer)  # the event span (relative to sentence)
    head_end: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))  # a role key of the head's label
    child_start: Mapped[int] = mapped_column(Integer)  # the argument span
    child_end: Mapped[int] = mapped_column(Integer)

    annotation: Mapped[Annotation] = relationship(back_populates="relations")

    def to_value(self) -> Relation:
        return Relation(self.head_start, self.head_end, self.role, self.child_start,
                        self.child_end)
