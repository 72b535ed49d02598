"""Shared by the hostile-input tests: one database per test module (refused requests leave it
unchanged, which is what they check), logged-in clients per role, and a fingerprint of
everything stored."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from annotator import create_app
from annotator.assignments.models import Assignment
from annotator.corpus.models import Sentence
from annotator.db import Base
from annotator.extensions import db
from tests.conftest import IsolatedClient, api_headers, csrf_from, login
from tests.factories import make_user, prepare_batch

# Tables a refused request may still write by design (none today; log-in counters or
# server-side sessions would go here, with the reason).
VOLATILE_TABLES: frozenset[str] = frozenset()

USERS = {"annotator": "ann0", "curator": "curator1", "admin": "admin1"}


@dataclass
class World:
    """The app, the ids of a project with a live batch, and a logged-in client per role."""

    app: Flask
    ids: dict[str, int]
    clients: dict[str, tuple[FlaskClient, dict[str, str]]] = field(default_factory=dict)
    # The fingerprint taken after the last request that was refused and changed nothing: the
    # database is still in that state, so it serves as the next request's "before" instead of
    # reading every table again. None after anything that may write (a success, a log-in).
    settled: dict[str, tuple[int, str]] | None = None

    def client(self, role: str) -> tuple[FlaskClient, dict[str, str]]:
        """A client logged in as ``role`` ("anonymous" too) and its JSON headers (CSRF)."""
        if role not in self.clients:
            self.settled = None  # logging in stores a session
            client = self.app.test_client()
            if role == "anonymous":
                token = csrf_from(client.get("/login").get_data(as_text=True))
                headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
            else:
                assert login(client, USERS[role]).status_code == 302
                headers = api_headers(client)
            self.clients[role] = (client, headers)
        return self.clients[role]

    def fingerprint(self) -> dict[str, tuple[int, str]]:
        """{table: (rows, sha256 of its sorted rows)} for every table of the app."""
        found: dict[str, tuple[int, str]] = {}
        with self.app.app_context():
            for table in Base.metadata.sorted_tables:
                if table.name in VOLATILE_TABLES:
                    continue
                rows = sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                found[table.name] = (len(rows), digest)
            db.session.remove()
        return found

    def session(self) -> Any:
        """Run ``with world.session() as s:`` for reads in an app context."""
        return _Session(self.app)


class _Session:
    def __init__(self, app: Flask) -> None:
        self.context = app.app_context()

    def __enter__(self):
        self.context.push()
        return db.session

    def __exit__(self, *exc: object) -> None:
        db.session.remove()
        self.context.pop()


def shared_world(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Body of a module-scoped fixture: a fresh database (SQLite, or PostgreSQL under
    ``ANNOTATOR_TEST_DB=postgresql``) with admin1, curator1, ann0, ann1 and a live batch."""
    drop = None
    if os.environ.get("ANNOTATOR_TEST_DB") == "postgresql":
        import psycopg  # only the PostgreSQL run needs the driver

        server = request.getfixturevalue("pg_server")
        name = f"h_{uuid.uuid4().hex[:12]}"
        admin_url = server.format(db="postgres").replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = server.format(db=name)

        def drop() -> None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'test.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key",
                      "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None,
                      "RATELIMIT_ENABLED": False, "JOBS_QUEUE": "immediate"})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        data = prepare_batch(db.session, k=1, annotators=2, articles=2)
        make_user(db.session, "curator1", "curator")
        db.session.commit()
        mine = db.session.scalar(
            select(Assignment.sentence_id)
            .where(Assignment.annotator_id == data["annotators"][0].id)
            .order_by(Assignment.position))
        ids = {"project": data["project"].id, "batch": data["batch"].id, "sentence": mine,
               "document": db.session.get(Sentence, mine).document_id,
               "user": data["annotators"][1].id, "event": 1}
        db.session.remove()
    yield World(app, ids)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()
