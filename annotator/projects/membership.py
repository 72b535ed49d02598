"""Add and remove a project's members (the writes; reads are in ``access``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from annotator.assignments.models import Assignment, Batch
from annotator.auth.models import User
from annotator.errors import Invalid, NotFound
from annotator.projects.models import PROJECT_ROLES, Project, ProjectMember


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(f"no user named {username.strip()!r}")
    return user


def _project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    return project


def add_member(session: Session, project_id: int, username: str, role: str) -> ProjectMember:
    """Make a user a member of the project with ``role``, or change the role of a member."""
    if role not in PROJECT_ROLES:
        raise Invalid(f"role must be one of {', '.join(PROJECT_ROLES)}, not {role!r}")
    _project(session, project_id)
    user = _user(session, username)
    member = session.get(ProjectMember, (project_id, user.id))
    if member is None:
        member = ProjectMember(project_id=project_id, user_id=user.id, role=role)
        session.add(member)
    else:
        member.role = role
    session.flush()
    return member


def remove_member(session: Session, project_id: int, username: str) -> User:
    """End a user's membership of the project; their annotations and gold stay.

    Refused while they still have unfinished sentences in a live batch of the project (their
    queue would point into a project they can no longer open): reassign those first.
    """
    return _remove(session, _project(session, project_id), _user(session, username))


def remove_member_by_id(session: Session, project_id: int, user_id: int) -> User:
    """``remove_member`` for a user given by id (the project page's button)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return _remove(session, _project(session, project_id), user)


def _remove(session: Session, project: Project, user: User) -> User:
    member = session.get(ProjectMember, (project.id, user.id))
    if member is None:
        raise Invalid(f"{user.username} is not a member of {project.name}")
    unfinished = session.scalar(select(exists().where(
        Assignment.annotator_id == user.id,
        Assignment.finished.is_(False),
        Assignment.batch_id == Batch.id,
        Batch.project_id == project.id,
        Batch.archived_at.is_(None),
    )))
    if unfinished:
        raise Invalid(
            f"{user.username} has unfinished work in a batch of {project.name}: "
            "reassign it first (annotator reassign-batch)")
    session.delete(member)
    session.flush()
    return user


def ensure_members(
    session: Session, project_id: int, user_ids: Iterable[int], role: str = "annotator"
) -> int:
    """Make these users members with ``role`` where they are not members yet; returns how many
    were added (existing members keep their role)."""
    wanted = set(user_ids)
    if not wanted:
        return 0
    present = set(session.scalars(select(ProjectMember.user_id).where(
        ProjectMember.project_id == project_id, ProjectMember.user_id.in_(wanted))))
    for user_id in sorted(wanted - present):
        session.add(ProjectMember(project_id=project_id, user_id=user_id, role=role))
    session.flush()
    return len(wanted - present)
