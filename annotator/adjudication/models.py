"""Gold: one adjudicated record per sentence, its spans with provenance, curator decisions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotator.db import Base, UTCDateTime, utcnow
from annotator.relations import Relation
from annotator.spans import Span


class GoldStatus(enum.StrEnum):
    PARTIAL = "partial"  # some spans accepted, conflicts still open
    COMPLETE = "complete"  # no open conflict: closed automatically or by a curator


class GoldSource(enum.StrEnum):
    UNANIMOUS = "unanimous"  # every annotator of the sentence marked it exactly alike
    MAJORITY = "majority"  # at least min-agree of them did (votes k of voters n)
    CURATOR = "curator"  # picked or edited by a curator


class Reason(enum.StrEnum):
    GUIDELINE_GAP = "guideline_gap"
    ANNOTATOR_ERROR = "annotator_error"
    AMBIGUOUS_TEXT = "ambiguous_text"


REASON_NAMES = {
    Reason.GUIDELINE_GAP.value: "Guideline gap",
    Reason.ANNOTATOR_ERROR.value: "Annotator error",
    Reason.AMBIGUOUS_TEXT.value: "Ambiguous text",
}


class GoldSentence(Base):
    __tablename__ = "gold_sentence"

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(
        ForeignKey("sentence.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20), default=GoldStatus.PARTIAL.value)
    # Optimistic locking for the gold editor, as for annotations: a stale save gets 409.
    version: Mapped[int] = mapped_column(Integer, default=1)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The votes the automatic pass required here; its conflicts are computed with it.
    # NULL (gold made by hand, never through the automatic pass): every annotator must agree.
    min_agree: Mapped[int | None] = mapped_column(Integer)

    spans: Mapped[list[GoldSpanRow]] = relationship(
        back_populates="gold",
        order_by="GoldSpanRow.start",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    relations: Mapped[list[GoldRelationRow]] = relationship(
        back_populates="gold",
        order_by="(GoldRelationRow.head_start, GoldRelationRow.role, GoldRelationRow.child_start)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class GoldSpanRow(Base):
    __tablename__ = "gold_span"
    __table_args__ = (
        CheckConstraint('start >= 0 AND start < "end"', name="offsets"),
        CheckConstraint("votes >= 0 AND votes <= voters", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gold_id: Mapped[int] = mapped_column(
        ForeignKey("gold_sentence.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)  # relative to the sentence, code points
    end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(20))  # GoldSource
    votes: Mapped[int] = mapped_column(Integer, default=0)  # annotators who marked it exactly
    voters: Mapped[int] = mapped_column(Integer, default=0)  # annotators of the sentence
    annotators: Mapped[list[str]] = mapped_column(JSON, default=list)  # user names, sorted
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(40))  # Reason, curator spans only
    note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gold: Mapped[GoldSentence] = relationship(back_populates="spans")

    def to_value(self) -> Span:
        """The span as the pure value type."""
        return Span(self.start, self.end, self.label, tuple(sorted(self.attributes.items())))


class GoldRelationRow(Base):
    """A gold event-frame link between two gold spans of the sentence, with its provenance."""

    __tablename__ = "gold_relation"
    __table_args__ = (
        CheckConstraint("head_start >= 0 AND head_start < head_end", name="head_offsets"),
        CheckConstraint("child_start >= 0 AND child_start < child_end", name="child_offsets"),
        CheckConstraint("votes >= 0 AND votes <= voters", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gold_id: Mapped[int] = mapped_column(
        ForeignKey("gold_sentence.id", ondelete="CASCADE"), index=True
    )
    head_start: Mapped[int] = mapped_column(Integer)  # the gold event span
    head_end: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    child_start: Mapped[int] = mapped_column(Integer)  # the gold argument span
    child_end: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # GoldSource
    votes: Mapped[int] = mapped_column(Integer, default=0)  # annotators who made it identically
    voters: Mapped[int] = mapped_column(Integer, default=0)  # annotators of the sentence
    annotators: Mapped[list[str]] = mapped_column(JSON, default=list)  # user names, sorted
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(40))  # Reason, curator relations only
    note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gold: Mapped[GoldSentence] = relationship(back_populates="relations")

    def to_value(self) -> Relation:
        """The relation as the pure value type."""
        return Relation(self.head_start, self.head_end, self.role, self.child_start,
                        self.child_end)


class GoldDecision(Base):
    """A curator's resolution of one conflict (a region of overlapping, differing spans)."""

    __tablename__ = "gold_decision"
    __table_args__ = (CheckConstraint('start >= 0 AND start < "end"', name="offsets"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gold_id: Mapped[int] = mapped_column(
        ForeignKey("gold_sentence.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)  # the conflict's region in the sentence
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # missed | boundary | label | subtype
    choice: Mapped[str] = mapped_column(String(20))  # version | none | edited
    curator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whose version the curator picked (choice "version"): the annotators who marked it.
    annotators: Mapped[list[str] | None] = mapped_column(JSON)


class AdjudicationSetting(Base):
    """Per-project adjudication settings an admin may change."""

    __tablename__ = "adjudication_setting"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    # Curators see "Annotator 1, 2, ..." unless an admin turns names on for the project.
    show_names: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AnnotatorPseudonym(Base):
    """An annotator's pseudonym in one project: curators see "Annotator <number>".

    Assigned once (the first time a curator's page, the export or a decision needs it; see
    ``adjudication/blinding.py``) and never changed, so the same person is the same
    "Annotator k" on every page and in every export of the project.
    """

    __tablename__ = "annotator_pseudonym"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
