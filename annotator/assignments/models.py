"""Batches of sentences and their assignment to annotators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from annotator.db import Base, UTCDateTime, utcnow


class Batch(Base):
    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    overlap: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))  # documents | sample | remaining | manual
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A removed batch with annotations is archived: hidden from queues, still exportable.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Suggestions (gazetteer, patterns) shown in the editor for this batch's sentences; off by
    # default, so that batches meant to measure agreement stay free of their bias.
    suggestions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class BatchSentence(Base):
    __tablename__ = "batch_sentence"
    __table_args__ = (
        UniqueConstraint("batch_id", "sentence_id"),
        Index("ix_batch_sentence_sentence", "sentence_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentence.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # reading order within the batch


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("batch_id", "annotator_id", "sentence_id"),
        # The "next sentence" query: one index seek to the first unfinished position.
        Index("ix_assignment_queue", "annotator_id", "batch_id", "finished", "position"),
        Index("ix_assignment_sentence", "sentence_id", "annotator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentence.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # Mirrors the annotation's status (done or skipped), kept in step by the save service,
    # so the queue never has to join the annotation table.
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
