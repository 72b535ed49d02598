"""An export reads in one transaction that the calling view or command starts."""

from __future__ import annotations

from sqlalchemy import select, text

from annotator.projects.models import Project
from annotator.transactions import start_consistent_read
from tests.factories import make_project


def test_a_consistent_read_starts_a_new_transaction(db) -> None:
    session = db.session()
    session.execute(select(1))
    before = session.get_transaction()
    start_consistent_read(session)
    assert session.get_transaction() is not before
    if db.engine.dialect.name == "postgresql":
        assert session.connection().get_isolation_level() == "REPEATABLE READ"


def test_a_consistent_read_does_not_see_later_commits_on_postgresql(db) -> None:
    make_project(db.session, "Before")
    db.session.commit()
    start_consistent_read(db.session)
    names = set(db.session.scalars(select(Project.name)))
    with db.engine.connect() as other:  # another request commits meanwhile
        other.execute(text("UPDATE project SET name = 'After' WHERE name = 'Before'"))
        other.commit()
    later = set(db.session.scalars(select(Project.name)))
    if db.engine.dialect.name == "postgresql":
        assert later == names == {"Before"}  # one snapshot for the whole read
    else:
        assert later == {"After"}  # SQLite: each read sees the latest committed state
    db.session.rollback()
