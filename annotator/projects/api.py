"""JSON API of projects: the caller's projects, and a project's sentences searched and
filtered as on the sentence list page (``sentence_list``), a page at a time."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user, login_required

from annotator.api_pages import page_arguments, page_envelope
from annotator.extensions import db
from annotator.projects import sentence_list
from annotator.projects.access import list_projects_with_roles
from annotator.projects.guards import current_access, project_access
from annotator.projects.models import Project
from annotator.web_input import BadInput

api_bp = Blueprint("projects_api", __name__, url_prefix="/api")


@api_bp.get("/projects")
@login_required
def list_projects():
    """The projects the caller may see (all of them for a site admin), with their role there."""
    return jsonify(projects=[
        {"id": p.id, "name": p.name, "role": role, "created_at": p.created_at.isoformat()}
        for p, role in list_projects_with_roles(db.session, current_user)
    ])


def sentence_json(row: sentence_list.ListedSentence, role: str) -> dict[str, Any]:
    """One listed sentence as the API shows it to a viewer of ``role`` (as the page does)."""
    shown: dict[str, Any] = {
        "id": row.id, "document_id": row.document_id, "document_title": row.document_title,
        "index": row.index, "text": row.text, "excluded": row.excluded,
        "status": row.status or sentence_list.NOT_STARTED, "spans": row.spans,
    }
    if role != "annotator":
        shown["gold"] = row.gold or "none"
        shown["counts"] = row.counts
    if role == "admin":
        shown["annotators"] = [{"name": s.name, "status": s.status, "flagged": s.flagged}
                               for s in row.statuses]
    return shown


@api_bp.get("/projects/<int:project_id>/sentences")
@project_access("annotator")
def list_sentences(project_id: int):
    """The project's sentences in reading order, filtered like the sentence list page (a
    filter value that is not one is refused: 400 naming it)."""
    page, per_page = page_arguments(current_app.config["SENTENCES_PER_PAGE"])
    project = db.session.get(Project, project_id)
    here = current_access()
    args = {**request.args.to_dict(), "page": page}
    shown = sentence_list.sentence_list_view(db.session, here, current_user, project.schema,
                                             args, per_page)
    if shown.problems:
        raise BadInput("; ".join(shown.problems))
    return jsonify(page_envelope([sentence_json(r, here.role) for r in shown.page.rows],
                                 shown.page.pager))
