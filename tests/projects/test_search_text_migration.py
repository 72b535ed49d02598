"""Migration 0012 folds the text of every existing sentence into ``sentence.search_text``."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from annotator import create_app
from annotator.extensions import db

NOW = "2024-01-25 10:00:00+00:00"
ARTICLE = "Shelling hit Ḥamā at dawn. قَصَفَتِ الْقُوَّاتُ حَمَاةَ."


def test_upgrade_backfills_the_folded_search_text(database_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    cut = ARTICLE.index("قَ")
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO project (id, name, label_schema, created_at) "
                              "VALUES (1, 'P', '{}', :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO document (id, project_id, title, text, content_hash, "
                              "created_at) VALUES (1, 1, 'T', :text, 'h', :now)"),
                         {"text": ARTICLE, "now": NOW})
            conn.execute(text(
                "INSERT INTO sentence (id, document_id, project_id, \"index\", start, \"end\", "
                "excluded) VALUES (1, 1, 1, 0, 0, :a, :false), (2, 1, 1, 1, :b, :c, :false)"),
                {"a": cut - 1, "b": cut, "c": len(ARTICLE), "false": False})
        upgrade()
        with db.engine.connect() as conn:
            folded = conn.execute(text(
                "SELECT search_text FROM sentence ORDER BY id")).scalars().all()
        db.engine.dispose()
    assert folded == ["shelling hit hama at dawn.", "قصفت القوات حماه."]
