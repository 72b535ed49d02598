"""A background job's row: what it does, for whom, how far it got, and how it ended."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from annotator.db import Base, UTCDateTime, utcnow


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
FINAL_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
# What a list of jobs may be filtered by: a state, or "active" (queued or running).
STATE_FILTERS = frozenset({*(state.value for state in JobState), "active"})


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_state_heartbeat", "state", "heartbeat_at"),
        Index("ix_job_project_kind", "project_id", "kind", "id"),
        Index("ix_job_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"))
    # Who started it (NULL: the CLI, or an account deleted since).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A stable token the job's work tags what it writes with (an import's staged documents),
    # the same on every attempt, so a retry finds and removes what a killed attempt left.
    key: Mapped[str] = mapped_column(String(32), unique=True,
                                     default=lambda: uuid.uuid4().hex)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class JobFile(Base):
    """A file a job reads (an upload) or writes (an export), in pieces of at most
    ``PIECE_BYTES``: kept in the database, not on one machine's disk, so that any worker can
    read what any app server received and any app server can offer what any worker wrote."""

    __tablename__ = "job_file"
    __table_args__ = (Index("ix_job_file_job", "job_id", "role", "name", "piece"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))  # "input" | "output"
    name: Mapped[str] = mapped_column(String(255))
    piece: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


PIECE_BYTES = 1024 * 1024
