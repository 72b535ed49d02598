"""Who may see a project and what they may do there: the reads behind every access check.

A project is visible to its members and to site admins; to anyone else it does not exist
(404). Inside it a member acts with the higher of their site role and their role in the
project; a site admin is an admin of every project. The rule is written down in
docs/access.md; ``annotator.projects.guards`` applies it to every route that takes an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, select
from sqlalchemy.orm import Session

from annotator.assignments.models import Batch
from annotator.audit.models import AuditEvent
from annotator.auth.models import Role, User
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import PROJECT_ROLES, Project, ProjectMember

RANK = {role: rank for rank, role in enumerate(PROJECT_ROLES)}


@dataclass(frozen=True)
class Access:
    """A user's standing in one project: which project, and the role they act with there."""

    project_id: int
    role: str  # "annotator" | "curator" | "admin"

    def allows(self, need: str) -> bool:
        """True when this role is ``need`` or above."""
        return RANK[self.role] >= RANK[need]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_curator(self) -> bool:
        """Curators and admins: those who adjudicate."""
        return self.allows(Role.CURATOR)


def acting_role(site_role: str, project_role: str | None) -> str | None:
    """The role a user acts with in a project, or None when they may not see it."""
    if site_role == Role.ADMIN:
        return Role.ADMIN.value
    if project_role is None:
        return None
    return max((site_role, project_role), key=lambda r: RANK.get(r, -1))


def _project_column(kind: str) -> tuple[Any, Any]:
    """The (project id column, id column) of one kind of id a URL can carry."""
    return {
        "project": (Project.id, Project.id),
        "batch": (Batch.project_id, Batch.id),
        "document": (Document.project_id, Document.id),
        "sentence": (Sentence.project_id, Sentence.id),
        "event": (Sentence.project_id, AuditEvent.id),
    }[kind]


def _lookup(kind: str):
    project_id, object_id = _project_column(kind)
    query = select(project_id, ProjectMember.role)
    if kind == "event":  # a history event belongs to the project of its sentence
        query = query.select_from(AuditEvent).join(Sentence, Sentence.id == AuditEvent.sentence_id)
    return query.outerjoin(
        ProjectMember,
        and_(ProjectMember.project_id == project_id,
             ProjectMember.user_id == bindparam("user_id")),
    ).where(object_id == bindparam("object_id"))


# One prepared statement per kind of id: the object's project and the user's membership of it.
KINDS = ("project", "batch", "document", "sentence", "event")
_LOOKUPS = {kind: _lookup(kind) for kind in KINDS}


def access_to(session: Session, user: User, kind: str, object_id: int) -> Access | None:
    """The user's access to the project of a ``kind`` object; None when it does not exist or
    the user may not see it (the two look the same to them: 404)."""
    row = session.execute(
        _LOOKUPS[kind], {"user_id": user.id, "object_id": object_id}).one_or_none()
    if row is None:
        return None
    role = acting_role(user.role, row[1])
    return Access(project_id=row[0], role=role) if role is not None else None


def visible_to(user: User, project_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of projects this user may see (``project_id``: the
    column naming each row's project)."""
    if user.role == Role.ADMIN:
        return project_id.isnot(None)
    return exists().where(
        ProjectMember.project_id == project_id, ProjectMember.user_id == user.id)


def list_visible_projects(session: Session, user: User) -> list[Project]:
    """The projects this user may see, by name."""
    return list(session.scalars(
        select(Project).where(visible_to(user, Project.id)).order_by(Project.name)))


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    username: str
    site_role: str
    role: str  # in the project
    active: bool


def list_members(session: Session, project_id: int) -> list[MemberRow]:
    """The project's members by name, with their role there and on the site."""
    rows = session.execute(
        select(User.id, User.username, User.role, ProjectMember.role, User.active)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id)
        .order_by(User.username)
    )
    return [MemberRow(*r) for r in rows]


def list_non_members(session: Session, project_id: int) -> list[str]:
    """Names of the active users who are not members of the project (for the add form)."""
    return list(session.scalars(
        select(User.username)
        .where(User.active.is_(True), ~exists().where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == User.id))
        .order_by(User.username)
    ))


def role_in_project(session: Session, user: User, project_id: int) -> str | None:
    """The role this user acts with in the project (None: they may not see it).

    For services that check a role again below the web layer's guard (and for commands).
    """
    member_role = session.scalar(select(ProjectMember.role).where(
        ProjectMember.project_id == project_id, ProjectMember.user_id == user.id))
    return acting_role(user.role, member_role)


def may(session: Session, user: User, project_id: int, need: str) -> bool:
    """True when the user acts in the project with role ``need`` or above."""
    role = role_in_project(session, user, project_id)
    return role is not None and RANK[role] >= RANK[need]


def list_projects_with_roles(session: Session, user: User) -> list[tuple[Project, str]]:
    """The projects this user may see, by name, each with the role they act with there."""
    roles = dict(session.execute(
        select(ProjectMember.project_id, ProjectMember.role)
        .where(ProjectMember.user_id == user.id)).all())
    found = []
    for project in list_visible_projects(session, user):
        role = acting_role(user.role, roles.get(project.id))
        if role is not None:
            found.append((project, role))
    return found
