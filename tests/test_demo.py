"""The demo: articles, users and guidelines with a definition for every label and event type,
created once (a second load adds nothing)."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.corpus.models import Document
from annotator.demo.loading import DEMO_PROJECT, load_demo
from annotator.projects.guidelines import entries
from annotator.projects.models import GuidelinesVersion, Project


def test_demo_loads_once_with_guidelines_and_definitions(db) -> None:
    lines = load_demo(db.session)
    db.session.commit()
    project = db.session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    assert any("guidelines version 1.1" in line for line in lines)
    assert project.schema.version == "1.1"
    defined = entries(project.schema)
    assert len(defined) == 4 + 11  # four labels, eleven event types
    assert all(entry.description for entry in defined), [e.title for e in defined
                                                         if not e.description]
    assert all(entry.examples.mark and entry.examples.dont_mark for entry in defined)
    documents = db.session.scalar(select(func.count()).select_from(Document))
    assert documents > 0

    again = load_demo(db.session)
    db.session.commit()
    assert not any("created project" in line for line in again)
    assert db.session.scalar(select(func.count()).select_from(Document)) == documents
    assert db.session.scalar(select(func.count()).select_from(GuidelinesVersion)) == 1
