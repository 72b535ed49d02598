"""What a page does with jobs: start one for the logged-in user, and find the one to show
(the user's running job of a kind, or the one that just ended) so a reload keeps it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask_login import current_user

from annotator.db import utcnow
from annotator.extensions import db
from annotator.jobs import queries, queue, services
from annotator.jobs.models import Job
from annotator.transactions import unit_of_work

# A page keeps showing a job that ended this recently (its outcome, its file).
SHOW_ENDED_FOR = timedelta(minutes=30)


def start_job(kind: str, *, params: dict[str, Any] | None = None,
              files: Sequence[tuple[str, bytes]] = (), project_id: int | None = None) -> Job:
    """Queue a job for the current user (committed, then enqueued); the job as it is now
    (already ended when the queue runs jobs at once)."""
    with unit_of_work(db.session):
        job = services.submit(db.session, kind, params, user_id=current_user.id,
                              project_id=project_id, inputs=files)
        job_id = job.id
    queue.enqueue(job_id)
    db.session.expire_all()
    return db.session.get(Job, job_id)


def shown_job(kind: str, *, project_id: int | None) -> Job | None:
    """The current user's queued or running job of ``kind`` here, else the one that ended in
    the last half hour, else None."""
    job = queries.latest_job(db.session, kind, project_id=project_id, user_id=current_user.id)
    if job is None or job.active:
        return job
    ended = job.finished_at or job.created_at
    return job if utcnow() - ended < SHOW_ENDED_FOR else None
