"""Plain functions that create test data through the real services."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from annotator.auth.models import User
from annotator.auth.services import create_user
from annotator.corpus.importing import ImportResult, import_articles
from annotator.projects.models import Project
from annotator.projects.services import create_project

DEFAULT_PASSWORD = "correct-horse-battery"

ARTICLE_TEXT = (
    "Government forces shelled the village of Kafr Tala on Monday, a local official said. "
    "The 25th Mechanised Brigade advanced 3.5 km along the M5 highway.\n\n"
    "Gen. Samir Haddad told reporters in Jan. 2024 that the U.S. had not been informed. "
    "Two drones struck a depot near al-Numan."
)


def make_user(session: Session, username: str, role: str = "annotator", **kw: Any) -> User:
    return create_user(session, username, kw.get("password", DEFAULT_PASSWORD), role)


def make_project(session: Session, name: str = "Test project") -> Project:
    return create_project(session, name)


def make_document(
    session: Session, project: Project, title: str = "Fighting near Kafr Tala",
    text: str = ARTICLE_TEXT,
) -> ImportResult:
    import json

    line = json.dumps({"title": title, "text": text, "url": "https://example.test/a"})
    return import_articles(session, project.id, [("test.jsonl", line.encode())])


def prepare_project(session: Session) -> dict[str, Any]:
    """An admin, two annotators and a project with one imported article, committed."""
    admin = make_user(session, "admin1", "admin")
    ann_a = make_user(session, "ann_a")
    ann_b = make_user(session, "ann_b")
    project = make_project(session)
    make_document(session, project)
    session.commit()
    return {"admin": admin, "a": ann_a, "b": ann_b, "project": project}
