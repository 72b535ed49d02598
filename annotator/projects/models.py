"""Projects, their label schema, their members and the published versions of their guidelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from annotator.db import Base, UTCDateTime, utcnow
from annotator.projects.schema import LabelSchema, parse_schema

# A member's role in one project, lowest first (see docs/access.md).
PROJECT_ROLES = ("annotator", "curator", "admin")


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    label_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def schema(self) -> LabelSchema:
        return parse_schema(self.label_schema)


class GuidelinesVersion(Base):
    """One published version of a project's guidelines: the Markdown text and the label schema
    (definitions and examples) as they were; the newest row is the current guidelines."""

    __tablename__ = "guidelines_version"
    __table_args__ = (Index("ix_guidelines_version_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(40))  # the schema version it was published as
    body: Mapped[str] = mapped_column(Text)  # Markdown
    label_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectMember(Base):
    """A user's membership of a project, with their role there."""

    __tablename__ = "project_member"
    __table_args__ = (
        CheckConstraint("role IN ('annotator', 'curator', 'admin')", name="role"),
        Index("ix_project_member_user", "user_id"),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
