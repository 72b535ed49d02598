"""Reads about users: who may be given work, and finding one by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.auth.models import User


def list_active_usernames(session: Session) -> list[str]:
    """Names of the users who can log in, in alphabetical order."""
    return list(session.scalars(
        select(User.username).where(User.active.is_(True)).order_by(User.username)))


def find_user(session: Session, username: str) -> User | None:
    """The user called ``username``, or None."""
    return session.scalar(select(User).where(User.username == username))
