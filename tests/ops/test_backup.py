"""`annotator backup` makes a copy that restores to exactly the same rows."""

from __future__ import annotations

import shutil
import subprocess
import uuid

from sqlalchemy import create_engine, inspect, text

from annotator.annotation.services import AnnotationIn, save_annotation
from tests.factories import prepare_batch


def all_rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    tables = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        rows = {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1'))]
                for t in tables}
    engine.dispose()
    return rows


def fill(db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=2)
    user = data["annotators"][0]
    spans = [{"start": 0, "end": 6, "label": "ACTOR"}]
    save_annotation(db.session, user, 1, AnnotationIn(spans, "done", 0, 3.0), max_spent=60)
    db.session.commit()


def test_backup_restores_every_row(app, db, database_url, tmp_path) -> None:
    fill(db)
    out = tmp_path / "backup.bin"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    original = all_rows(database_url)
    assert original["span"] and original["annotation"] and original["audit_event"]
    if database_url.startswith("sqlite"):
        restored_url = f"sqlite:///{out}"
    else:
        from sqlalchemy.engine import make_url

        base = make_url(database_url)
        name = f"restored_{uuid.uuid4().hex[:8]}"
        admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
        subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{name}"'], check=True,
                       capture_output=True)
        target = base.set(drivername="postgresql", database=name).render_as_string(False)
        subprocess.run([shutil.which("pg_restore"), "--no-owner", f"--dbname={target}", str(out)],
                       check=True, capture_output=True)
        restored_url = base.set(database=name).render_as_string(False)
    assert all_rows(restored_url) == original


def test_backup_errors_exit_non_zero(app, tmp_path) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "mysql://nobody@localhost/x"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "no backup method" in result.output
