"""Per-project adjudication settings an admin may change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from annotator.adjudication.models import AdjudicationSetting
from annotator.auth.models import Role, User
from annotator.errors import Forbidden, NotFound
from annotator.projects.access import may
from annotator.projects.models import Project


def set_show_names(session: Session, admin: User, project_id: int, show: bool) -> None:
    """Let curators of the project see annotators' names (admins only)."""
    if session.get(Project, project_id) is None:
        raise NotFound(f"project {project_id} does not exist")
    if not may(session, admin, project_id, Role.ADMIN):
        raise Forbidden("only admins of this project change adjudication settings")
    setting = session.get(AdjudicationSetting, project_id)
    if setting is None:
        session.add(AdjudicationSetting(project_id=project_id, show_names=show))
    else:
        setting.show_names = show
    session.flush()
