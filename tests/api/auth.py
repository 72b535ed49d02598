"""How the API tests authenticate: ONE helper, ``api_auth``, gives the headers and cookies a
request sends as a given user, so every API test (and schemathesis) switches together.

A user acts through a personal API token (``Authorization: Bearer``, write scope), as scripts
do; ``via="cookie"`` gives a log-in session through the real form plus its CSRF token
(X-CSRFToken), as the app's own pages call the API. Anonymous callers hold a session with a
CSRF token, so that a refused write is refused for want of a log-in (401), not of CSRF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from annotator.auth.models import User
from annotator.db import Base
from annotator.extensions import db
from tests.conftest import api_headers, csrf_from, login
from tests.factories import make_token
from tests.snapshots import cookies_of


@dataclass(frozen=True)
class ApiAuth:
    """What to send with each API request to act as one user (or as nobody)."""

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


def api_auth(app: Flask, username: str | None, *, via: str = "token") -> ApiAuth:
    """Credentials of ``username`` (None: anonymous, with a session that has a CSRF token, so
    that a refused write is refused for want of a log-in, 401, not for want of CSRF)."""
    if username is not None and via == "token":
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            secret = make_token(db.session, user, name="api tests")
            db.session.commit()
            db.session.remove()
        return ApiAuth(headers={"Authorization": f"Bearer {secret}"})
    client = app.test_client()
    if username is None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
    else:
        assert login(client, username).status_code == 302, f"log-in of {username} failed"
        token = api_headers(client)["X-CSRFToken"]
    return ApiAuth(headers={"X-CSRFToken": token}, cookies=cookies_of(app, client))


def client_as(app: Flask, auth: ApiAuth) -> FlaskClient:
    """A new test client holding ``auth``'s cookies (send ``auth.headers`` with each call)."""
    client = app.test_client()
    for name, value in auth.cookies.items():
        client.set_cookie(name, value)
    return client


def table_counts(app: Flask) -> dict[str, int]:
    """Rows per table of the app's database, read in one query: the cheap fingerprint of
    "nothing stored"."""
    tables = Base.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name)
                      for t in tables))
    with app.app_context():
        row = db.session.execute(counts).one()
        db.session.remove()
    return {t.name: n for t, n in zip(tables, row, strict=True)}
