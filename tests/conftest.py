"""Shared fixtures: an app on a file database per test, a database session, log-in helpers,
and cheap password hashing."""

from __future__ import annotations

import contextvars
import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from annotator import create_app
from tests.factories import DEFAULT_PASSWORD

pytest_plugins = ["tests.pg"]

# Werkzeug's default scrypt (n=2**15) costs 0.1-0.3 s per hash and as much per log-in check,
# and the suite creates and logs in thousands of users: most of its set-up time. Tests hash
# with the same method and format at n=2**10 (32 times cheaper); check_password_hash reads the
# cost from the stored hash, so log-ins, the CLI and the browser tests' server follow. Django
# advises the same for test settings. ``real_password_hashing`` restores the app's cost for the
# test that checks it.
TEST_PASSWORD_HASH = "scrypt:1024:8:1"
HASHING_MODULES = ("annotator.auth.models", "annotator.auth.services")


def _cheap_hash(password: str, method: str = TEST_PASSWORD_HASH, salt_length: int = 16) -> str:
    return generate_password_hash(password, TEST_PASSWORD_HASH, salt_length)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Every user made in the test process gets a cheap scrypt hash (see TEST_PASSWORD_HASH)."""
    with pytest.MonkeyPatch.context() as patch:
        for module in HASHING_MODULES:
            patch.setattr(f"{module}.generate_password_hash", _cheap_hash)
        yield


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own password hashing, at werkzeug's cost, for one test."""
    for module in HASHING_MODULES:
        monkeypatch.setattr(f"{module}.generate_password_hash", generate_password_hash)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database for one test: SQLite file, or a new PostgreSQL database."""
    if os.environ.get("ANNOTATOR_TEST_DB") == "postgresql":
        return request.getfixturevalue("pg_database_url")
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context.

    pytest-flask and the ``db`` fixture keep an app context open during a test; without this,
    every request would reuse its ``g`` (Flask-Login's cached user, Flask-WTF's cached CSRF
    token), which a real server never does.
    """

    def open(self, *args, **kwargs):
        # One private context per client: Flask pops the previous request's preserved
        # contexts at the next call, which must happen in the context that pushed them.
        if not hasattr(self, "_private_context"):
            self._private_context = contextvars.Context()
        return self._private_context.run(super().open, *args, **kwargs)

    def __exit__(self, *exc_info) -> None:
        context = getattr(self, "_private_context", None) or contextvars.copy_context()
        context.run(super().__exit__, *exc_info)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": None,
            "RATELIMIT_ENABLED": False,  # tests log in often; test_security turns it on
            # Jobs run inside the request that starts them (tests/jobs/ use a real queue).
            "JOBS_QUEUE": "immediate",
        }
    )
    app.test_client_class = IsolatedClient
    from annotator.extensions import db

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    """The Flask-SQLAlchemy handle, inside an app context."""
    from annotator.extensions import db as handle

    with app.app_context():
        yield handle


def login(client: FlaskClient, username: str, password: str = DEFAULT_PASSWORD):
    """Log in through the real form (CSRF included) and return the response."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no csrf-token meta tag"
    return match.group(1)


def api_headers(client: FlaskClient) -> dict[str, str]:
    """Headers for a JSON call: the CSRF token from a page of the logged-in session."""
    token = csrf_from(client.get("/projects/").get_data(as_text=True))
    return {"X-CSRFToken": token, "Content-Type": "application/json"}


# Fixtures that give a test nothing of the database engine: a test whose fixtures are all
# among these (most take none: the pure modules' case tables) behaves the same whatever
# ANNOTATOR_TEST_DB says, so the PostgreSQL run leaves it to the SQLite run. Only
# database_url, pg_server and the module-scoped worlds built on them (tests/hostile.py,
# tests/snapshots.py) read ANNOTATOR_TEST_DB; tests/test_engine_split.py keeps it that way.
ENGINE_FREE_FIXTURES = frozenset({
    "cheap_password_hashing", "real_password_hashing", "monkeypatch", "tmp_path",
    "tmp_path_factory", "tmpdir", "tmpdir_factory", "capsys", "capfd", "caplog", "recwarn",
    "pytestconfig", "doctest_namespace", "record_property",
})
# pytest-flask's autouse fixtures: they act only for a test that uses ``app`` and ask for
# ``request`` to find out.
PYTEST_FLASK_AUTOUSE = frozenset({
    "_configure_application", "_monkeypatch_response_class", "_push_request_context",
})


def engine_free(item: pytest.Item) -> bool:
    """True when nothing the test uses depends on the database engine under test (or, marked
    ``own_servers``, it starts the servers it needs itself, its own PostgreSQL included)."""
    function = getattr(item, "function", None)
    if function is None:  # not a test function (a doctest, say): kept on both runs
        return False
    if item.get_closest_marker("own_servers") is not None:
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})  # parametrize's values
    names = set(item.fixturenames) - set(params) - PYTEST_FLASK_AUTOUSE
    if "request" not in inspect.signature(function).parameters:
        names.discard("request")  # asked for by pytest-flask's autouse fixtures only
    return names <= ENGINE_FREE_FIXTURES


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run, deselect the tests that never reach a database."""
    if os.environ.get("ANNOTATOR_TEST_DB") != "postgresql":
        return
    kept = [item for item in items if not engine_free(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if engine_free(i)])
        items[:] = kept
