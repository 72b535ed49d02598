"""Admin pages of background jobs: every job with its state, and one job with its log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from annotator.auth.services import admin_required
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.jobs import queries
from annotator.jobs.models import STATE_FILTERS, Job
from annotator.jobs.registry import title_of

bp = Blueprint("jobs", __name__)


def job_message(job: Job) -> str:
    """The line a panel shows for a job: its message, with the percentage while it runs."""
    if job.active:
        return f"{job.message} ({round(100 * (job.progress or 0))}%)"
    return job.message or job.state


@bp.record_once
def add_template_helpers(state) -> None:
    """``job_title`` and ``job_message`` for every template (imported macros included)."""
    state.app.jinja_env.globals.update(job_title=title_of, job_message=job_message)


@bp.get("/admin/jobs")
@admin_required
def list_jobs():
    state = request.args.get("state") or None
    if state is not None and state not in STATE_FILTERS:
        raise Invalid(f"state must be one of {', '.join(sorted(STATE_FILTERS))}")
    kind = request.args.get("kind") or None
    jobs = queries.list_jobs(db.session, state=state, kind=kind, limit=200)
    return render_template("jobs/list.html", jobs=jobs, state=state, kind=kind,
                           states=sorted(STATE_FILTERS), counts=queries.queue_counts(db.session))


@bp.get("/admin/jobs/<int:job_id>")
@admin_required
def show_job(job_id: int):
    job = queries.visible_job(db.session, job_id, current_user)
    return render_template("jobs/detail.html", job=job,
                           files=queries.file_names(db.session, job.id, "output"))

