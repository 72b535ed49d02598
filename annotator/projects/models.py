"""Projects, their label schema and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
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
