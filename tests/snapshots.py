"""A database a test module builds once, saves, and puts back before each of its tests.

For modules whose tests all start from the same costly scene (users, a live batch, clients
logged in through the form): the scene is built and saved once, and ``restore()`` returns the
database to it, byte for byte, so each test still starts from exactly that state, whatever the
one before it changed. SQLite copies the file; PostgreSQL re-creates the database from a
template database (``CREATE DATABASE ... TEMPLATE``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from annotator import create_app
from annotator.extensions import db
from tests.conftest import IsolatedClient


class SavedDatabase:
    """The app of a module on its own database, which ``save()`` keeps and ``restore()`` puts
    back."""

    def __init__(self, request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> None:
        self._pg_admin: str | None = None
        if os.environ.get("ANNOTATOR_TEST_DB") == "postgresql":
            server = request.getfixturevalue("pg_server")
            self.name = f"s_{uuid.uuid4().hex[:12]}"
            self._pg_admin = server.format(db="postgres").replace("postgresql+psycopg",
                                                                  "postgresql")
            self._pg_sql(f'CREATE DATABASE "{self.name}"')
            url = server.format(db=self.name)
        else:
            self.path = tmp_path_factory.mktemp("saved") / "test.sqlite3"
            url = f"sqlite:///{self.path}"
        self.saved = False
        self.app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                               "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                               "RATELIMIT_ENABLED": False, "JOBS_QUEUE": "immediate"})
        self.app.test_client_class = IsolatedClient
        with self.app.app_context():
            db.create_all()

    def _pg_sql(self, *statements: str) -> None:
        import psycopg  # only the PostgreSQL run needs the driver

        with psycopg.connect(self._pg_admin, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def _disconnect(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def save(self) -> None:
        """Keep the database as it is now (commit first); restore() comes back to it."""
        self._disconnect()
        if self._pg_admin:
            self._pg_sql(f'CREATE DATABASE "{self.name}_saved" TEMPLATE "{self.name}"')
        else:
            shutil.copyfile(self.path, self.path.with_suffix(".saved"))
        self.saved = True

    def restore(self) -> None:
        """Put the saved database back, dropping every change since."""
        assert self.saved, "save() the database before restoring it"
        self._disconnect()
        if self._pg_admin:
            self._pg_sql(f'DROP DATABASE "{self.name}" WITH (FORCE)',
                         f'CREATE DATABASE "{self.name}" TEMPLATE "{self.name}_saved"')
        else:
            shutil.copyfile(self.path.with_suffix(".saved"), self.path)

    def close(self) -> None:
        """Disconnect and drop what was made (PostgreSQL; SQLite files go with tmp_path)."""
        self._disconnect()
        if self._pg_admin:
            self._pg_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                         f'DROP DATABASE IF EXISTS "{self.name}_saved"')


@contextmanager
def saved_database(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[SavedDatabase]:
    """For a module-scoped fixture: ``with saved_database(...) as database:``, closed after."""
    saved = SavedDatabase(request, tmp_path_factory)
    try:
        yield saved
    finally:
        saved.close()


def cookies_of(app: Flask, client: FlaskClient) -> dict[str, str]:
    """The session and remember-me cookies a client holds (to give them to another client)."""
    names = (app.config["SESSION_COOKIE_NAME"],
             app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    found = {name: client.get_cookie(name) for name in names}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def client_with(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A new client holding ``cookies`` (a log-in kept in a saved database, for example)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client
