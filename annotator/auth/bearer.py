"""Requests that carry ``Authorization: Bearer <token>`` (personal API tokens), and the CSRF
check of every other request.

A token request is authenticated here, before any view runs, and only under ``/api/``: as the
token's owner (their roles and project memberships, as for a log-in), never through the session
cookie, which such a request neither reads for its user nor creates nor refreshes
(``is_token_request``: the session interface saves nothing). A token needs no CSRF token (it is
not sent by the browser on its own, so no other site can make a browser send it); a request
without one keeps the CSRF check. The answers to a refused token are JSON with
``WWW-Authenticate: Bearer`` (RFC 6750): 401 for a missing, unknown, expired or revoked token or
one presented outside ``/api/``, 403 for a write with a read token, 429 (with Retry-After) past
the per-token rate limit ``API_TOKEN_RATE_LIMIT``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits import parse
from sqlalchemy.orm import Session

from annotator.auth import api_tokens
from annotator.auth.models import ApiToken, User
from annotator.auth.services import load_user
from annotator.extensions import db


def bearer_secret() -> str | None:
    """The token in this request's ``Authorization: Bearer`` header ("" when the header names
    Bearer but holds no token), or None when the request carries no bearer token."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, rest = header.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else None


def is_token_request() -> bool:
    """True when the request carries ``Authorization: Bearer``: no session cookie for it."""
    return bearer_secret() is not None


def refusal(status: int, code: str, message: str, challenge: str = "") -> Response:
    """A JSON error with the ``WWW-Authenticate: Bearer`` challenge (RFC 6750 section 3)."""
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    response.headers["WWW-Authenticate"] = f'Bearer realm="{api_tokens.REALM}"{challenge}'
    return response


def rate_limited(limiter: Limiter, token: ApiToken) -> Response | None:
    """Count one request of ``token``; the 429 answer once it is past API_TOKEN_RATE_LIMIT.
    The counters are the log-in limits' (the database, or Redis): every server counts
    together."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True) or not limiter.enabled:
        return None
    item = parse(config["API_TOKEN_RATE_LIMIT"])
    key = ("api-token", str(token.id))
    if limiter.limiter.hit(item, *key):
        return None
    reset, _ = limiter.limiter.get_window_stats(item, *key)
    retry = max(1, math.ceil(reset - time.time()))
    response = jsonify(error={"code": "rate_limited", "message": (
        f"this token is over its rate limit ({item}); try again in {retry} s")})
    response.status_code = 429
    response.headers["Retry-After"] = str(retry)
    return response


def authenticate_token(limiter: Limiter, secret: str) -> Response | None:
    """Check a bearer token for this request: None when it may go on (as the token's owner),
    else the refusal to answer with."""
    if not request.path.startswith("/api/"):
        return refusal(401, "token_not_accepted", "API tokens open /api/ only; the pages and "
                       "the token management need a log-in", ', error="invalid_request"')
    if not secret:
        return refusal(401, "unauthorized",
                       "the Authorization header names Bearer but holds no token")
    check = api_tokens.check_secret(db.session, secret)
    if check.token is None or check.user is None:
        return refusal(401, "invalid_token", check.problem or "unknown token",
                       ', error="invalid_token"')
    limited = rate_limited(limiter, check.token)
    if limited is not None:
        return limited
    if check.token.scope == "read" and request.method not in api_tokens.READ_METHODS:
        return refusal(403, "insufficient_scope", "this token may only read (GET, HEAD); "
                       "make a write token to change anything",
                       ', error="insufficient_scope", scope="write"')
    if api_tokens.use_is_stale(check.token):
        # Its own short transaction: the request's may only read, or fail and roll back.
        with Session(db.engine) as session, session.begin():
            api_tokens.note_use(session, check.token.id)
    g.token_user = check.user
    return None


def register(app: Flask, *, csrf: CSRFProtect, limiter: Limiter,
             login_manager: LoginManager) -> None:
    """Authenticate bearer tokens before every view, CSRF-check the other requests, and load
    the user from the token or the session (Flask-Login). Call before ``csrf.init_app``."""
    parse(app.config["API_TOKEN_RATE_LIMIT"])  # a typo in the setting stops the start, here
    # Flask-WTF's own hook would check every request; this one checks all but token requests.
    check_csrf = app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def authenticate_request() -> Any:
        secret = bearer_secret()
        if secret is not None:
            return authenticate_token(limiter, secret)
        if check_csrf and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect(apply_exemptions=True)
        return None

    def session_user(key: str) -> User | None:
        # A token request is its token's owner's, whatever session cookie came along.
        return None if is_token_request() else load_user(key)

    login_manager.user_loader(session_user)
    login_manager.request_loader(lambda _request: g.get("token_user"))
