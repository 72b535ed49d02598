"""JSON API of exports: the project's gold streamed in any export format, with the options of
the export page and ``annotator export`` (curators and admins)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, stream_with_context
from flask_login import current_user

from annotator.adjudication.blinding import export_names
from annotator.export import services
from annotator.export.agreement_summary import bootstrap_setting
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.transactions import start_consistent_read, unit_of_work

api_bp = Blueprint("export_api", __name__, url_prefix="/api")


@api_bp.get("/projects/<int:project_id>/export")
@project_access("curator")
def stream_export(project_id: int) -> Response:
    """Stream the gold standard as a download (``format``, ``split``, ``seed``, ``part``,
    ``include_annotations``, ``complete_only`` as on the export page; bad options: 422)."""
    args = request.args
    options = parse_options(
        args.get("format", "gold-json"), split=args.get("split"), seed=args.get("seed"),
        part=args.get("part"), include_annotations=args.get("include_annotations", "0"),
        complete_only=args.get("complete_only", "0"),
    )
    with unit_of_work(db.session):  # blind adjudication: pseudonyms stored before the read
        pseudonyms = export_names(db.session, current_user, project_id)
    start_consistent_read(db.session)
    project = db.session.get(Project, project_id)
    prepared = services.prepare_export(
        db.session, project, options, with_agreement=options.format == "gold-json",
        bootstrap=bootstrap_setting(current_app.config), pseudonyms=pseudonyms,
    )
    body = stream_with_context(services.stream_export(db.session, prepared,
                                                      make_tally(prepared.header)))
    response = Response(body, content_type=services.MEDIA_TYPES[options.format])
    filename = services.export_filename(project, options)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
