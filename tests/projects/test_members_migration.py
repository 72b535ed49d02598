"""Migration 0007 makes everyone with work in a project a member of it, with their site role."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from annotator import create_app
from annotator.extensions import db

NOW = "2024-01-25 10:00:00+00:00"
# Two projects. P1: a batch by "boss" (admin) assigning s1 to "ann"; "cur" (curator) closed the
# gold of s1 and decided a conflict; "ann" annotated s1. P2 (no batch): "solo" annotated s3;
# "cur" changed an annotation there (audit). "idle" has no work anywhere.
ROWS = [
    "INSERT INTO project (id, name, label_schema, created_at) VALUES "
    "(1, 'P1', '{\"name\": \"x\", \"labels\": [{\"key\": \"ACTOR\"}]}', :now), "
    "(2, 'P2', '{\"name\": \"x\", \"labels\": [{\"key\": \"ACTOR\"}]}', :now)",
    "INSERT INTO \"user\" (id, username, password_hash, role, active, session_token, created_at) "
    "VALUES (1, 'boss', 'x', 'admin', :true, 't1', :now), "
    "(2, 'ann', 'x', 'annotator', :true, 't2', :now), "
    "(3, 'cur', 'x', 'curator', :true, 't3', :now), "
    "(4, 'solo', 'x', 'annotator', :true, 't4', :now), "
    "(5, 'idle', 'x', 'annotator', :true, 't5', :now)",
    "INSERT INTO document (id, project_id, title, text, content_hash, created_at) VALUES "
    "(1, 1, 'T', 'Troops advanced. Rebels fled.', 'h1', :now), "
    "(2, 2, 'U', 'Shelling resumed at dawn.', 'h2', :now)",
    "INSERT INTO sentence (id, document_id, project_id, \"index\", start, \"end\", excluded) "
    "VALUES (1, 1, 1, 0, 0, 16, :false), (2, 1, 1, 1, 17, 29, :false), "
    "(3, 2, 2, 0, 0, 25, :false)",
    "INSERT INTO batch (id, project_id, name, overlap, seed, source, created_by_id, created_at) "
    "VALUES (1, 1, 'Batch 1', 1, 0, 'remaining', 1, :now)",
    "INSERT INTO assignment (id, batch_id, annotator_id, sentence_id, position, finished, "
    "created_at) VALUES (1, 1, 2, 1, 0, :true, :now)",
    "INSERT INTO annotation (id, sentence_id, annotator_id, status, version, time_spent, "
    "created_at, updated_at) VALUES (1, 1, 2, 'done', 1, 1.0, :now, :now), "
    "(2, 3, 4, 'done', 1, 1.0, :now, :now)",
    "INSERT INTO gold_sentence (id, sentence_id, status, version, closed_by_id, closed_at, "
    "created_at, updated_at) VALUES (1, 1, 'complete', 2, 3, :now, :now, :now)",
    "INSERT INTO gold_decision (id, gold_id, start, \"end\", kind, choice, curator_id, "
    "created_at) VALUES (1, 1, 0, 6, 'label', 'none', 3, :now)",
    "INSERT INTO audit_event (id, at, actor_id, sentence_id, owner_id, target, action, "
    "version, after) VALUES (1, :now, 3, 3, 4, 'annotation', 'update', 2, '{}')",
]


def test_upgrade_makes_everyone_with_work_a_member_with_their_site_role(database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql), {"now": NOW, "true": True, "false": False})
        upgrade()
        with db.engine.connect() as conn:
            members = conn.execute(text(
                "SELECT p.name, u.username, m.role FROM project_member m "
                "JOIN project p ON p.id = m.project_id JOIN \"user\" u ON u.id = m.user_id "
                "ORDER BY p.name, u.username")).all()
        db.engine.dispose()
    assert [tuple(r) for r in members] == [
        ("P1", "ann", "annotator"), ("P1", "boss", "admin"), ("P1", "cur", "curator"),
        ("P2", "cur", "curator"), ("P2", "solo", "annotator"),
    ]
