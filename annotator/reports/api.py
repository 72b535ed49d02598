"""JSON API of agreement: a project's (or one batch's) agreement report, as the agreement page
and ``annotator agreement --format json`` compute it (admins)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from annotator.assignments.models import Batch
from annotator.errors import NotFound
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.reports import queries
from annotator.reports.views import DEFAULT_BOOTSTRAP
from annotator.web_input import query_int

api_bp = Blueprint("reports_api", __name__, url_prefix="/api")


@api_bp.get("/projects/<int:project_id>/agreement")
@project_access("admin")
def get_agreement(project_id: int):
    """The agreement report (``AgreementReport.to_json()``) of the project, or of one of its
    batches (``?batch=``); finished annotations only, 95% intervals by bootstrap."""
    project = db.session.get(Project, project_id)
    batch_id = query_int("batch")  # 400 when not an id
    batch = None
    if batch_id is not None:
        batch = db.session.get(Batch, batch_id)
        if batch is None or batch.project_id != project_id:
            raise NotFound(f"batch {batch_id} is not a batch of this project")
    bootstrap = int(current_app.config.get("AGREEMENT_BOOTSTRAP", DEFAULT_BOOTSTRAP))
    report = queries.get_report(db.session, queries.Scope(project, batch), bootstrap=bootstrap)
    return jsonify(report.to_json())
