"""JSON API of background jobs: read one (its owner or an admin), list one's own, cancel."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from annotator.errors import Invalid, NotFound
from annotator.extensions import db
from annotator.jobs import queries, services
from annotator.jobs.models import STATE_FILTERS, JobState
from annotator.transactions import unit_of_work

api_bp = Blueprint("jobs_api", __name__, url_prefix="/api")


@api_bp.get("/jobs/<int:job_id>")
@login_required
def get_job(job_id: int):
    """``{"id", "kind", "state", "progress", "message", "result", "created_at", ...}``."""
    return jsonify(queries.job_json(queries.visible_job(db.session, job_id, current_user)))


@api_bp.get("/jobs")
@login_required
def list_jobs():
    """The caller's jobs (an admin's: everyone's), newest first; filters ``project``,
    ``kind``, ``state`` (one of the states, or ``active``: queued or running)."""
    state = request.args.get("state") or None
    if state is not None and state not in STATE_FILTERS:
        raise Invalid(f"state must be one of {', '.join(sorted(STATE_FILTERS))}")
    project = request.args.get("project") or None
    if project is not None and not (project.isascii() and project.isdigit()
                                    and len(project) < 10):
        raise Invalid("project must be a project id")
    mine = None if current_user.is_admin and request.args.get("mine") != "1" else current_user.id
    jobs = queries.list_jobs(db.session, project_id=int(project) if project else None,
                             state=state, kind=request.args.get("kind") or None,
                             user_id=mine, limit=100)
    return jsonify(jobs=[queries.job_json(job) for job in jobs])


@api_bp.post("/jobs/<int:job_id>/cancel")
@login_required
def cancel_job(job_id: int):
    """Cancel a queued job, or ask a running one to stop; 409 once it has ended."""
    with unit_of_work(db.session):
        job = services.request_cancel(db.session,
                                      queries.visible_job(db.session, job_id, current_user))
        answer = queries.job_json(job)
    return jsonify(answer)


@api_bp.get("/jobs/<int:job_id>/files/<path:name>")
@login_required
def download(job_id: int, name: str):
    """A file the job wrote (an export), streamed, once the job is done."""
    job = queries.visible_job(db.session, job_id, current_user)
    if job.state != JobState.DONE or name not in queries.file_names(db.session, job.id,
                                                                    "output"):
        raise NotFound(f"job {job_id} has no file {name!r} (not done yet, or expired)")
    size = queries.file_size(db.session, job.id, "output", name)
    media = (job.result or {}).get("media_type") or "application/octet-stream"
    response = Response(_pieces(db.engine, job.id, name), mimetype=media)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pieces(engine: Engine, job_id: int, name: str) -> Iterator[bytes]:
    """The file's pieces, read in a session of their own (the response outlives the
    request's session)."""
    with Session(engine) as session:
        yield from queries.read_file(session, job_id, "output", name)
