"""Consistent copies of the database while the app runs (SQLite online backup, pg_dump)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup could not be made; the message says why."""


def backup_database(url: str, out: Path) -> str:
    """Write a consistent copy of the database at ``url`` to ``out``; return what was done.

    SQLite: the online backup API copies page by page under the database's own locking, so
    writers can keep working. PostgreSQL: ``pg_dump --format=custom`` takes one MVCC snapshot.
    """
    parsed = make_url(url)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    if parsed.get_backend_name() == "sqlite":
        source_path = parsed.database
        if not source_path or source_path == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        if not Path(source_path).exists():
            raise BackupError(f"database file {source_path} does not exist")
        tmp.unlink(missing_ok=True)
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        target = sqlite3.connect(tmp)
        try:
            with target:
                source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            target.close()
            source.close()
        os.replace(tmp, out)
        return f"SQLite online backup of {source_path} -> {out}"
    if parsed.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupError("pg_dump not found (apt-get install postgresql-client)")
        libpq_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", f"--dbname={libpq_url}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        os.replace(tmp, out)
        return f"pg_dump (custom format) of {parsed.database} -> {out}"
    raise BackupError(f"no backup method for {parsed.get_backend_name()} databases")
