"""The job queue: Huey, over whichever store the deployment has.

- ``REDIS_URL`` set: Redis (``RedisHuey``), the store for several machines with Redis.
- else a PostgreSQL ``DATABASE_URL``: the app's own PostgreSQL (``PostgresHuey``, its queue
  table beside the app's; LISTEN/NOTIFY wakes the workers), so several machines need nothing
  more than the database they share already.
- else a SQLite file in the instance folder (``SqliteHuey``): the embedded default, shared by
  the app server's workers and `annotator worker` processes of one machine, no server needed.
- ``JOBS_QUEUE = "immediate"`` runs a job inside the call that submits it (tests, small
  scripts); ``"memory"`` keeps the queue in the process until ``run_pending`` (tests).

The queue only carries job ids: what a job is and how far it got is in the ``job`` table
(runner.py), so losing a queue message loses no work: the reaper (services.reap) puts a job
back on the queue when no worker has taken it or its worker stopped beating.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

TASK_NAME = "annotator.run_job"
QUEUE_NAME = "annotator-jobs"
EXTENSION = "annotator.jobs"

_worker_app: Flask | None = None
_worker_lock = threading.Lock()


def queue_kind(app: Flask) -> str:
    """Which store the app's queue uses: redis, postgresql, sqlite, memory or immediate."""
    configured = (app.config.get("JOBS_QUEUE") or "auto").lower()
    if configured != "auto":
        return configured
    if app.config.get("REDIS_URL"):
        return "redis"
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return "postgresql"
    return "sqlite"


def _postgres_dsn(sqlalchemy_url: str) -> str:
    """A libpq connection string from the app's SQLAlchemy URL (its driver name dropped)."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_queue(app: Flask) -> Huey:
    """The Huey instance for ``app``'s configuration, with the one task that runs a job."""
    kind = queue_kind(app)
    options: dict[str, Any] = {"results": False, "utc": True}
    if kind == "redis":
        huey: Huey = RedisHuey(QUEUE_NAME, url=app.config["REDIS_URL"], **options)
    elif kind == "postgresql":
        huey = PostgresHuey(QUEUE_NAME, dsn=_postgres_dsn(app.config["SQLALCHEMY_DATABASE_URI"]),
                            **options)
    elif kind == "sqlite":
        path = app.config.get("JOBS_QUEUE_FILE") or f"{app.instance_path}/jobs-queue.sqlite3"
        huey = SqliteHuey(QUEUE_NAME, filename=path, **options)
    elif kind in ("memory", "immediate"):
        huey = MemoryHuey(QUEUE_NAME, immediate=kind == "immediate", **options)
    else:
        raise ValueError(f"JOBS_QUEUE must be auto, redis, postgresql, sqlite, memory or "
                         f"immediate, not {kind!r}")
    return huey


def init_app(app: Flask) -> None:
    """Give ``app`` its queue (built on first use: a command that never queues a job opens
    no connection to Redis or to the queue file)."""
    app.extensions[EXTENSION] = None


def _queue_and_task(app: Flask) -> tuple[Huey, Any]:
    built = app.extensions.get(EXTENSION)
    if built is None:
        huey = build_queue(app)
        built = app.extensions[EXTENSION] = (huey, huey.task(name=TASK_NAME, retries=0)(_run_job))
    return built


def queue_for(app: Flask) -> Huey:
    """``app``'s Huey instance, built once."""
    return _queue_and_task(app)[0]


def enqueue(job_id: int) -> None:
    """Put the job on the queue (after its row is committed: a worker may take it at once)."""
    _queue_and_task(current_app._get_current_object())[1](job_id)  # type: ignore[attr-defined]


def pending(app: Flask) -> int:
    """Messages waiting on the queue (0 for a store that cannot tell)."""
    try:
        return queue_for(app).pending_count()
    except Exception:  # noqa: BLE001  (a health figure, never a failure of its own)
        return 0


def bind_worker_app(app: Flask) -> None:
    """The app a worker process runs jobs in (``annotator worker``)."""
    global _worker_app
    with _worker_lock:
        _worker_app = app


def run_pending(app: Flask) -> int:
    """Run every job waiting on a ``memory`` queue, here and now (tests); how many ran."""
    huey = queue_for(app)
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _run_job(job_id: int) -> None:
    """The Huey task: run job ``job_id`` in the worker's app (or, immediate, the caller's)."""
    # Lazy: the runner imports every job kind's domain code; the web app needs it only here.
    from annotator.jobs import runner

    app = _worker_app or current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        if runner.execute(job_id) == "queued":  # an attempt failed: the next one goes to the
            enqueue(job_id)                     # back of the queue
