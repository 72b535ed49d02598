"""Create projects and change their label schema."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.errors import Invalid, NotFound
from annotator.inputs import text_problem
from annotator.projects.models import Project
from annotator.projects.schema import SchemaError, default_schema_document, parse_schema


def create_project(session: Session, name: str, schema: dict[str, Any] | None = None) -> Project:
    """Add a project with ``schema`` (the default conflict-events schema when None)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("project name must be 1-200 characters")
    if (problem := text_problem(name)) is not None:
        raise Invalid(f"project name {problem}")
    document = schema if schema is not None else default_schema_document()
    try:
        parse_schema(document)
    except SchemaError as err:
        raise Invalid(f"invalid label schema: {err}") from None
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise Invalid(f"project {name!r} already exists")
    project = Project(name=name, label_schema=document)
    session.add(project)
    session.flush()
    return project


def get_project_by_name(session: Session, name: str) -> Project:
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFound(f"no project named {name!r}")
    return project
