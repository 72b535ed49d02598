"""Suggestion sources a project keeps (gazetteer lists, token patterns, settings) and the record
of what the editor showed, and what the annotator accepted or rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotator.db import Base, UTCDateTime, utcnow

SOURCES = ("gazetteer", "pattern", "model")
ACTIONS = ("shown", "accepted", "rejected")
MAX_NAME = 200  # list, pattern and model-version names
MAX_TERM = 500  # characters of one gazetteer entry


class SuggestionSetting(Base):
    """A project's suggestion settings (a project without a row has the defaults)."""

    __tablename__ = "suggestion_setting"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    # Gazetteer matching ignores letter case ("Hama" also finds "HAMA" and "hama").
    ignore_case: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GazetteerList(Base):
    """A list of names an admin uploaded (CSV ``text,label[,event_type]``)."""

    __tablename__ = "gazetteer_list"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[GazetteerEntry]] = relationship(
        back_populates="gazetteer", cascade="all, delete-orphan", passive_deletes=True
    )


class GazetteerEntry(Base):
    """One name of a list, with the label (and event type) a match of it suggests."""

    __tablename__ = "gazetteer_entry"
    __table_args__ = (Index("ix_gazetteer_entry_list", "list_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("gazetteer_list.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_TERM))
    label: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str | None] = mapped_column(String(64))

    gazetteer: Mapped[GazetteerList] = relationship(back_populates="entries")


class SuggestionPattern(Base):
    """A token pattern in spaCy's Matcher format, named, suggesting one label."""

    __tablename__ = "suggestion_pattern"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    label: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str | None] = mapped_column(String(64))
    pattern: Mapped[list[Any]] = mapped_column(JSON)  # a list of token dicts, spaCy's format
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionEvent(Base):
    """A suggestion the editor showed to an annotator, or one they accepted or rejected.

    One row per user, sentence, suggestion and action: a page shown twice counts once.
    Whether an accepted suggestion was later changed is read from the annotation itself.
    """

    __tablename__ = "suggestion_event"
    __table_args__ = (
        UniqueConstraint("user_id", "sentence_id", "action", "source", "name", "start", "end",
                         "label", name="uq_suggestion_event_once"),
        CheckConstraint('start >= 0 AND start < "end"', name="offsets"),
        CheckConstraint("action IN ('shown', 'accepted', 'rejected')", name="action"),
        Index("ix_suggestion_event_project", "project_id", "source", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentence.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
