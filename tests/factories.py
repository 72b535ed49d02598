"""Plain functions that create test data through the real services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.auth.api_tokens import create_token
from annotator.auth.models import User
from annotator.auth.services import create_user
from annotator.corpus.importing import ImportResult, import_articles
from annotator.projects.membership import ensure_members
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
    """A user; a curator is made a curator of every project of the scene (see make_project)."""
    user = create_user(session, username, kw.get("password", DEFAULT_PASSWORD), role)
    if role == "curator":
        for project_id in session.scalars(select(Project.id)):
            ensure_members(session, project_id, [user.id], role="curator")
    return user


def make_token(session: Session, user: User, scope: str = "write", **kw: Any) -> str:
    """A personal API token of ``user`` (its secret, for ``Authorization: Bearer``), flushed."""
    return create_token(session, user, scope=scope, **kw).secret


def make_project(session: Session, name: str = "Test project") -> Project:
    """A project; the scene's curators are its curators (annotators join through their work:
    batches, ``add_members``), as scenes written before project membership expect."""
    project = create_project(session, name)
    curators = session.scalars(select(User.id).where(User.role == "curator")).all()
    ensure_members(session, project.id, curators, role="curator")
    return project


def add_members(session: Session, project: Project, *users: User, role: str = "annotator") -> None:
    """Make ``users`` members of ``project`` with ``role`` (those already members keep theirs)."""
    ensure_members(session, project.id, [u.id for u in users], role=role)


def make_document(
    session: Session, project: Project, title: str = "Fighting near Kafr Tala",
    text: str = ARTICLE_TEXT,
) -> ImportResult:
    import json

    line = json.dumps({"title": title, "text": text, "url": "https://example.test/a"})
    return import_articles(session, project.id, [("test.jsonl", line.encode())])


def prepare_project(session: Session) -> dict[str, Any]:
    """An admin, two annotators (members) and a project with one imported article, committed."""
    admin = make_user(session, "admin1", "admin")
    ann_a = make_user(session, "ann_a")
    ann_b = make_user(session, "ann_b")
    project = make_project(session)
    add_members(session, project, ann_a, ann_b)
    make_document(session, project)
    session.commit()
    return {"admin": admin, "a": ann_a, "b": ann_b, "project": project}


def make_articles(
    session: Session, project: Project, count: int, sentences: int = 4, start: int = 0
) -> None:
    """``count`` small articles of ``sentences`` sentences each."""
    import json

    lines = []
    for i in range(start, start + count):
        body = " ".join(
            f"Report {i}-{j}: rebels shelled the village of Kafr {i} near post {j}."
            for j in range(sentences)
        )
        lines.append(json.dumps({"title": f"Article {i}", "text": body}))
    import_articles(session, project.id, [("many.jsonl", "\n".join(lines).encode())])


def prepare_batch(
    session: Session, k: int = 2, annotators: int = 2, articles: int = 3
) -> dict[str, Any]:
    """An admin, ``annotators`` annotators and a live batch with overlap ``k``, committed."""
    from annotator.assignments.services import create_batch

    admin = make_user(session, "admin1", "admin")
    people = [make_user(session, f"ann{i}") for i in range(annotators)]
    outsider = make_user(session, "outsider")
    project = make_project(session)
    make_articles(session, project, articles)
    created = create_batch(
        session, project.id, source="remaining", annotators=[u.username for u in people],
        overlap=k, seed=7, created_by=admin,
    )
    session.commit()
    return {"admin": admin, "annotators": people, "outsider": outsider, "project": project,
            "batch": created.batch, "created": created}
