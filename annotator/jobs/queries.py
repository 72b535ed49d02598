"""Reading jobs: one as its owner or an admin may see it, lists, queue figures, files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.errors import NotFound
from annotator.jobs.models import ACTIVE_STATES, Job, JobFile, JobState
from annotator.jobs.registry import title_of


def visible_job(session: Session, job_id: int, user: Any) -> Job:
    """The job, when ``user`` started it or is an admin.

    Raises:
        NotFound: no such job, or not the user's to see (404 either way: ids are not secrets,
            but whose jobs exist is nobody else's business).
    """
    job = session.get(Job, job_id)
    if job is None or not (user.is_admin or job.user_id == user.id):
        raise NotFound(f"no job {job_id}")
    return job


def job_json(job: Job) -> dict[str, Any]:
    """The job as ``GET /api/jobs/<id>`` answers it."""
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "id": job.id, "kind": job.kind, "title": title_of(job.kind), "state": job.state,
        "progress": round(job.progress or 0.0, 4), "message": job.message or "",
        "result": job.result, "error": job.error, "project_id": job.project_id,
        "attempts": job.attempts, "cancel_requested": bool(job.cancel_requested),
        "created_at": when(job.created_at), "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
    }


def list_jobs(session: Session, *, project_id: int | None = None, state: str | None = None,
              kind: str | None = None, user_id: int | None = None,
              limit: int = 100) -> list[Job]:
    """Jobs, newest first, filtered."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if project_id is not None:
        query = query.where(Job.project_id == project_id)
    if state == "active":
        query = query.where(Job.state.in_(ACTIVE_STATES))
    elif state is not None:
        query = query.where(Job.state == state)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if user_id is not None:
        query = query.where(Job.user_id == user_id)
    return list(session.scalars(query))


def active_job(session: Session, kind: str, *, project_id: int | None,
               user_id: int | None) -> Job | None:
    """The newest queued or running job of this kind that the user started in the project (a
    page finds its running job again after a reload)."""
    jobs = list_jobs(session, project_id=project_id, state="active", kind=kind,
                     user_id=user_id, limit=1)
    return jobs[0] if jobs else None


def latest_job(session: Session, kind: str, *, project_id: int | None,
               user_id: int | None) -> Job | None:
    """The user's newest job of this kind in the project, whatever its state."""
    jobs = list_jobs(session, project_id=project_id, kind=kind, user_id=user_id, limit=1)
    return jobs[0] if jobs else None


def queue_counts(session: Session) -> dict[str, int]:
    """How many jobs wait and run: ``{"queued": n, "running": n}`` (for /healthz)."""
    counts = dict(session.execute(
        select(Job.state, func.count()).where(Job.state.in_(ACTIVE_STATES))
        .group_by(Job.state)).all())
    return {"queued": counts.get(JobState.QUEUED, 0), "running": counts.get(JobState.RUNNING, 0)}


def file_names(session: Session, job_id: int, role: str) -> list[str]:
    """Names of the job's files of one role."""
    return list(session.scalars(
        select(JobFile.name).where(JobFile.job_id == job_id, JobFile.role == role)
        .group_by(JobFile.name).order_by(JobFile.name)))


def file_size(session: Session, job_id: int, role: str, name: str) -> int:
    """Bytes in one file of the job (0 when it does not exist)."""
    return session.scalar(
        select(func.coalesce(func.sum(func.length(JobFile.data)), 0))
        .where(JobFile.job_id == job_id, JobFile.role == role, JobFile.name == name)) or 0


def read_file(session: Session, job_id: int, role: str, name: str) -> Iterator[bytes]:
    """A file of the job, a piece at a time (one piece in memory)."""
    ids = list(session.scalars(
        select(JobFile.id).where(JobFile.job_id == job_id, JobFile.role == role,
                                 JobFile.name == name).order_by(JobFile.piece)))
    for piece_id in ids:
        yield session.scalar(select(JobFile.data).where(JobFile.id == piece_id))


def read_inputs(session: Session, job_id: int) -> list[tuple[str, bytes]]:
    """Every input file of the job, whole (uploads, bounded by MAX_CONTENT_LENGTH)."""
    return [(name, b"".join(read_file(session, job_id, "input", name)))
            for name in file_names(session, job_id, "input")]
