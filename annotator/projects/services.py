"""Create projects, change their label schema and publish their guidelines."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.errors import Invalid, NotFound
from annotator.inputs import text_problem
from annotator.projects.guidelines import (
    GuidelinesError,
    apply_definitions,
    check_body,
    next_version,
)
from annotator.projects.models import GuidelinesVersion, Project
from annotator.projects.schema import SchemaError, default_schema_document, parse_schema
from annotator.projects.schema_changes import load_document

SCHEMA_SOURCES = ("default", "copy", "upload")


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


def create_project_from(
    session: Session, name: str, source: str, copy_from: int | None = None,
    upload: bytes | None = None,
) -> Project:
    """Add a project whose schema is the default, a copy of project ``copy_from``'s, or the
    uploaded JSON file, checked as ``create_project`` checks any schema.

    Raises:
        Invalid: an unknown source, no project to copy, a missing or invalid file, or a bad name.
    """
    if source == "default":
        return create_project(session, name)
    if source == "copy":
        original = session.get(Project, copy_from) if copy_from is not None else None
        if original is None:
            raise Invalid("choose the project whose schema to copy")
        return create_project(session, name, copy.deepcopy(original.label_schema))
    if source == "upload":
        if not upload:
            raise Invalid("choose a schema file (.json) to upload")
        try:
            document = load_document(upload)
        except SchemaError as err:
            raise Invalid(f"invalid label schema: {err}") from None
        return create_project(session, name, document)
    raise Invalid(f"unknown schema source {source!r} (one of {', '.join(SCHEMA_SOURCES)})")


def get_project_by_name(session: Session, name: str) -> Project:
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFound(f"no project named {name!r}")
    return project


def publish_guidelines(
    session: Session, project: Project, publisher_id: int | None, body: str,
    definitions: Mapping[str, str],
) -> GuidelinesVersion:
    """Publish a new version of the guidelines: the Markdown ``body`` and the definitions and
    examples from the editor's fields; bumps the schema's version (exports carry it)."""
    try:
        body = check_body(body)
        document = apply_definitions(project.label_schema, definitions)
    except GuidelinesError as err:
        raise Invalid(str(err)) from None
    document["version"] = next_version(str(document.get("version", "1")))
    project.label_schema = document
    published = GuidelinesVersion(
        project_id=project.id, version=document["version"], body=body,
        label_schema=document, published_by=publisher_id,
    )
    session.add(published)
    session.flush()
    return published
