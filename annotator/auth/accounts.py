"""Change an account's role, and delete an account that holds no work (else deactivate it)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldDecision, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation
from annotator.assignments.models import Assignment, Batch
from annotator.audit.models import AuditEvent
from annotator.auth.models import ROLES, Role, User
from annotator.errors import Invalid, NotFound
from annotator.projects.models import GuidelinesVersion

# What counts as work, in words, and the columns that name the user in its rows.
_WORK = (
    ("annotation", "annotations", (Annotation.annotator_id,)),
    ("assignment", "assignments", (Assignment.annotator_id,)),
    ("recorded change", "recorded changes", (AuditEvent.actor_id, AuditEvent.owner_id)),
    ("gold span", "gold spans", (GoldSpanRow.curator_id,)),
    ("adjudication decision", "adjudication decisions", (GoldDecision.curator_id,)),
    ("closed gold sentence", "closed gold sentences", (GoldSentence.closed_by_id,)),
    ("batch created", "batches created", (Batch.created_by_id,)),
    ("guidelines publication", "guidelines publications", (GuidelinesVersion.published_by,)),
)


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.active.is_(True))) or 0


def set_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """Give a user another role (not one's own: an admin cannot lock everyone out)."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    user = _get(session, user_id)
    if user.id == actor.id:
        raise Invalid("you cannot change your own role")
    if user.role == Role.ADMIN.value and role != user.role and user.active and (
            _active_admins(session) <= 1):
        raise Invalid("the last active admin keeps the admin role")
    user.role = role
    session.flush()
    return user


def count_work(session: Session, user_id: int) -> list[str]:
    """The user's work in words ("3 annotations", "1 assignment"), empty when none."""
    found = []
    for one, many, columns in _WORK:
        n = session.scalar(
            select(func.count()).where(or_(*(column == user_id for column in columns)))) or 0
        if n:
            found.append(f"{n} {one if n == 1 else many}")
    return found


def delete_user(session: Session, actor: User, user_id: int) -> str:
    """Delete an account that has no work; return its name.

    Raises:
        Invalid: it is the actor's own account, or it has work (listed: deactivate it instead,
            which keeps its annotations and history).
    """
    user = _get(session, user_id)
    if user.id == actor.id:
        raise Invalid("you cannot delete your own account")
    work = count_work(session, user.id)
    if work:
        raise Invalid(f"{user.username} has work ({', '.join(work)}); deactivate the account "
                      "instead, which keeps it")
    name = user.username
    session.delete(user)
    session.flush()
    return name
