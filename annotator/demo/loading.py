"""The demo: a project with original articles, guidelines, three users and a few linked events
(annotated and in gold), created only when missing."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.auth.models import User
from annotator.auth.services import create_user
from annotator.corpus.importing import import_articles
from annotator.demo.frames import load_demo_frames
from annotator.projects.membership import ensure_members
from annotator.projects.models import Project
from annotator.projects.schema import default_schema_document
from annotator.projects.services import create_project, publish_guidelines

DEMO_PROJECT = "Conflict news demo"
# Demo log-ins are printed by `make run`; they are for a local trial only. They follow the
# password rules (auth/passwords.py): 10+ characters, not common, without the user name.
DEMO_USERS = (
    ("admin", "admin", "demo-harbour-lantern"),
    ("alice", "annotator", "demo-copper-kestrel"),
    ("bob", "annotator", "demo-salt-meadow"),
)
# What the demo printed before the password rules; a demo made then is brought up to date so
# that the printed log-ins stay true.
OLD_DEMO_PASSWORDS = {"admin": "demo-admin-pass", "alice": "demo-alice-pass",
                      "bob": "demo-bob-pass"}


DEFAULT_URL = "http://127.0.0.1:5000"  # where `annotator run` serves unless told otherwise


def load_demo(session: Session, url: str = DEFAULT_URL) -> list[str]:
    """Create what is missing of the demo (flushed, not committed) and return the lines to
    print, log-ins included (at ``url``, where the app will be served)."""
    lines: list[str] = []
    project = session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    if project is None:
        project = create_project(session, DEMO_PROJECT, demo_schema())
        body = resources.files("annotator.demo").joinpath("guidelines.md").read_text("utf-8")
        published = publish_guidelines(session, project, None, body, {})
        lines.append(f"created project {DEMO_PROJECT!r} (guidelines version {published.version})")
    data = resources.files("annotator.demo").joinpath("articles.jsonl").read_bytes()
    result = import_articles(session, project.id, [("demo/articles.jsonl", data)])
    if result.documents_added:
        lines.append(
            f"imported {result.documents_added} demo articles ({result.sentences_added} sentences)"
        )
    for username, role, password in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, username, password, role)
        elif user.check_password(OLD_DEMO_PASSWORDS[username]):
            user.set_password(password)
        # Members of the demo project (docs/access.md); a role changed since is kept.
        ensure_members(session, project.id, [user.id], role=role)
    session.flush()
    lines.extend(load_demo_frames(session, project))
    lines.append(f"log in at {url} with:")
    for username, role, password in DEMO_USERS:
        lines.append(f"  {role:<10} {username:<6} password: {password}")
    return lines


def demo_schema() -> dict[str, Any]:
    """The default schema with the demo's definitions and examples (definitions.json: a label
    key, or LABEL.attribute.value for an event type)."""
    text = resources.files("annotator.demo").joinpath("definitions.json").read_text("utf-8")
    definitions = json.loads(text)
    document = default_schema_document()
    for label in document["labels"]:
        label.update(definitions.get(label["key"], {}))
        for attribute in label.get("attributes", []):
            for value in attribute["values"]:
                key = f"{label['key']}.{attribute['key']}.{value['value']}"
                value.update(definitions.get(key, {}))
    return document
