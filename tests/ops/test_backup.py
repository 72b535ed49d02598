"""`annotator backup` makes a copy that restores to exactly the same rows."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from annotator import create_app
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from annotator.auth.models import User
from annotator.extensions import db as handle
from annotator.ops.backup import BackupError, backup_database, find_pg_dump
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


def restore(database_url: str, backup: Path) -> str:
    """Restore ``backup`` as a new database; return its URL."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{backup}"
    from sqlalchemy.engine import make_url

    base = make_url(database_url)
    name = f"restored_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    subprocess.run(["psql", admin, "-c", f'CREATE DATABASE "{name}"'], check=True,
                   capture_output=True)
    target = base.set(drivername="postgresql", database=name).render_as_string(False)
    subprocess.run([shutil.which("pg_restore"), "--no-owner", f"--dbname={target}", str(backup)],
                   check=True, capture_output=True)
    return base.set(database=name).render_as_string(False)


def test_backup_restores_every_row(app, db, database_url, tmp_path) -> None:
    fill(db)
    out = tmp_path / "backup.bin"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not out.with_name("backup.bin.partial").exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the data is as private as the database
    original = all_rows(database_url)
    assert original["span"] and original["annotation"] and original["audit_event"]
    assert all_rows(restore(database_url, out)) == original


def test_backup_while_annotators_keep_saving_is_consistent(app, db, database_url,
                                                           tmp_path) -> None:
    """Backups taken in the middle of a stream of saves each hold one consistent moment."""
    fill(db)
    annotator = db.session.scalar(select(User).where(User.username == "ann1"))
    sentence_ids = list(db.session.scalars(
        select(Assignment.sentence_id).where(Assignment.annotator_id == annotator.id)))
    user_id = annotator.id
    saves = {"n": 0}
    stop = threading.Event()
    failures: list[BaseException] = []

    def keep_saving() -> None:
        from annotator.auth.models import User as U
        from annotator.extensions import db as handle

        try:
            with app.app_context():
                user = handle.session.get(U, user_id)
                versions = dict.fromkeys(sentence_ids, 0)
                while not stop.is_set() and saves["n"] < 2000:
                    sid = sentence_ids[saves["n"] % len(sentence_ids)]
                    spans = [{"start": 0, "end": 1 + saves["n"] % 5, "label": "ACTOR"}]
                    saved = save_annotation(handle.session, user, sid,
                                            AnnotationIn(spans, "in_progress", versions[sid], 1.0),
                                            max_spent=60)
                    handle.session.commit()
                    versions[sid] = saved.version
                    saves["n"] += 1
                handle.session.remove()
        except BaseException as err:  # reported to the test thread below
            failures.append(err)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    copies = []
    try:
        for i in range(3 if database_url.startswith("sqlite") else 1):
            while saves["n"] < 20 * (i + 1) and writer.is_alive():
                time.sleep(0.01)
            out = tmp_path / f"during-{i}.bin"
            result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
            assert result.exit_code == 0, result.output
            copies.append(out)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not failures, failures
    assert saves["n"] >= 20
    for copy in copies:
        engine = create_engine(restore(database_url, copy))
        with engine.connect() as conn:
            # every save writes its annotation, spans and audit row in one transaction: a
            # copy taken mid-stream holds, per annotation, exactly one audit row per version
            mismatched = conn.execute(text(
                "SELECT a.id, a.version, (SELECT COUNT(*) FROM audit_event e "
                "WHERE e.owner_id = a.annotator_id AND e.sentence_id = a.sentence_id) AS n "
                "FROM annotation a")).all()
            orphans = conn.execute(text(
                "SELECT COUNT(*) FROM span s LEFT JOIN annotation a ON a.id = s.annotation_id "
                "WHERE a.id IS NULL")).scalar()
            spans = conn.execute(text("SELECT COUNT(*) FROM span")).scalar()
            annotations = conn.execute(text("SELECT COUNT(*) FROM annotation")).scalar()
        engine.dispose()
        assert [r for r in mismatched if r.version != r.n] == []
        assert orphans == 0 and spans == annotations  # one span per saved annotation


def test_backup_errors_exit_non_zero_with_one_line(app, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(blocker / "x.bin")])
    assert result.exit_code == 1 and "cannot write" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with pytest.raises(BackupError, match="no backup method for mysql"):
        backup_database("mysql://nobody@localhost/x", tmp_path / "x")
    with pytest.raises(BackupError, match="in-memory"):
        backup_database("sqlite://", tmp_path / "x")
    with pytest.raises(BackupError, match="is not an executable file"):
        find_pg_dump(str(tmp_path / "no-such-pg_dump"))
    assert not list(tmp_path.glob("*.partial"))


def test_pg_dump_is_found_off_the_path(monkeypatch) -> None:
    """Debian keeps pg_dump in /usr/lib/postgresql/<major>/bin; PATH may only have a wrapper."""
    monkeypatch.setenv("PATH", "/nonexistent")
    builds = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))
    if builds:  # the test machines install Debian's server (make system-deps)
        found = find_pg_dump()
        assert Path(found).parent.parent.parent == Path("/usr/lib/postgresql")
        version = subprocess.run([found, "--version"], capture_output=True, text=True)
        assert version.returncode == 0 and "pg_dump (PostgreSQL)" in version.stdout
    else:
        with pytest.raises(BackupError, match="pg_dump not found"):
            find_pg_dump()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022: new files readable by every local user), whatever the runner's."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_database_its_companions_and_backups_are_private(loose_umask, tmp_path) -> None:
    """0600 files (0700 folders) after init-db, a save and a backup, under umask 022."""
    database = tmp_path / "data" / "annotator.sqlite3"
    database.parent.mkdir()
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert mode(database) == 0o600
    with app.app_context():
        fill(handle)  # saves an annotation; the connection stays open, so do -wal and -shm
        for companion in ("-wal", "-shm"):
            assert mode(database.with_name(database.name + companion)) == 0o600
        out = tmp_path / "backups" / "nightly" / "copy.sqlite3"
        result = runner.invoke(args=["backup", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert mode(out) == 0o600 and mode(out.parent) == 0o700
        assert [p.name for p in out.parent.iterdir()] == ["copy.sqlite3"]
        handle.session.remove()
        handle.engine.dispose()


def test_backup_refuses_the_live_database_its_companions_and_existing_files(app, db,
                                                                            tmp_path) -> None:
    """`--out <db>-wal` once wrote over the write-ahead log of the running database."""
    fill(db)
    url = db.engine.url.render_as_string(hide_password=False)
    if db.engine.dialect.name == "sqlite":
        live = Path(db.engine.url.database)
        db.session.execute(text("SELECT 1"))  # keep a connection open: -wal and -shm exist
        companions = {suffix: live.with_name(live.name + suffix)
                      for suffix in ("", "-wal", "-shm", "-journal")}
        before = {s: p.read_bytes() for s, p in companions.items() if p.exists()}
        assert set(before) >= {"", "-wal", "-shm"}
        alias = tmp_path / "alias-of-the-database"
        alias.symlink_to(live)
        for path in companions.values():
            for force in ([], ["--force"]):
                result = app.test_cli_runner().invoke(
                    args=["backup", "--out", str(path), *force])
                assert result.exit_code == 1, result.output
                assert "is the live database" in result.output
                assert len(result.output.strip().splitlines()) == 1
        result = app.test_cli_runner().invoke(args=["backup", "--out", str(alias), "--force"])
        assert result.exit_code == 1 and "is the live database" in result.output
        assert {s: p.read_bytes() for s, p in companions.items() if p.exists()} == before
        assert not list(live.parent.glob("*.partial")) and not list(live.parent.glob(".*"))
    rows = all_rows(url)
    existing = tmp_path / "last-week.bin"
    existing.write_bytes(b"last week's backup")
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(existing)])
    assert result.exit_code == 1 and "already exists; pass --force" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert existing.read_bytes() == b"last week's backup"
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(existing), "--force"])
    assert result.exit_code == 0, result.output
    assert existing.read_bytes() != b"last week's backup"
    assert all_rows(restore(url, existing)) == rows == all_rows(url)
    assert sorted(p.name for p in tmp_path.iterdir() if "last-week" in p.name) == [
        "last-week.bin"]
