"""Changing jobs: submit, cancel, and the state moves a worker makes (claim, finish, fail,
retry), each one conditional UPDATE so that two workers (or a worker and the reaper) can
never both win the same move. Services flush; the caller commits (then enqueues)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from annotator.db import utcnow
from annotator.errors import Conflict, Invalid
from annotator.jobs.files import delete_files, write_file  # noqa: F401  (callers' old home)
from annotator.jobs.kinds import KINDS
from annotator.jobs.models import FINAL_STATES, Job, JobFile, JobState

MAX_LOG_CHARS = 20_000
MAX_MESSAGE_CHARS = 500


def worker_name() -> str:
    """host:pid:thread, as logs and the jobs page show who runs a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def _line(text: str) -> str:
    return f"{utcnow().strftime('%Y-%m-%d %H:%M:%S')} {text}\n"


def submit(session: Session, kind: str, params: dict[str, Any] | None = None, *,
           user_id: int | None = None, project_id: int | None = None,
           inputs: Sequence[tuple[str, bytes]] = ()) -> Job:
    """A new queued job (flushed; enqueue it after the commit), with its input files."""
    if kind not in KINDS:
        raise Invalid(f"unknown job kind {kind!r}")
    now = utcnow()
    job = Job(kind=kind, params=dict(params or {}), user_id=user_id, project_id=project_id,
              state=JobState.QUEUED, max_attempts=KINDS[kind].max_attempts, created_at=now,
              enqueued_at=now, log=_line("queued"), progress=0.0, message="Waiting for a worker")
    session.add(job)
    session.flush()
    for name, data in inputs:
        write_file(session, job.id, "input", name, [data])
    return job


def request_cancel(session: Session, job: Job) -> Job:
    """Cancel a queued job at once, or ask a running one to stop (its worker stops at its next
    progress report, within a second or so, and undoes what it staged).

    Raises:
        Conflict: the job has already ended.
    """
    if job.state in FINAL_STATES:
        raise Conflict(f"job {job.id} has already ended ({job.state})")
    now = utcnow()
    cancelled_now = session.execute(
        update(Job).where(Job.id == job.id, Job.state == JobState.QUEUED)
        .values(state=JobState.CANCELLED, finished_at=now, cancel_requested=True,
                message="Cancelled before it started", log=Job.log + _line("cancelled"))
    ).rowcount
    if not cancelled_now:
        session.execute(
            update(Job).where(Job.id == job.id, Job.state == JobState.RUNNING)
            .values(cancel_requested=True, log=Job.log + _line("cancel requested"))
        )
    session.flush()
    session.refresh(job)
    return job


def claim(session: Session, job_id: int, worker: str) -> int | None:
    """Take a queued job for this worker; the attempt number, or None when another worker
    has it, or it was cancelled, or it has ended."""
    now = utcnow()
    job = session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return None
    attempt = job.attempts + 1
    won = session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED,
                          Job.attempts == job.attempts)
        .values(state=JobState.RUNNING, attempts=attempt, worker=worker[:120],
                started_at=now, heartbeat_at=now, message="Starting", progress=0.0,
                log=Job.log + _line(f"attempt {attempt} started by {worker}"))
    ).rowcount
    session.flush()
    return attempt if won else None


def _mine(job_id: int, worker: str, attempt: int):
    return and_(Job.id == job_id, Job.state == JobState.RUNNING, Job.worker == worker[:120],
                Job.attempts == attempt)


def finish(session: Session, job_id: int, worker: str, attempt: int,
           result: dict[str, Any], message: str) -> bool:
    """Mark the job done with its result, if this worker's attempt still holds it (else the
    caller rolls back the attempt's last writes: another attempt publishes them)."""
    done = session.execute(
        update(Job).where(_mine(job_id, worker, attempt))
        .values(state=JobState.DONE, progress=1.0, result=result, finished_at=utcnow(),
                message=message[:MAX_MESSAGE_CHARS], heartbeat_at=utcnow(),
                log=Job.log + _line("done"))
    ).rowcount
    session.flush()
    return bool(done)


def end(session: Session, job_id: int, worker: str, attempt: int, state: JobState,
        message: str, error: str | None = None) -> bool:
    """End this attempt's job as failed or cancelled."""
    ended = session.execute(
        update(Job).where(_mine(job_id, worker, attempt))
        .values(state=state, finished_at=utcnow(), message=message[:MAX_MESSAGE_CHARS],
                error=error, log=Job.log + _line(f"{state}: {error or message}"[:2000]))
    ).rowcount
    session.flush()
    return bool(ended)


def retry_later(session: Session, job_id: int, worker: str, attempt: int, error: str) -> bool:
    """Put the job back on the queue after an unexpected error (the caller enqueues it)."""
    again = session.execute(
        update(Job).where(_mine(job_id, worker, attempt))
        .values(state=JobState.QUEUED, worker=None, enqueued_at=utcnow(),
                message="Waiting to be tried again",
                log=Job.log + _line(f"attempt {attempt} failed, to be retried: {error}"[:2000]))
    ).rowcount
    session.flush()
    return bool(again)


def beat(session: Session, job_id: int, worker: str, attempt: int, fraction: float,
         message: str) -> tuple[bool, bool]:
    """The heartbeat: write progress and the time; (still mine, cancel requested)."""
    mine = session.execute(
        update(Job).where(_mine(job_id, worker, attempt))
        .values(heartbeat_at=utcnow(), progress=fraction, message=message[:MAX_MESSAGE_CHARS])
    ).rowcount
    cancel = bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
    return bool(mine), cancel


def reap(session: Session, *, stale_after: timedelta, requeue_after: timedelta,
         keep_files: timedelta) -> list[int]:
    """Jobs whose worker stopped beating go back on the queue (or fail after their last
    attempt); queued jobs no worker took for ``requeue_after`` are queued again; files of jobs
    that ended more than ``keep_files`` ago are deleted. Returns the ids to enqueue."""
    now = utcnow()
    stale = now - stale_after
    lost = and_(Job.state == JobState.RUNNING, Job.heartbeat_at < stale)
    session.execute(
        update(Job).where(lost, Job.attempts >= Job.max_attempts)
        .values(state=JobState.FAILED, finished_at=now,
                error="its worker stopped on every attempt", message="Failed: worker lost",
                log=Job.log + _line("worker lost on the last attempt: failed"))
    )
    back = session.scalars(
        update(Job).where(lost).values(
            state=JobState.QUEUED, worker=None, enqueued_at=now,
            message="Waiting for a worker (the last one stopped)",
            log=Job.log + _line("worker stopped beating: queued again"))
        .returning(Job.id)
    ).all()
    forgotten = session.scalars(
        update(Job).where(Job.state == JobState.QUEUED, Job.enqueued_at < now - requeue_after)
        .values(enqueued_at=now).returning(Job.id)
    ).all()
    expired = select(Job.id).where(Job.state.in_(FINAL_STATES),
                                   Job.finished_at < now - keep_files)
    session.execute(delete(JobFile).where(JobFile.job_id.in_(expired)))
    session.flush()
    return [*back, *forgotten]

