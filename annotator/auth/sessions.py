"""Log-in sessions kept on the server: started at log-in, looked up on every request, ended by
log-out, "log out everywhere", a new password or a deactivation.

The session cookie (signed by Flask) carries only a random secret; the database keeps its
SHA-256. A cookie copied before its session ended therefore opens nothing afterwards, although
its signature is still good.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from annotator.auth.models import LoginSession, User
from annotator.db import utcnow

KEY_BYTES = 32


def hash_key(key: str) -> str:
    """The SHA-256 (hex) under which a session's secret is stored."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(session: Session, user: User, *, lifetime: timedelta, address: str = "",
                  user_agent: str = "") -> str:
    """Open a log-in session for ``user`` and return its secret (for the cookie only)."""
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    key = secrets.token_urlsafe(KEY_BYTES)
    session.add(LoginSession(user_id=user.id, key_hash=hash_key(key), created_at=now,
                             expires_at=now + lifetime, address=address[:64],
                             user_agent=user_agent[:200]))
    session.flush()
    user.login_key = key
    return key


def end_session(session: Session, key: str | None) -> None:
    """End the one session whose secret is ``key`` (log-out)."""
    if key:
        session.execute(delete(LoginSession).where(LoginSession.key_hash == hash_key(key)))
        session.flush()


def end_sessions(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of a user, except the one whose secret is ``keep``; return how many."""
    query = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep:
        query = query.where(LoginSession.key_hash != hash_key(keep))
    ended = session.execute(query).rowcount or 0
    session.flush()
    return ended


_USER_BY_KEY = (
    select(User, LoginSession.expires_at)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.key_hash == bindparam("key_hash"))
)


def user_for_key(session: Session, key: str) -> User | None:
    """The active user whose live session has the secret ``key``, or None."""
    if not key or len(key) > 100:
        return None
    row = session.execute(_USER_BY_KEY, {"key_hash": hash_key(key)}).one_or_none()
    if row is None or row.expires_at <= utcnow() or not row.User.active:
        return None
    row.User.login_key = key
    return row.User


def list_sessions(session: Session, user_id: int, limit: int = 50) -> list[LoginSession]:
    """A user's live sessions, the newest ``limit`` first."""
    return list(session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.expires_at > utcnow())
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc()).limit(limit)))


def count_sessions(session: Session, user_id: int | None = None) -> dict[int, int]:
    """The number of live sessions of each user who has one (or of ``user_id`` only)."""
    query = select(LoginSession.user_id, func.count()).where(LoginSession.expires_at > utcnow())
    if user_id is not None:
        query = query.where(LoginSession.user_id == user_id)
    rows = session.execute(query.group_by(LoginSession.user_id))
    return {user_id: count for user_id, count in rows}


def is_current(login: LoginSession, key: str | None) -> bool:
    """True when ``login`` is the session whose secret is ``key``."""
    return bool(key) and login.key_hash == hash_key(key)
