"""Consistent copies of the database while the app runs (SQLite online backup, pg_dump)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup could not be made; the message says why."""


def find_pg_dump(configured: str | None = None) -> str:
    """The pg_dump to run: the configured path, else PATH, else the newest Debian build.

    Debian puts the real binaries in /usr/lib/postgresql/<major>/bin and only a wrapper on
    PATH (from postgresql-client-common), which a server-only install may lack.
    """
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise BackupError(f"PG_DUMP={configured} is not an executable file")
        return configured
    found = shutil.which("pg_dump")
    if found:
        return found
    builds = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if builds:
        return str(builds[-1])
    raise BackupError("pg_dump not found (apt-get install postgresql-client, or set PG_DUMP)")


# Files SQLite keeps beside a database while it is in use; writing over any of them corrupts it.
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def backup_database(url: str, out: Path, *, pg_dump_path: str | None = None,
                    force: bool = False) -> str:
    """Write a consistent copy of the database at ``url`` to ``out``; return what was done.

    SQLite: the online backup API copies page by page under the database's own locking, so
    writers can keep working. PostgreSQL: ``pg_dump --format=custom`` takes one MVCC snapshot.
    The copy is written to a temporary file beside ``out`` and renamed at the end, so ``out``
    is either complete or untouched. ``out`` may be neither the live database nor one of its
    companion files, nor (without ``force``) any existing file. The copy, like the database,
    is readable by its owner only (0600; a folder made for it 0700).

    Raises:
        BackupError: the copy could not be made (the message says why).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup method for {backend} databases")
    out = out.resolve()
    if backend == "sqlite":
        refuse_live_sqlite_file(parsed.database, out)
    if out.is_dir():
        raise BackupError(f"{out} is a folder; give a file name")
    if out.exists() and not force:
        raise BackupError(f"{out} already exists; pass --force to overwrite it")
    tmp: Path | None = None
    try:
        out.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp: a new, unique name (never a file someone else has) created with mode 0600.
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
        os.close(fd)
        tmp = Path(name)
        if backend == "sqlite":
            done = _backup_sqlite(parsed.database, tmp, out)
        else:
            done = _backup_postgresql(parsed, tmp, out, pg_dump_path)
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except OSError as err:
        raise BackupError(f"cannot write {out}: {err.strerror or err}") from None
    except sqlite3.Error as err:
        raise BackupError(f"SQLite backup failed: {err}") from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink(missing_ok=True)
    return done


def refuse_live_sqlite_file(database: str | None, out: Path) -> None:
    """Refuse ``out`` when it is the live SQLite database or one of its companion files
    (``-wal``, ``-shm``, ``-journal``), by name or as the same file under another name.

    Raises:
        BackupError: ``out`` is one of them.
    """
    if not database or database == ":memory:":
        return
    live = Path(database).resolve()
    for suffix in SQLITE_COMPANIONS:
        companion = live.with_name(live.name + suffix)
        same = out == companion or (
            out.exists() and companion.exists() and os.path.samefile(out, companion))
        if same:
            what = f"the live database's {suffix} file" if suffix else "the live database"
            raise BackupError(f"{out} is {what}; write the backup elsewhere")


def _backup_sqlite(source_path: str | None, tmp: Path, out: Path) -> str:
    if not source_path or source_path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    source_file = Path(source_path).resolve()
    if not source_file.exists():
        raise BackupError(f"database file {source_file} does not exist")
    # Read-only, through a URI so that odd characters in the path are escaped.
    source = sqlite3.connect(source_file.as_uri() + "?mode=ro", uri=True)
    target = sqlite3.connect(tmp)
    try:
        with target:
            source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        target.close()
        source.close()
    return f"SQLite online backup of {source_file} -> {out}"


def _backup_postgresql(parsed, tmp: Path, out: Path, pg_dump_path: str | None) -> str:
    pg_dump = find_pg_dump(pg_dump_path)
    # The password travels in the environment, not on the command line (visible in ps).
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq_url = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", f"--dbname={libpq_url}"],
        capture_output=True, text=True, env=env,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return f"pg_dump (custom format) of {parsed.database} -> {out}"
