"""Export pages: the options page, the streamed downloads (gold standard, dataset card) and
the export file prepared by a background job; and the way back in, the annotation import page."""

from __future__ import annotations

from collections.abc import Iterable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from annotator.adjudication.blinding import export_names
from annotator.auth.services import role_required
from annotator.errors import Invalid
from annotator.export import export_job, import_job, services
from annotator.export.agreement_summary import bootstrap_setting
from annotator.export.docbin import spacy_installed
from annotator.export.foreign_import import FORMAT_NAMES
from annotator.export.formats import FORMATS
from annotator.export.forms import ImportAnnotationsForm
from annotator.export.labelstudio import labelstudio_config
from annotator.export.options import ExportOptions, parse_options
from annotator.export.reading import gold_overview
from annotator.export.tally import make_tally
from annotator.extensions import db
from annotator.jobs.models import JobState
from annotator.jobs.web import shown_job, start_job
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.transactions import start_consistent_read, unit_of_work

bp = Blueprint("export", __name__)

curator_required = role_required("admin", "curator")


def _options(default_format: str | None = None) -> ExportOptions:
    args = request.args
    return parse_options(
        args.get("format", default_format),
        split=args.get("split"),
        seed=args.get("seed"),
        part=args.get("part"),
        include_annotations=args.get("include_annotations", "0"),
        complete_only=args.get("complete_only", "0"),
    )


def _refused(err: Invalid) -> tuple[str, int]:
    # A download link opened in the browser: an HTML page saying what was wrong, not JSON.
    return render_template("errors/error.html", code=422, message=err.message), 422


def _pseudonyms(project_id: int) -> dict[str, str] | None:
    """Blind adjudication: the export's pseudonyms for this viewer (assigned, then committed
    before the consistent read starts), or None when they see names."""
    with unit_of_work(db.session):
        return export_names(db.session, current_user, project_id)


def _attachment(
    body: Iterable[str] | Iterable[bytes] | str, content_type: str, filename: str
) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/projects/<int:project_id>/export")
@project_access("curator")
def show_export(project_id: int) -> str:
    """Show the export page: how much gold there is, and the download options."""
    project = db.session.get(Project, project_id) or abort(404)
    overview = gold_overview(db.session, project.id)
    return render_template(
        "export/export.html",
        project=project,
        overview=overview,
        formats=FORMATS,
        spacy_ready=spacy_installed(),
        # Small enough to stream while the browser waits (measured under a second).
        direct=overview["sentences"] <= current_app.config["EXPORT_DIRECT_MAX_SENTENCES"],
        job=shown_job(export_job.KIND, project_id=project.id),
    )


@bp.post("/projects/<int:project_id>/export/prepare")
@project_access("curator")
def prepare_file(project_id: int) -> Response:
    """Start a background job writing the chosen export into a file the page then offers."""
    project = db.session.get(Project, project_id) or abort(404)
    fields = {name: request.form.get(name) for name in export_job.OPTION_NAMES}
    fields["include_annotations"] = fields["include_annotations"] or "0"
    fields["complete_only"] = fields["complete_only"] or "0"
    page = redirect(url_for("export.show_export", project_id=project.id))
    try:
        export_job.job_options(fields)
    except Invalid as err:
        flash(f"No file prepared: {err.message}", "error")
        return page
    job = start_job(export_job.KIND, params={
        "options": fields, "pseudonyms": _pseudonyms(project.id)}, project_id=project.id)
    if job.state == JobState.FAILED:
        flash(f"No file prepared: {job.error}", "error")
    return page


@bp.get("/help/export-formats")
@login_required
def show_formats() -> str:
    """What each export format holds, the split and its seed, and the dataset card."""
    return render_template("export/formats.html")


@bp.get("/help/import-formats")
@login_required
def show_import_formats() -> str:
    """What each import format is read as: doccano, Label Studio, brat, CoNLL and ours."""
    return render_template("export/import_formats.html")


@bp.route("/projects/<int:project_id>/import-annotations", methods=["GET", "POST"])
@project_access("admin")
def import_annotations_page(project_id: int) -> tuple[str, int] | Response:
    """Import annotations made here or in another tool as pre-annotations or gold: the page
    queues the import as a job and shows its progress, then its outcome."""
    project = db.session.get(Project, project_id) or abort(404)
    form = ImportAnnotationsForm()
    status = 200
    if form.validate_on_submit():
        files = [(f.filename or "upload", f.read()) for f in form.files.data]
        gold = form.mode.data == "gold"
        params = import_job.import_params(
            form.format.data, form.mode.data,
            annotator=None if gold else form.annotator.data.strip(),
            curator=current_user.username if gold else None,
            skip_invalid=form.skip_invalid.data, text_key=form.text_key.data,
        )
        job = start_job(import_job.KIND, params=params, files=files, project_id=project.id)
        if job.state == JobState.FAILED:  # ran at once (JOBS_QUEUE=immediate) and refused
            flash(f"Import refused, nothing stored: {job.error.splitlines()[0]}"
                  if job.error else "Import refused, nothing stored", "error")
            status = 422
        elif job.state != JobState.DONE:  # queued: the page shows its progress
            return redirect(url_for("export.import_annotations_page", project_id=project.id),
                            code=303)
    elif form.errors:
        status = 422
    job = shown_job(import_job.KIND, project_id=project.id)
    if job is not None and request.method == "GET":
        form.keep_options(job.params or {})
    return render_template(
        "export/import.html", project=project, form=form, job=job,
        problems=import_job.refusal_lines(job.error) if job and job.state == "failed" else [],
        formats=FORMAT_NAMES,
    ), status


@bp.get("/projects/<int:project_id>/export/download")
@project_access("curator")
def download(project_id: int) -> Response | tuple[str, int]:
    """Stream the gold standard in the chosen format as a download."""
    try:
        options = _options()
    except Invalid as err:
        return _refused(err)
    pseudonyms = _pseudonyms(project_id)
    start_consistent_read(db.session)
    project = db.session.get(Project, project_id) or abort(404)
    prepared = services.prepare_export(
        db.session, project, options, with_agreement=options.format == "gold-json",
        bootstrap=bootstrap_setting(current_app.config), pseudonyms=pseudonyms,
    )
    tally = make_tally(prepared.header)
    # The app context stays open while the response streams: the chunks query as they go.
    body = stream_with_context(services.stream_export(db.session, prepared, tally))
    return _attachment(
        body, services.MEDIA_TYPES[options.format], services.export_filename(project, options)
    )


@bp.get("/projects/<int:project_id>/export/card")
@project_access("curator")
def download_card(project_id: int) -> Response | tuple[str, int]:
    """Send the dataset card alone, as Markdown."""
    try:
        options = _options(default_format="gold-json")
    except Invalid as err:
        return _refused(err)
    pseudonyms = _pseudonyms(project_id)
    start_consistent_read(db.session)
    project = db.session.get(Project, project_id) or abort(404)
    prepared = services.prepare_export(
        db.session, project, options, bootstrap=bootstrap_setting(current_app.config),
        pseudonyms=pseudonyms,
    )
    card = services.build_card(db.session, prepared)
    return _attachment(
        card, "text/markdown; charset=utf-8",
        services.export_filename(project, options, card=True),
    )


@bp.get("/projects/<int:project_id>/export/labelstudio-config")
@project_access("curator")
def download_labelstudio_config(project_id: int) -> Response:
    """Send the Label Studio labelling config (XML) that matches the labelstudio export."""
    project = db.session.get(Project, project_id) or abort(404)
    return _attachment(
        labelstudio_config(project.label_schema), "application/xml; charset=utf-8",
        services.labelstudio_config_filename(project),
    )
