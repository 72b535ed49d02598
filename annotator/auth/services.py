"""Accounts: creation, log-in checks, the Flask-Login loader and role guards."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from annotator.auth.models import ROLES, Role, User
from annotator.errors import Invalid, NotFound
from annotator.extensions import db
from annotator.paging import Pager

# A real hash to compare against when the user does not exist, so both paths cost the same.
_DUMMY_HASH: str | None = None


def create_user(session: Session, username: str, password: str, role: str) -> User:
    """Add a user; the username must be new, the role known and the password non-trivial."""
    username = username.strip()
    if not username or len(username) > 80:
        raise Invalid("username must be 1-80 characters")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise Invalid("password must be at least 8 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"user {username!r} already exists")
    user = User(username=username, role=role, active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (never says which part failed)."""
    global _DUMMY_HASH
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, so a changed token logs out."""
    uid, _, token = user_id.partition(":")
    if not (uid.isascii() and uid.isdigit()) or len(uid) > 10:
        return None
    # Read every request, never cached: a changed session_token or a deactivation must end
    # the session at once. A prepared select, cheaper than session.get's generic path.
    user = db.session.execute(_USER_BY_ID, {"user_id": int(uid)}).scalar_one_or_none()
    if user is None or user.session_token != token or not user.active:
        return None
    return user


_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def unauthorized() -> Any:
    """Anonymous JSON calls get 401; anonymous pages go to the log-in page."""
    if request.path.startswith("/api/"):
        body = {"code": "unauthorized", "message": "log in first"}
        return jsonify(error=body), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def role_required(*roles: str) -> Callable:
    """Allow only logged-in users with one of ``roles`` (403 for the others)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN.value)
curator_required = role_required(Role.ADMIN.value, Role.CURATOR.value)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Activate or deactivate an account; deactivation ends every session of that user."""
    user = get_user(session, user_id)
    if user.id == actor.id and not active:
        raise Invalid("you cannot deactivate your own account")
    user.active = active
    if not active:
        user.session_token = secrets.token_hex(16)
    session.flush()
    return user


def reset_password(session: Session, user_id: int, password: str) -> User:
    """Set a new password; every existing session of that user is logged out."""
    if len(password) < 8:
        raise Invalid("password must be at least 8 characters")
    user = get_user(session, user_id)
    user.set_password(password)
    session.flush()
    return user


USERS_PER_PAGE = 100


def list_users(session: Session, *, limit: int | None = None, offset: int = 0) -> list[User]:
    """Users by name: all, or ``limit`` of them from ``offset``."""
    return list(session.scalars(select(User).order_by(User.username).limit(limit).offset(offset)))


def users_page(session: Session, page: str | None) -> tuple[list[User], Pager]:
    """One page of the users list (``page`` as the query string gives it)."""
    pager = Pager.of(page, USERS_PER_PAGE, session.scalar(select(func.count(User.id))) or 0)
    return list_users(session, limit=pager.per_page, offset=pager.offset), pager
