"""The demo: a project with original articles and three users, created only when missing."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.auth.models import User
from annotator.auth.services import create_user
from annotator.corpus.importing import import_articles
from annotator.projects.membership import ensure_members
from annotator.projects.models import Project
from annotator.projects.services import create_project

DEMO_PROJECT = "Conflict news demo"
# Demo log-ins are printed by `make run`; they are for a local trial only.
DEMO_USERS = (
    ("admin", "admin", "demo-admin-pass"),
    ("alice", "annotator", "demo-alice-pass"),
    ("bob", "annotator", "demo-bob-pass"),
)


def load_demo(session: Session) -> list[str]:
    """Create what is missing of the demo (flushed, not committed) and return the lines to
    print, log-ins included."""
    lines: list[str] = []
    project = session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    if project is None:
        project = create_project(session, DEMO_PROJECT)
        lines.append(f"created project {DEMO_PROJECT!r}")
    data = resources.files("annotator.demo").joinpath("articles.jsonl").read_bytes()
    result = import_articles(session, project.id, [("demo/articles.jsonl", data)])
    if result.documents_added:
        lines.append(
            f"imported {result.documents_added} demo articles ({result.sentences_added} sentences)"
        )
    for username, role, password in DEMO_USERS:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            user_id = create_user(session, username, password, role).id
        # Members of the demo project (docs/access.md); a role changed since is kept.
        ensure_members(session, project.id, [user_id], role=role)
    lines.append("log in at http://127.0.0.1:5000 with:")
    for username, role, password in DEMO_USERS:
        lines.append(f"  {role:<10} {username:<6} password: {password}")
    return lines
