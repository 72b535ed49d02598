"""Export pages: the options page and the streamed downloads (gold standard, dataset card)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from annotator.auth.services import role_required
from annotator.errors import Invalid
from annotator.export import formats, services
from annotator.extensions import db
from annotator.projects.models import Project

bp = Blueprint("export", __name__)

curator_required = role_required("admin", "curator")

CONTENT_TYPES = {
    "gold-json": "application/json; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "conll": "text/plain; charset=utf-8",
}


def _options(default_format: str | None = None) -> services.ExportOptions:
    args = request.args
    return services.parse_options(
        args.get("format", default_format),
        split=args.get("split"),
        seed=args.get("seed"),
        part=args.get("part"),
        include_annotations=args.get("include_annotations", "0"),
        complete_only=args.get("complete_only", "0"),
    )


def _refused(err: Invalid):
    # A download link opened in the browser: an HTML page saying what was wrong, not JSON.
    return render_template("errors/error.html", code=422, message=err.message), 422


def _attachment(body, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/projects/<int:project_id>/export")
@curator_required
def show_export(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    return render_template(
        "export/export.html",
        project=project,
        overview=services.gold_overview(db.session, project.id),
        formats=formats.FORMATS,
    )


@bp.get("/projects/<int:project_id>/export/download")
@curator_required
def download(project_id: int):
    try:
        options = _options()
    except Invalid as err:
        return _refused(err)
    services.begin_consistent_read(db.session)
    project = db.session.get(Project, project_id) or abort(404)
    prepared = services.prepare_export(
        db.session, project, options, with_agreement=options.format == "gold-json"
    )
    tally = formats.make_tally(prepared.header)
    # The app context stays open while the response streams: the chunks query as they go.
    body = stream_with_context(services.stream_export(db.session, prepared, tally))
    return _attachment(
        body, CONTENT_TYPES[options.format], services.export_filename(project, options)
    )


@bp.get("/projects/<int:project_id>/export/card")
@curator_required
def download_card(project_id: int):
    try:
        options = _options(default_format="gold-json")
    except Invalid as err:
        return _refused(err)
    services.begin_consistent_read(db.session)
    project = db.session.get(Project, project_id) or abort(404)
    prepared = services.prepare_export(db.session, project, options)
    card = services.build_card(db.session, prepared)
    return _attachment(
        card, "text/markdown; charset=utf-8",
        services.export_filename(project, options, card=True),
    )
