"""Accounts: creation, passwords, log-in checks, the Flask-Login loader and role guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from annotator.auth import api_tokens, sessions
from annotator.auth.models import ROLES, Role, User
from annotator.auth.names import username_key, username_problem
from annotator.auth.passwords import password_problem
from annotator.errors import Invalid, NotFound
from annotator.extensions import db
from annotator.paging import Pager

# A real hash to compare against when the user does not exist, so both paths cost the same.
_DUMMY_HASH: str | None = None


def check_password_policy(username: str, password: str) -> None:
    """Raise Invalid, saying why, when ``password`` may not be ``username``'s password."""
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(problem[0].upper() + problem[1:] + ".")


def create_user(session: Session, username: str, password: str, role: str) -> User:
    """Add a user; the name must be new (compared case-folded), the role known and the
    password good enough (``auth.passwords``)."""
    username = username.strip()
    problem = username_problem(username)
    if problem is not None:
        raise Invalid(problem[0].upper() + problem[1:] + ".")
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}.")
    check_password_policy(username, password)
    key = username_key(username)
    taken = session.scalar(select(User.username).where(User.username_key == key))
    if taken is not None:
        same = "" if taken == username else f" (as {taken!r}; names differing only in case " \
            "or width are one name)"
        raise Invalid(f"User {username!r} already exists{same}.")
    user = User(username=username, username_key=key, role=role, active=True)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (never says which part failed).
    The name is matched by its key, so any case variant of it logs in."""
    global _DUMMY_HASH
    key = username_key(username)
    # A name no account can have (NUL, over-long) is not looked up: PostgreSQL refuses NUL.
    possible = "\x00" not in key and len(key) <= 80
    user = session.scalar(select(User).where(User.username_key == key)) if possible else None
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id is the secret of a log-in session kept in the database, read
    on every request (never cached), so an ended session or a deactivation counts at once."""
    return sessions.user_for_key(db.session, user_id)


def unauthorized() -> Any:
    """Anonymous JSON calls get 401 (with the challenge RFC 9110 asks for: a personal API token
    as ``Authorization: Bearer``); anonymous pages go to the log-in page."""
    if request.path.startswith("/api/"):
        body = {"code": "unauthorized", "message": "log in first, or send an API token as "
                                                   "Authorization: Bearer <token>"}
        return jsonify(error=body), 401, {"WWW-Authenticate": f'Bearer realm="{api_tokens.REALM}"'}
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
        raise Invalid("You cannot deactivate your own account.")
    user.active = active
    if not active:
        sessions.end_sessions(session, user.id)
    session.flush()
    return user


def reset_password(session: Session, user_id: int, password: str) -> User:
    """An admin sets a new password; every existing session of that user is ended."""
    user = get_user(session, user_id)
    check_password_policy(user.username, password)
    user.set_password(password)
    sessions.end_sessions(session, user.id)
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str,
                    **new_session: Any) -> int:
    """A user changes their own password, proving the current one; every other session of
    theirs ends. The one they use goes on under a new secret (``user.login_key``; a copy of
    its old cookie opens nothing either), started with ``new_session``
    (``sessions.start_session``'s keywords). Returns the number of other sessions ended."""
    if not user.check_password(current):
        raise Invalid("The current password is wrong; the password was not changed.")
    if new == current:
        raise Invalid("The new password is the same as the current one.")
    check_password_policy(user.username, new)
    user.set_password(new)
    ended = sessions.end_sessions(session, user.id, keep=user.login_key)
    sessions.end_session(session, user.login_key)
    sessions.start_session(session, user, **new_session)
    return ended


def log_out_everywhere(session: Session, user_id: int) -> int:
    """End every session of a user (their own choice, or an admin's); return how many."""
    user = get_user(session, user_id)
    return sessions.end_sessions(session, user.id)


USERS_PER_PAGE = 100


def list_users(session: Session, *, limit: int | None = None, offset: int = 0) -> list[User]:
    """Users by name: all, or ``limit`` of them from ``offset``."""
    return list(session.scalars(select(User).order_by(User.username).limit(limit).offset(offset)))


def users_page(session: Session, page: str | None) -> tuple[list[User], Pager]:
    """One page of the users list (``page`` as the query string gives it)."""
    pager = Pager.of(page, USERS_PER_PAGE, session.scalar(select(func.count(User.id))) or 0)
    return list_users(session, limit=pager.per_page, offset=pager.offset), pager
