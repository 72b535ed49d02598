"""The one access check of every route that names a project or something inside one.

``@project_access(need)`` reads the id the route carries (``project_id``, ``batch_id``,
``document_id``, ``sentence_id`` or ``event_id``), finds its project and the user's standing
there (``access.access_to``, one query), and answers 404 when the object does not exist or
the user is no member (the two look alike: nobody learns which projects exist), 403 when the
member's role is below ``need``. The view then finds the standing in ``current_access()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn

from flask import Flask, abort, g, request
from flask_login import current_user

from annotator.auth.services import unauthorized
from annotator.errors import Forbidden, NotFound
from annotator.extensions import db
from annotator.projects.access import KINDS, RANK, Access, access_to
from annotator.projects.models import Project
from annotator.projects.navigation import NavLink, project_nav

# The name a route gives each kind of id.
ARGUMENTS = {f"{kind}_id": kind for kind in KINDS}


def _refuse(status: int, message: str) -> NoReturn:
    """A JSON error under /api (the API's error shape), an error page elsewhere."""
    if request.path.startswith("/api/"):
        raise (NotFound if status == 404 else Forbidden)(message)
    abort(status, description=message)


def require_access(kind: str, object_id: int, need: str = "annotator") -> Access:
    """The logged-in user's access to the project of this object, or 404 / 403."""
    found = access_to(db.session, current_user, kind, object_id)
    if found is None:
        _refuse(404, f"{kind} {object_id} does not exist")
    if not found.allows(need):
        _refuse(403, f"this needs the role {need} in this project")
    g.project_access = found
    return found


def current_access() -> Access | None:
    """The standing the route's guard found for this request (None outside a project)."""
    return g.get("project_access")


def project_access(need: str = "annotator") -> Callable[[Callable], Callable]:
    """Let only logged-in members of the route's project with role ``need`` or above in."""
    if need not in RANK:
        raise ValueError(f"unknown project role {need!r}")

    def decorator(view: Callable) -> Callable:
        signature = inspect.signature(view)
        names = [p for p in signature.parameters if p in ARGUMENTS]
        if not names:
            raise TypeError(f"{view.__name__} takes none of {', '.join(ARGUMENTS)}")
        argument = names[0]

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorized()
            object_id = kwargs.get(argument)  # Flask passes URL values by name
            if object_id is None:
                object_id = signature.bind_partial(*args, **kwargs).arguments[argument]
            require_access(ARGUMENTS[argument], object_id, need)
            return view(*args, **kwargs)

        wrapped.project_access = need  # type: ignore[attr-defined]  # read by the route tests

        return wrapped

    return decorator


@dataclass(frozen=True)
class ProjectNav:
    name: str  # the project's
    links: list[NavLink]


def _template_access() -> dict[str, Any]:
    here = current_access()
    nav = None
    if here is not None:
        project = db.session.get(Project, here.project_id)  # the view's own, usually
        if project is not None:
            nav = ProjectNav(project.name, project_nav(here.role, request.endpoint))
    return {"here": here, "project_nav": nav}


def register_template_access(app: Flask) -> None:
    """Templates of a project's pages read the user's standing there as ``here``, and the
    project's navigation bar (``navigation.project_nav``) as ``project_nav``."""
    app.context_processor(_template_access)
