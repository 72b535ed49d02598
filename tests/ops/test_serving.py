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
from click.testing import CliRunner
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from annotator import create_app
from annotator.annotation.models import SpanRow
from annotator.commands import serving
from annotator.extensions import db as handle


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
    assert r.json["database"] == "ok" and r.json["engine"] in {"sqlite", "postgresql"}
    assert "redis" not in r.json  # none configured
    assert r.json["queue"] == {"queued": 0, "running": 0}
    assert r.json["latency_ms"] >= 0


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
    assert r.json["status"] == "error" and r.json["database"] not in {"", "ok"}


def test_healthz_is_503_when_the_configured_redis_is_down(database_url: str) -> None:
    """The database answers, Redis (nothing listens on its port) does not: 503, saying which."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections to it are refused
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    client = app.test_client()
    early = client.get("/healthz")  # no tables yet: the job table cannot be read
    assert early.status_code == 503
    assert early.json["queue"] in {"OperationalError", "ProgrammingError"}
    with app.app_context():
        handle.create_all()
        handle.session.remove()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["database"] == "ok" and r.json["redis"] == "ConnectionError"
    assert r.json["status"] == "error" and r.json["queue"] == {"queued": 0, "running": 0}
    with app.app_context():
        handle.engine.dispose()


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


def wait_for_health(port: int) -> dict:
    """Poll /healthz until the server answers; return its body."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, body = get(f"http://127.0.0.1:{port}/healthz")
            assert status == 200, body
            return body
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # not up yet, or a worker still importing the app on a busy machine
            time.sleep(0.2)
    raise AssertionError("gunicorn never answered")


def test_annotator_serve_runs_gunicorn_workers(database_url: str, tmp_path: Path) -> None:
    """`annotator db upgrade` then two `annotator serve` of one instance at once: each
    answers with its workers and has a control socket of its own (gunicorn's default is one
    per user, which the second server would take over)."""
    annotator = str(Path(sys.executable).with_name("annotator"))
    instance = tmp_path / "inst"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "serve-test-secret",
           "ANNOTATOR_INSTANCE": str(instance)}
    upgrade = subprocess.run([annotator, "db", "upgrade"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [annotator, "serve", *options, "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        for port, options in zip(ports, (["--workers", "2", "--threads", "2"],
                                         ["--workers", "1"]), strict=True)
    ]
    try:
        for port in ports:
            assert wait_for_health(port)["status"] == "ok"
        # the master forks the requested number of workers
        workers = [subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split() for server in servers]
        assert [len(w) for w in workers] == [2, 1]
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/login", timeout=5) as page:
            assert page.status == 200
            assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        gunicornc = str(Path(sys.executable).with_name("gunicornc"))
        for port, server in zip(ports, servers, strict=True):
            socket_path = instance / f"gunicorn-{port}.ctl"
            # the socket may come up a moment after the first answer
            deadline = time.monotonic() + 10
            while not socket_path.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            asked = subprocess.run([gunicornc, "-s", str(socket_path), "-c", "show all", "-j"],
                                   capture_output=True, text=True, timeout=30)
            assert asked.returncode == 0, asked.stderr
            assert json.loads(asked.stdout)["arbiter"]["pid"] == server.pid
    finally:
        outputs = []
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            outputs.append(server.communicate(timeout=30)[0])
    # the command line it ran is printed first
    assert "--workers 2 --threads 2" in outputs[0]
    assert f"--control-socket {instance / f'gunicorn-{ports[1]}.ctl'}" in outputs[1]


def test_serve_hands_gunicorn_a_control_socket_of_its_own(monkeypatch, tmp_path) -> None:
    """The gunicorn command line: this instance's socket, none on request, none (said so)
    when the path is too long for a unix socket; gunicorn of this very interpreter."""
    ran: list[list[str]] = []

    def execv(path: str, args: list[str]) -> None:
        ran.append([path, *args[1:]])

    monkeypatch.setattr(serving.os, "execv", execv)
    monkeypatch.setattr(serving, "INSTANCE_DIR", tmp_path / "inst")
    runner = CliRunner()
    long_path = tmp_path / ("x" * 120) / "gunicorn.ctl"
    for args in (["--port", "8123"], ["--port", "8124", "--no-control-socket"],
                 ["--control-socket", str(long_path)]):
        result = runner.invoke(serving.serve_command, args)
        assert result.exit_code == 0, result.output
    default, disabled, too_long = ran
    assert default[:3] == [sys.executable, "-m", "gunicorn"]
    assert default[default.index("--control-socket") + 1] == str(tmp_path / "inst" /
                                                                  "gunicorn-8123.ctl")
    assert "--no-control-socket" in disabled and "--control-socket" not in disabled
    assert "--no-control-socket" in too_long and "--control-socket" not in too_long
    assert (tmp_path / "inst").is_dir() and (tmp_path / "inst").stat().st_mode & 0o777 == 0o700
