"""Production serving: the database settings, /healthz, `annotator serve` with gunicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from annotator import create_app
from annotator.annotation.models import SpanRow


def test_sqlite_is_set_up_for_concurrent_use_and_foreign_keys_hold(app, db) -> None:
    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        if dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert dialect == "postgresql"
            assert conn.exec_driver_sql("SHOW server_version").scalar()
    # on both databases a span of a missing annotation is refused by the schema itself
    with pytest.raises(IntegrityError):
        db.session.execute(insert(SpanRow.__table__).values(annotation_id=424242, start=0, end=3,
                                                         label="ACTOR", attributes={}))
        db.session.flush()
    db.session.rollback()


def test_healthz_is_200_when_the_database_answers(client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"
    assert r.json["database"] in {"sqlite", "postgresql"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-dir-for-annotator-tests/db.sqlite3",
        "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2",
    ],
    ids=["sqlite-unopenable", "postgresql-refused"],
)
def test_healthz_is_503_when_the_database_is_down(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["status"] == "error" and r.json["database"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_annotator_serve_runs_gunicorn_workers(database_url: str, tmp_path: Path) -> None:
    """`annotator db upgrade` then `annotator serve --workers 2 --threads 2` answers."""
    annotator = str(Path(sys.executable).with_name("annotator"))
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "serve-test-secret",
           "ANNOTATOR_INSTANCE": str(tmp_path)}
    upgrade = subprocess.run([annotator, "db", "upgrade"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    port = free_port()
    server = subprocess.Popen(
        [annotator, "serve", "--workers", "2", "--threads", "2", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # not up yet, or a worker still importing the app on a busy machine
                time.sleep(0.2)
        assert status == 200, "gunicorn never answered"
        assert body["status"] == "ok"
        # the master forks the requested number of workers
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                 text=True).stdout.split()
        assert len(workers) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert page.status == 200
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "--workers 2 --threads 2" in output  # the command line it ran is printed first
