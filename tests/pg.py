"""A throwaway PostgreSQL server for the test session (Debian's binaries, run as `postgres`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:  # the server refuses to run as root
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class TempPostgres:
    """A throwaway server on a unix socket in a temp dir (usable outside pytest, e.g. bench/)."""

    def __init__(self, extra_options: str = "") -> None:
        bindir = _pg_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bindir = bindir
        self.extra_options = extra_options
        self.root = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        self.datadir, self.sockdir = self.root / "data", self.root / "sock"

    def _run(self, args: list[str]) -> None:
        subprocess.run(_as_postgres(args), check=True, capture_output=True)

    def start(self) -> str:
        """Start the server; return a URL template with a ``{db}`` placeholder."""
        self.sockdir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockdir, "postgres")
            self.root.chmod(0o755)
        self._run([str(self.bindir / "initdb"), "-D", str(self.datadir), "-A", "trust",
                   "-U", "postgres", "-E", "UTF8"])
        options = (f"-k {self.sockdir} -c listen_addresses='' -c fsync=off "
                   f"-c full_page_writes=off {self.extra_options}")
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options, "-w",
                   "-l", str(self.root / "log"), "start"])
        return f"postgresql+psycopg://postgres@/{{db}}?host={self.sockdir}"

    def create_database(self, name: str) -> None:
        import psycopg

        admin = f"postgresql://postgres@/postgres?host={self.sockdir}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir),
                                     "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Start a server for the session; yield its URL template; stop it after."""
    try:
        server = TempPostgres()
    except FileNotFoundError as err:
        if os.environ.get("CI"):
            pytest.fail(str(err))  # under CI a missing server fails the run, never skips
        pytest.skip(str(err))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def pg_database_url(pg_server: str) -> Iterator[str]:
    """A new, empty database on the session's server, dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = pg_server.format(db="postgres").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.format(db=name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
