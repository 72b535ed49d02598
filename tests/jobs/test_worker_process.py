"""Real `annotator worker` processes on the embedded queue (SQLite file) or PostgreSQL's: a
worker killed with `kill -9` half-way through an import leaves nothing visible, and another
worker finishes the job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from annotator import create_app
from annotator.corpus.models import Document, Sentence, published_sentence
from annotator.extensions import db
from annotator.jobs import queue, services
from annotator.jobs.models import Job
from tests.factories import prepare_project
from tests.jobs.test_jobs import SENTENCES_EACH, articles_file

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 40


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from annotator.cli import main; main()", "worker",
             "--threads", "1", "--reap-every", "0.5"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def test_a_killed_worker_leaves_nothing_and_another_finishes_the_job_once(
        database_url: str, tmp_path: Path):
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "JOBS_QUEUE": "auto",
                      "JOBS_QUEUE_FILE": str(instance / "jobs-queue.sqlite3")}, web=False)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "k",
           "ANNOTATOR_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1",
           # slow enough to be killed half-way: a chunk per 4 articles, a pause after each
           "ANNOTATOR_IMPORT_CHUNK_ROWS": str(4 * SENTENCES_EACH),
           "ANNOTATOR_IMPORT_PAUSE_SECONDS": "0.4", "ANNOTATOR_JOB_STALE_SECONDS": "2"}
    env.pop("REDIS_URL", None)
    log = tmp_path / "workers.log"
    with app.app_context():
        db.create_all()
        project = prepare_project(db.session)["project"].id
        before = db.session.scalar(select(func.count()).select_from(Document))
        job = services.submit(db.session, "import-articles", project_id=project,
                              inputs=[("news.jsonl", articles_file(ARTICLES, tag="k"))])
        db.session.commit()
        job_id = job.id
        queue.enqueue(job_id)

        def job_row() -> Job:
            db.session.expire_all()
            return db.session.get(Job, job_id)

        first = start_worker(env, log)
        try:
            # --nice's default: the worker yields the cores to the app servers beside it
            wait_for(lambda: "niceness" in log.read_text(), 30, "the worker's start", log)
            own = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, first.pid) == min(19, own + 10)
            assert os.getsid(first.pid) == first.pid  # a session of its own, reniced too
            autogroup = Path(f"/proc/{first.pid}/autogroup")
            if autogroup.exists():  # its own session's group, never the (silent) default one
                assert autogroup.read_text().split()[-1:] == ["10"]
            wait_for(lambda: job_row().progress >= 0.25, 60, "the first worker's progress", log)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            row = job_row()
            assert row.state == "running" and row.progress < 1.0
            staged = db.session.scalar(select(func.count()).select_from(Document)
                                       .where(Document.import_id.is_not(None)))
            assert staged > 0  # rows of the dead attempt exist, but nobody sees them:
            visible = db.session.scalar(select(func.count()).select_from(Sentence)
                                        .where(published_sentence(project)))
            assert visible == db.session.scalar(
                select(func.count()).select_from(Sentence).join(Document)
                .where(Document.import_id.is_(None)))
            env["ANNOTATOR_IMPORT_PAUSE_SECONDS"] = "0"
            second = start_worker(env, log)
            try:
                wait_for(lambda: job_row().state == "done", 90, "the second worker", log)
            finally:
                second.terminate()
                second.wait(timeout=20)
        finally:
            if first.poll() is None:
                first.kill()
        row = job_row()
        assert row.attempts == 2 and "worker stopped beating: queued again" in row.log
        assert db.session.scalar(select(func.count()).select_from(Document)) == before + ARTICLES
        assert db.session.scalar(select(func.count()).select_from(Document)
                                 .where(Document.import_id.is_not(None))) == 0
        assert db.session.scalar(
            select(func.count()).select_from(Sentence).join(Document)
            .where(Document.title.like("Shelling near Tall k%"))) == ARTICLES * SENTENCES_EACH
        db.session.remove()
        db.engine.dispose()
