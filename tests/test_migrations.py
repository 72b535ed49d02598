"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from annotator import create_app
from annotator.extensions import db


def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        engine = create_engine(database_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert {"user", "project", "document", "sentence", "annotation", "span"} <= tables


def test_upgrade_from_the_first_migration_keeps_every_annotation(database_url: str) -> None:
    """Fill a database at revision 0001 with data, upgrade to head, and count everything."""
    from flask_migrate import upgrade as upgrade_to
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade_to(revision="0001")
        now = "2024-01-25 10:00:00+00:00"
        statements = [
            "INSERT INTO project (id, name, label_schema, created_at) "
            "VALUES (1, 'P', '{\"name\": \"x\", \"labels\": [{\"key\": \"ACTOR\"}]}', :now)",
            "INSERT INTO \"user\" (id, username, password_hash, role, active, session_token, "
            "created_at) VALUES (1, 'ann', 'x', 'annotator', :true, 't', :now)",
            "INSERT INTO document (id, project_id, title, text, content_hash, created_at) "
            "VALUES (1, 1, 'T', 'Troops advanced. Rebels fled.', 'h', :now)",
            "INSERT INTO sentence (id, document_id, project_id, \"index\", start, \"end\", "
            "excluded) VALUES (1, 1, 1, 0, 0, 16, :false), (2, 1, 1, 1, 17, 29, :false)",
            "INSERT INTO annotation (id, sentence_id, annotator_id, status, version, time_spent, "
            "created_at, updated_at) VALUES (1, 1, 1, 'done', 3, 4.5, :now, :now), "
            "(2, 2, 1, 'in_progress', 1, 0, :now, :now)",
            "INSERT INTO span (id, annotation_id, start, \"end\", label, attributes) VALUES "
            "(1, 1, 0, 6, 'ACTOR', '{}'), (2, 2, 0, 6, 'ACTOR', '{}'), (3, 2, 7, 11, 'ACTOR', '{}')",
        ]
        with db.engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql), {"now": now, "true": True, "false": False})
        upgrade_to()
        with db.engine.connect() as conn:
            spans = conn.execute(text(
                "SELECT a.id, a.status, a.version, s.start, s.\"end\", s.label FROM span s "
                "JOIN annotation a ON a.id = s.annotation_id ORDER BY s.id")).all()
            flags = conn.execute(text("SELECT flagged FROM annotation ORDER BY id")).scalars().all()
        db.engine.dispose()
    assert [tuple(r) for r in spans] == [
        (1, "done", 3, 0, 6, "ACTOR"), (2, "in_progress", 1, 0, 6, "ACTOR"),
        (2, "in_progress", 1, 7, 11, "ACTOR"),
    ]
    assert flags == [False, False]


def test_user_name_keys_are_backfilled_and_clashes_named(database_url: str, capfd) -> None:
    """0006 fills username_key; names that fold to one key stop the upgrade, named."""
    import pytest
    from flask_migrate import upgrade as upgrade_to
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    add = ("INSERT INTO \"user\" (id, username, password_hash, role, active, session_token, "
           "created_at) VALUES (:id, :name, 'x', 'annotator', :true, 't', "
           "'2024-01-25 10:00:00+00:00')")
    with app.app_context():
        upgrade_to(revision="0005")
        with db.engine.begin() as conn:
            for uid, name in ((1, "Ann1"), (2, "Stra\u00dfe"), (3, "ANN1"), (4, "strasse")):
                conn.execute(text(add), {"id": uid, "name": name, "true": True})
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
            upgrade_to()
        message = capfd.readouterr().err
        assert "'Ann1' (id 1), 'ANN1' (id 3)" in message
        assert "'Stra\u00dfe' (id 2), 'strasse' (id 4)" in message and "Rename" in message
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM \"user\" WHERE id IN (3, 4)"))
        upgrade_to()
        with db.engine.connect() as conn:
            keys = conn.execute(text(
                "SELECT username, username_key FROM \"user\" ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(k) for k in keys] == [("Ann1", "ann1"), ("Stra\u00dfe", "strasse")]


def test_upgrade_numbers_existing_annotators_by_their_first_annotation(database_url: str) -> None:
    """Migration 0008 gives everyone with work a pseudonym, per project, in order of their
    first annotation there (not of their user id or name)."""
    from flask_migrate import upgrade as upgrade_to
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade_to(revision="0005")
        now = "2024-01-25 10:00:00+00:00"
        statements = [
            "INSERT INTO project (id, name, label_schema, created_at) VALUES "
            "(1, 'P', '{}', :now), (2, 'Q', '{}', :now)",
            "INSERT INTO \"user\" (id, username, password_hash, role, active, session_token, "
            "created_at) VALUES (1, 'zed', 'x', 'annotator', :true, 't1', :now), "
            "(2, 'amy', 'x', 'annotator', :true, 't2', :now)",
            "INSERT INTO document (id, project_id, title, text, content_hash, created_at) "
            "VALUES (1, 1, 'T', 'Troops advanced.', 'h1', :now), "
            "(2, 2, 'U', 'Rebels fled.', 'h2', :now)",
            "INSERT INTO sentence (id, document_id, project_id, \"index\", start, \"end\", "
            "excluded) VALUES (1, 1, 1, 0, 0, 16, :false), (2, 2, 2, 0, 0, 12, :false)",
            "INSERT INTO annotation (id, sentence_id, annotator_id, status, version, time_spent, "
            "created_at, updated_at) VALUES (1, 1, 2, 'done', 1, 0, :now, :now), "
            "(2, 1, 1, 'in_progress', 1, 0, :now, :now), (3, 2, 1, 'done', 1, 0, :now, :now)",
        ]
        with db.engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql), {"now": now, "true": True, "false": False})
        upgrade_to()
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT project_id, user_id, number FROM annotator_pseudonym "
                "ORDER BY project_id, number")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 2, 1), (1, 1, 2), (2, 1, 1)]
