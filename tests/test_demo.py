"""The demo: articles, users and guidelines with a definition for every label and event type,
created once (a second load adds nothing); its printed log-ins work and follow the password
rules, also in a demo made before the rules (its users get the new passwords)."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.auth.models import User
from annotator.auth.passwords import password_problem
from annotator.corpus.models import Document
from annotator.demo.loading import DEMO_PROJECT, DEMO_USERS, OLD_DEMO_PASSWORDS, load_demo
from annotator.projects.guidelines import entries
from annotator.projects.models import GuidelinesVersion, Project
from tests.conftest import login


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


def test_demo_log_ins_follow_the_password_rules_and_work(app, db) -> None:
    old = User(username="alice", username_key="alice", role="annotator")
    old.set_password(OLD_DEMO_PASSWORDS["alice"])  # a demo made before the rules
    db.session.add(old)
    db.session.commit()
    lines = load_demo(db.session)
    db.session.commit()
    for username, role, password in DEMO_USERS:
        assert password_problem(password, username) is None
        assert f"{role:<10} {username:<6} password: {password}" in "\n".join(lines)
        assert login(app.test_client(), username, password).status_code == 302, username
    assert db.session.scalar(select(User).where(User.username == "alice")).id == old.id


def test_demo_ships_linked_events_in_annotations_and_gold(db) -> None:
    from annotator.adjudication.models import GoldRelationRow, GoldSentence
    from annotator.annotation.models import Annotation, RelationRow

    lines = load_demo(db.session)
    db.session.commit()
    assert any("linked events" in line for line in lines)
    annotations = db.session.scalars(select(Annotation)).all()
    by_user = {}
    for annotation in annotations:
        name = db.session.get(User, annotation.annotator_id).username
        by_user.setdefault(name, []).append(annotation)
    assert {name: len(rows) for name, rows in by_user.items()} == {"alice": 6, "bob": 6}
    assert all(a.status == "done" for a in annotations)
    roles = {r.role for r in db.session.scalars(select(RelationRow))}
    assert roles == {"actor1", "actor2", "location"}
    # bob left one argument out: alice made one relation more.
    count = {name: sum(len(a.relations) for a in rows) for name, rows in by_user.items()}
    assert count["alice"] == count["bob"] + 1 == 15
    # Gold holds the links both made (both spans in gold), with their provenance.
    gold_links = db.session.scalars(select(GoldRelationRow)).all()
    assert len(gold_links) == 14
    assert all(list(g.annotators) == ["alice", "bob"] for g in gold_links)
    assert db.session.scalar(select(func.count()).select_from(GoldSentence)) == 6
    # Every stored link names spans of its own annotation.
    for a in annotations:
        offsets = {(s.start, s.end) for s in a.spans}
        for r in a.relations:
            assert (r.head_start, r.head_end) in offsets and (r.child_start, r.child_end) in offsets

    again = load_demo(db.session)
    db.session.commit()
    assert not any("linked events" in line for line in again)
    assert db.session.scalar(select(func.count()).select_from(RelationRow)) == 29


def test_load_demo_prints_the_address_it_is_given(app, db) -> None:
    runner = app.test_cli_runner()
    default = runner.invoke(args=["load-demo"])
    assert default.exit_code == 0 and "log in at http://127.0.0.1:5000 with:" in default.output
    moved = runner.invoke(args=["load-demo", "--url", "http://127.0.0.1:8080"])
    assert moved.exit_code == 0 and "log in at http://127.0.0.1:8080 with:" in moved.output
    assert "alice" in moved.output
