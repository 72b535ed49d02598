"""Running one job: claim it, beat while its work runs, then end it exactly once.

An attempt: ``claim`` (queued -> running, conditional), a heartbeat thread that writes the
progress and the time about twice a second in its own short transactions and passes a cancel
on to the work, the kind's ``run`` in the request-less app context, then ``finish`` in the same
transaction as the work's last writes, conditional on this attempt still holding the job. A
worker killed with ``kill -9`` stops beating; the reaper (services.reap, run by every worker)
queues the job again after JOB_STALE_SECONDS, and the next attempt first undoes what the dead
one staged. Unexpected errors are retried up to the kind's ``max_attempts``; refused input
(a domain error) and cancels end the job at once.
"""

from __future__ import annotations

import logging
import threading
import traceback

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.jobs import kinds, services
from annotator.jobs.context import JobCancelled, JobContext, JobLost
from annotator.jobs.models import Job, JobState
from annotator.jobs.registry import JobKind

log = logging.getLogger("annotator.jobs")


class Heartbeat(threading.Thread):
    """Writes an attempt's progress and liveness to its row until stopped."""

    def __init__(self, engine: Engine, ctx: JobContext, worker: str, interval: float) -> None:
        super().__init__(name=f"job-{ctx.id}-heartbeat", daemon=True)
        self.engine, self.ctx, self.worker, self.interval = engine, ctx, worker, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self.beat_once()

    def beat_once(self) -> None:
        """One beat; a busy database is skipped (the next beat tries again)."""
        try:
            with Session(self.engine) as session:
                mine, cancel = services.beat(session, self.ctx.id, self.worker,
                                             self.ctx.attempt, self.ctx.fraction,
                                             self.ctx.message)
                session.commit()
        except Exception:  # noqa: BLE001  (a missed beat is not the job's failure)
            log.warning("job %s: heartbeat failed", self.ctx.id, exc_info=True)
            return
        if not mine:
            self.ctx.lost.set()
        if cancel:
            self.ctx.cancelled.set()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


def execute(job_id: int, worker: str | None = None) -> str | None:
    """Run one attempt of the job, if it is still queued; the state it ended in (None when
    another worker had it)."""
    worker = worker or services.worker_name()
    session = db.session
    attempt = services.claim(session, job_id, worker)
    session.commit()
    if attempt is None:
        return None
    job = session.get(Job, job_id)
    kind = kinds.KINDS[job.kind]
    ctx = JobContext(id=job.id, kind=job.kind, key=job.key, params=dict(job.params or {}),
                     project_id=job.project_id, user_id=job.user_id, attempt=attempt,
                     message="Starting")
    interval = float(current_app.config["JOB_HEARTBEAT_SECONDS"])
    heartbeat = Heartbeat(db.engine, ctx, worker, interval)
    heartbeat.start()
    try:
        return _attempt(session, kind, ctx, worker)
    finally:
        heartbeat.stop()


def _attempt(session: Session, kind: JobKind, ctx: JobContext, worker: str) -> str | None:
    try:
        if ctx.attempt > 1 and kind.undo is not None and not kind.resumable:
            kind.undo(session, ctx)  # what a dead attempt staged
            session.commit()
        result = kind.run(session, ctx)
        ctx.check()
        message = str(result.pop("message", "") or "Done")
        if services.finish(session, ctx.id, worker, ctx.attempt, result, message):
            session.commit()
            return JobState.DONE
        session.rollback()  # another attempt holds the job now: it publishes, not this one
        return None
    except JobLost:
        session.rollback()
        return None
    except JobCancelled:
        return _stop(session, kind, ctx, worker, JobState.CANCELLED, "Cancelled", None)
    except DomainError as err:
        # the status line says what happened; the error keeps every line (each problem)
        headline = err.message.splitlines()[0] if err.message else ""
        return _stop(session, kind, ctx, worker, JobState.FAILED, f"Failed: {headline}",
                     err.message)
    except Exception as err:  # noqa: BLE001  (any bug or outage: retried, then failed)
        log.exception("job %s attempt %s failed", ctx.id, ctx.attempt)
        detail = "".join(traceback.format_exception_only(err)).strip()[:1000]
        session.rollback()
        job = session.get(Job, ctx.id)
        retried = job is not None and ctx.attempt < job.max_attempts
        if not (retried and kind.resumable):  # a resumable kind keeps its work for the retry
            _undo(session, kind, ctx)
        if retried:
            if services.retry_later(session, ctx.id, worker, ctx.attempt, detail):
                session.commit()
                return JobState.QUEUED  # the caller puts it back on the queue
        session.rollback()
        return _stop(session, kind, ctx, worker, JobState.FAILED,
                     "Failed: an internal error stopped it (see the job's log)", detail,
                     undo=False)


def _undo(session: Session, kind: JobKind, ctx: JobContext) -> None:
    if kind.undo is None:
        return
    try:
        kind.undo(session, ctx)
        session.commit()
    except Exception:  # noqa: BLE001  (left for the next attempt's undo, or the reaper)
        session.rollback()
        log.exception("job %s: undo failed", ctx.id)


def _stop(session: Session, kind: JobKind, ctx: JobContext, worker: str, state: JobState,
          message: str, error: str | None, *, undo: bool = True) -> str:
    session.rollback()
    if undo:
        _undo(session, kind, ctx)
    services.end(session, ctx.id, worker, ctx.attempt, state, message, error)
    session.commit()
    return state
