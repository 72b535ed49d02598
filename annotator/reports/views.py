"""The agreement dashboard (admins): a project's or batch's report, drill-down, downloads."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from annotator.agreement import DISAGREEMENT_KINDS, AgreementReport
from annotator.agreement.arguments import ARGUMENT_DISAGREEMENT_KINDS
from annotator.assignments.models import Batch
from annotator.extensions import db
from annotator.jobs.models import Job, JobState
from annotator.jobs.queries import list_jobs
from annotator.jobs.web import start_job
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.reports import charts, figures, frames_charts, queries, report_job
from annotator.reports.input import SUGGESTION_SPLITS
from annotator.web_input import BadInput, query_int

bp = Blueprint("reports", __name__)

DEFAULT_BOOTSTRAP = 200  # replicates: enough for a stable 95% interval, fast on big projects
PER_PAGE = 20  # sentences per drill-down page
MAX_NAME = 200  # longest annotator name or label a filter may carry


class BadRequest(Exception):
    """A query parameter is malformed; the message says which and why."""


def _bootstrap() -> int:
    return int(current_app.config.get("AGREEMENT_BOOTSTRAP", DEFAULT_BOOTSTRAP))


def _scope(project_id: int) -> queries.Scope:
    """The project (404 if missing) and the ``?batch=`` it is narrowed to (404 if not its own)."""
    project = db.session.get(Project, project_id) or abort(404)
    try:
        batch_id = query_int("batch")
    except BadInput:
        raise BadRequest("batch must be a batch id (a positive integer)") from None
    suggestions = request.args.get("suggestions") or None
    if suggestions is not None and suggestions not in SUGGESTION_SPLITS:
        raise BadRequest(f"suggestions must be one of {', '.join(SUGGESTION_SPLITS)}")
    if batch_id is None:
        return queries.Scope(project, suggestions=suggestions)
    batch = db.session.get(Batch, batch_id)
    if batch is None or batch.project_id != project.id:
        abort(404, description=f"batch {batch_id} is not a batch of this project")
    return queries.Scope(project, batch, suggestions=suggestions)


def _pair_of(name: str) -> tuple[str, str] | None:
    values = request.args.getlist(name)
    if not values:
        return None
    if len(values) != 2 or any(not v or len(v) > MAX_NAME for v in values):
        raise BadRequest(f"{name} takes exactly two values ({name}=A&{name}=B)")
    return values[0], values[1]


def _filters() -> queries.Filters:
    kind = request.args.get("kind") or None
    kinds = (*DISAGREEMENT_KINDS, *ARGUMENT_DISAGREEMENT_KINDS)
    if kind is not None and kind not in kinds:
        raise BadRequest(f"kind must be one of {', '.join(kinds)}")
    label = request.args.get("label") or None
    role = request.args.get("role") or None
    for name, value in (("label", label), ("role", role)):
        if value is not None and len(value) > MAX_NAME:
            raise BadRequest(f"{name} is too long")
    pair = _pair_of("pair")
    if pair is not None and pair[0] == pair[1]:
        raise BadRequest("a pair needs two different annotators")
    filters = queries.Filters(pair=pair, label=label, kind=kind, cell=_pair_of("cell"),
                              role=role)
    if filters.arguments and (label or filters.cell or kind in DISAGREEMENT_KINDS):
        raise BadRequest("label, cell and span kinds filter span disagreements; role and the "
                         "argument kinds filter argument disagreements: not both")
    return filters


def _bad_request_page(err: BadRequest) -> tuple[str, int]:
    return render_template("errors/error.html", code=400, message=str(err)), 400


def _attachment(body: str, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _filename(scope: queries.Scope, ext: str) -> str:
    suffix = f"-batch{scope.batch_id}" if scope.batch is not None else ""
    if scope.suggestions:
        suffix += f"-{scope.suggestions}-suggestions"
    return f"agreement-project{scope.project.id}{suffix}.{ext}"


def _report_or_job(scope: queries.Scope) -> tuple[AgreementReport | None, Job | None]:
    """The report, when it is cached or small enough to compute now (under a second); else
    the background job computing it (found running, or started now), and no report."""
    bootstrap = _bootstrap()
    report = queries.cached_report(db.session, scope, bootstrap=bootstrap)
    if report is not None or queries.finished_annotations(db.session, scope) < current_app.config[
            "AGREEMENT_JOB_MIN_ANNOTATIONS"]:
        return report or queries.get_report(db.session, scope, bootstrap=bootstrap), None
    jobs = [job for job in list_jobs(db.session, project_id=scope.project.id,
                                     kind=report_job.KIND, limit=20)
            if report_job.same_scope(job.params or {}, scope, bootstrap)]
    # Another person's running job is followed only by site admins (its progress is theirs).
    running = next((job for job in jobs if job.active and (
        current_user.is_admin or job.user_id == current_user.id)), None)
    if running is not None:
        return None, running
    fingerprint = queries.report_fingerprint(db.session, scope)
    if any(job.state == JobState.DONE and (job.result or {}).get("fingerprint") == fingerprint
           for job in jobs):
        # Computed for this very data by a worker whose cache this server does not share (the
        # per-process store): compute it here, once, rather than start the job again.
        return queries.get_report(db.session, scope, bootstrap=bootstrap), None
    job = start_job(report_job.KIND, params={"batch_id": scope.batch_id, "bootstrap": bootstrap},
                    project_id=scope.project.id)
    if job.state == JobState.DONE:  # ran at once (JOBS_QUEUE=immediate), in this process
        return queries.get_report(db.session, scope, bootstrap=bootstrap), None
    return None, job


@bp.get("/projects/<int:project_id>/agreement")
@project_access("admin")
def show_agreement(project_id: int) -> ResponseReturnValue:
    """Show the agreement dashboard of a project, or of one batch (``?batch=``)."""
    try:
        scope = _scope(project_id)
        metric = request.args.get("metric", "cohen_kappa")
        if metric not in charts.PAIR_METRICS:
            raise BadRequest(f"metric must be one of {', '.join(charts.PAIR_METRICS)}")
    except BadRequest as err:
        return _bad_request_page(err)
    report, job = _report_or_job(scope)
    batches = queries.list_batches(db.session, scope.project.id)
    if report is None:  # a large report being computed by a job: its progress, then reload
        return render_template("reports/agreement_wait.html", project=scope.project,
                               batch=scope.batch, job=job)
    by_label, by_pair = charts.breakdown_rows(report)
    schema = scope.project.schema
    return render_template(
        "reports/agreement.html",
        project=scope.project,
        batch=scope.batch,
        suggestions=scope.suggestions,
        batches=batches,
        batch_names=queries.batch_names(batches),
        report=report,
        metric=metric,
        metrics=charts.PAIR_METRICS,
        summary=charts.summary_rows(report),
        heatmap=charts.pair_heatmap(report.annotators, charts.pair_cells(report.per_pair, metric),
                                    metric),
        bars=charts.label_bars(report.labels, charts.label_estimates(report.per_label)),
        label_metrics=charts.LABEL_METRICS,
        label_stack=charts.stacked_bars(by_label),
        pair_stack=charts.stacked_bars(by_pair),
        confusion=charts.confusion_grid(report.confusion.labels, report.confusion.spans),
        argument_metrics=frames_charts.ARGUMENT_METRICS,
        argument_kinds=frames_charts.ARGUMENT_KIND_NAMES,
        role_bars=charts.label_bars(report.roles, frames_charts.role_estimates(report.per_role),
                                    tuple(frames_charts.ARGUMENT_METRICS)),
        argument_stack=charts.stacked_bars(frames_charts.argument_breakdown(report),
                                           kinds=frames_charts.ARGUMENT_KIND_NAMES),
        kinds=charts.KIND_NAMES,
        colors={lb.key: lb.color for lb in schema.labels},
        fmt=charts.fmt,
        short=charts.short,
    )


@bp.get("/batches/<int:batch_id>/agreement")
@project_access("admin")
def show_batch_agreement(batch_id: int) -> ResponseReturnValue:
    """Redirect to the project's dashboard narrowed to the batch."""
    batch = db.session.get(Batch, batch_id) or abort(404)
    return redirect(url_for("reports.show_agreement", project_id=batch.project_id,
                            batch=batch.id))


@bp.get("/projects/<int:project_id>/agreement/disagreements")
@project_access("admin")
def list_disagreements(project_id: int) -> ResponseReturnValue:
    """List the sentences holding the disagreements the filters ask for, a page at a time."""
    try:
        scope = _scope(project_id)
        filters = _filters()
    except BadRequest as err:
        return _bad_request_page(err)
    hits = queries.list_disagreement_hits(db.session, scope, filters)
    pages = max((len(hits) + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    shown = hits[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "reports/disagreements.html",
        project=scope.project,
        batch=scope.batch,
        filters=filters,
        sentences=queries.describe_hits(db.session, scope, filters, shown),
        total_sentences=len(hits),
        total=sum(h.count for h in hits),
        page=page,
        pages=pages,
        per_page=PER_PAGE,
        batch_names=queries.batch_names(queries.list_batches(db.session, scope.project.id)),
        kinds={**charts.KIND_NAMES, **frames_charts.ARGUMENT_KIND_NAMES},
        colors={lb.key: lb.color for lb in scope.project.schema.labels},
    )


@bp.get("/projects/<int:project_id>/agreement.json")
@project_access("admin")
def download_json(project_id: int) -> ResponseReturnValue:
    """Send the report as JSON (``AgreementReport.to_json()``)."""
    try:
        scope = _scope(project_id)
    except BadRequest as err:
        return jsonify(error={"code": "bad_request", "message": str(err)}), 400
    report = queries.get_report(db.session, scope, bootstrap=_bootstrap())
    data = report.to_json()
    if scope.suggestions is not None:  # which annotations the figures read
        data = {"suggestions": scope.suggestions, **data}
    body = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    return _attachment(body, "application/json; charset=utf-8", _filename(scope, "json"))


@bp.get("/projects/<int:project_id>/agreement.csv")
@project_access("admin")
def download_csv(project_id: int) -> ResponseReturnValue:
    """Send every figure of the report as one CSV row."""
    try:
        scope = _scope(project_id)
    except BadRequest as err:
        return _bad_request_page(err)
    report = queries.get_report(db.session, scope, bootstrap=_bootstrap())
    body = figures.rows_to_csv(figures.report_rows(report))
    return _attachment(body, "text/csv; charset=utf-8", _filename(scope, "csv"))
