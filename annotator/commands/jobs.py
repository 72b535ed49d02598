"""Background jobs on the command line: run a worker, list jobs, cancel one."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import DB_INT, committed, fail
from annotator.errors import NotFound
from annotator.extensions import db
from annotator.jobs import queries, queue, services
from annotator.jobs.models import STATE_FILTERS, Job
from annotator.jobs.registry import title_of
from annotator.projects.services import get_project_by_name

log = logging.getLogger("annotator.jobs")


@click.command("worker")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="jobs this process runs at once.")
@click.option("--reap-every", default=5.0, show_default=True, type=click.FloatRange(0.5, 600),
              help="seconds between looks for jobs whose worker died (re-queued) and for "
                   "expired job files (deleted).")
@click.option("--nice", "niceness", default=10, show_default=True, type=click.IntRange(0, 19),
              help="lower this process's scheduling priority by this much, so that the "
                   "saves of the app servers on the same machine come first; where Linux "
                   "shares the CPU by session (autogroup), the worker's own session too "
                   "(0: unchanged).")
@with_appcontext
def worker_command(threads: int, reap_every: float, niceness: int) -> None:
    """Run background jobs (imports, the automatic pass, export files, agreement reports).

    Start as many as you like, on any machine that reaches the database (and Redis, when
    REDIS_URL is set): each job runs once. Stop with Ctrl-C or SIGTERM (running jobs finish
    first; a second Ctrl-C stops at once, and the job is run again by another worker).
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    kind = queue.queue_kind(app)
    if kind in ("memory", "immediate"):
        fail(f"JOBS_QUEUE={kind} keeps jobs inside one process: a worker cannot serve it")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if niceness:
        lower_priority(niceness)
    queue.bind_worker_app(app)
    huey = queue.queue_for(app)
    stop = threading.Event()
    reaper = threading.Thread(target=_reap_forever, args=(app, reap_every, stop),
                              name="job-reaper", daemon=True)
    reaper.start()
    click.echo(f"worker {os.getpid()}: {threads} thread(s) on the {kind} queue, "
               f"niceness {os.nice(0)}", err=True)
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=False,
                                    initial_delay=0.05, max_delay=0.5, backoff=1.5)
    try:
        consumer.run()
    finally:
        stop.set()


def lower_priority(niceness: int) -> None:
    """Lower this process's priority, and its session's where Linux shares the CPU by session.

    With autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`, on by default on
    desktop and many server kernels) the CPU is first shared between sessions and a nice value
    only counts within its own session: a worker started beside the app servers from another
    shell or unit would compete with them as an equal. So the worker becomes the leader of a
    session of its own and gives that session the same niceness. It leaves a session it did not
    make alone (started in the foreground of a terminal, the worker leads a process group and
    stays in the terminal's session, which it does not renice).
    """
    os.nice(niceness)
    with contextlib.suppress(OSError):  # already a session or process-group leader
        os.setsid()
    if os.getsid(0) != os.getpid():
        return
    # (no autogroup scheduling on this kernel, or not allowed: nothing to do)
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(niceness))


def reap_once(app: Flask) -> list[int]:
    """One look for lost and forgotten jobs; the ids queued again."""
    config = app.config
    with app.app_context():
        with committed(db.session):
            ids = services.reap(
                db.session, stale_after=timedelta(seconds=config["JOB_STALE_SECONDS"]),
                requeue_after=timedelta(seconds=config["JOB_REQUEUE_SECONDS"]),
                keep_files=timedelta(hours=config["JOB_FILES_KEEP_HOURS"]))
        for job_id in ids:
            queue.enqueue(job_id)
        db.session.remove()
    return ids


def _reap_forever(app: Flask, every: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            for job_id in reap_once(app):
                log.info("job %s queued again", job_id)
        except Exception:  # noqa: BLE001  (a busy database: look again next time)
            log.warning("reaping jobs failed", exc_info=True)
        stop.wait(every)


@click.command("jobs")
@click.option("--project", "project_name", default=None, help="Only this project's jobs.")
@click.option("--state", type=click.Choice(sorted(STATE_FILTERS)), default=None,
              help="Only jobs in this state (active: queued or running).")
@click.option("--kind", default=None, help="Only jobs of this kind (e.g. import-articles).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def jobs_command(project_name: str | None, state: str | None, kind: str | None,
                 limit: int) -> None:
    """List background jobs, newest first: id, kind, state, progress, project, message."""
    project_id = None
    if project_name is not None:
        with committed(db.session):
            project_id = get_project_by_name(db.session, project_name).id
    jobs = queries.list_jobs(db.session, project_id=project_id, state=state, kind=kind,
                             limit=limit)
    if not jobs:
        click.echo("no jobs", err=True)
        return
    click.echo("id\tkind\tstate\tprogress\tproject\tcreated\tmessage")
    for job in jobs:
        click.echo(f"{job.id}\t{job.kind}\t{job.state}\t{100 * (job.progress or 0):.0f}%\t"
                   f"{job.project_id or ''}\t{job.created_at:%Y-%m-%d %H:%M:%S}\t"
                   f"{job.error or job.message}")


@click.command("cancel-job")
@click.argument("job_id", type=DB_INT)
@with_appcontext
def cancel_job_command(job_id: int) -> None:
    """Cancel job ID: a queued one at once, a running one at its next progress report."""
    with committed(db.session):
        job = db.session.get(Job, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        job = services.request_cancel(db.session, job)
        state = job.state
    if state == "cancelled":
        click.echo(f"job {job_id} ({title_of(job.kind)}) cancelled")
    else:
        click.echo(f"job {job_id} ({title_of(job.kind)}) asked to stop; it undoes its work "
                   "and ends as cancelled")
