"""Background jobs: the upload answers at once with a job, a worker runs it; its JSON contract,
who may see it, cancel, retries, a lost worker's job finished once, and the CLI."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from annotator.corpus.importing import ArticleImport
from annotator.corpus.models import Document, Sentence
from annotator.db import utcnow
from annotator.jobs import queue, runner, services
from annotator.jobs.context import JobContext
from annotator.jobs.models import Job, JobFile
from tests.conftest import api_headers, csrf_from, login
from tests.factories import make_user, prepare_project

ARTICLES = 6
SENTENCES_EACH = 5
CONTRACT = {"id", "kind", "state", "progress", "message", "result", "created_at", "started_at",
            "finished_at"}


def articles_file(count: int = ARTICLES, tag: str = "a") -> bytes:
    lines = []
    for i in range(count):
        body = " ".join(f"Artillery of the {i}th Brigade shelled Tall {tag}{i}-{j} at dawn."
                        for j in range(SENTENCES_EACH))
        lines.append(json.dumps({"title": f"Shelling near Tall {tag}{i}", "text": body}))
    return "\n".join(lines).encode()


@pytest.fixture
def memory_queue(app):
    """Jobs wait on an in-process queue until the test runs them (queue.run_pending)."""
    app.config["JOBS_QUEUE"] = "memory"
    app.extensions[queue.EXTENSION] = None
    return app


@pytest.fixture
def scene(db):
    return prepare_project(db.session)


def upload(client, project_id: int, data: bytes, name: str = "news.jsonl"):
    page = client.get(f"/projects/{project_id}/documents")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/projects/{project_id}/documents",
                       data={"csrf_token": token, "files": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def documents(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Document))


def sentences(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Sentence))


def test_upload_answers_at_once_and_a_worker_runs_the_job(memory_queue, client, db, scene):
    project = scene["project"].id
    login(client, "admin1")
    before = documents(db)
    answer = upload(client, project, articles_file())
    assert answer.status_code == 302
    assert documents(db) == before  # nothing imported yet: the job waits for a worker
    job = db.session.scalar(select(Job))
    assert (job.kind, job.state, job.project_id) == ("import-articles", "queued", project)
    page = client.get(f"/projects/{project}/documents").get_data(as_text=True)
    assert f'data-job-id="{job.id}"' in page and 'data-job-state="queued"' in page

    shown = client.get(f"/api/jobs/{job.id}").get_json()
    assert CONTRACT <= set(shown) and shown["state"] == "queued" and shown["progress"] == 0.0

    assert queue.run_pending(memory_queue) == 1
    shown = client.get(f"/api/jobs/{job.id}").get_json()
    assert shown["state"] == "done" and shown["progress"] == 1.0
    assert shown["result"]["documents_added"] == ARTICLES
    assert shown["message"].startswith(f"Imported {ARTICLES} documents")
    assert shown["started_at"] and shown["finished_at"] >= shown["started_at"]
    assert documents(db) == before + ARTICLES
    # The page shows the ended job's outcome after a reload.
    page = client.get(f"/projects/{project}/documents").get_data(as_text=True)
    assert 'data-job-state="done"' in page and "Imported 6 documents" in page


def test_a_job_is_seen_by_its_owner_and_admins_only(memory_queue, app, client, db, scene):
    make_user(db.session, "admin2", "admin")
    db.session.commit()
    login(client, "admin1")
    upload(client, scene["project"].id, articles_file())
    job_id = db.session.scalar(select(Job.id))
    other_admin = app.test_client()
    login(other_admin, "admin2")
    assert other_admin.get(f"/api/jobs/{job_id}").status_code == 200
    annotator = app.test_client()
    login(annotator, "ann_a")
    missing = annotator.get(f"/api/jobs/{job_id}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert annotator.get("/api/jobs").get_json() == {"jobs": []}
    assert app.test_client().get(f"/api/jobs/{job_id}").status_code == 401
    cancel = annotator.post(f"/api/jobs/{job_id}/cancel", headers=api_headers(annotator))
    assert cancel.status_code == 404
    assert db.session.get(Job, job_id).state == "queued"


def test_cancelling_a_queued_job_stops_it_before_it_starts(memory_queue, client, db, scene):
    login(client, "admin1")
    upload(client, scene["project"].id, articles_file())
    job_id = db.session.scalar(select(Job.id))
    before = documents(db)
    answer = client.post(f"/api/jobs/{job_id}/cancel", headers=api_headers(client))
    assert answer.status_code == 200 and answer.get_json()["state"] == "cancelled"
    queue.run_pending(memory_queue)
    assert documents(db) == before
    again = client.post(f"/api/jobs/{job_id}/cancel", headers=api_headers(client))
    assert again.status_code == 409 and "already ended" in again.get_json()["error"]["message"]


def test_cancelling_a_running_import_undoes_what_it_staged(memory_queue, app, client, db, scene,
                                                           monkeypatch):
    app.config["IMPORT_CHUNK_ROWS"] = SENTENCES_EACH  # a chunk per article
    login(client, "admin1")
    before = documents(db)
    upload(client, scene["project"].id, articles_file())
    job_id = db.session.scalar(select(Job.id))
    original = JobContext.report
    calls = []

    def report(self, fraction, message=None):
        calls.append(fraction)
        if len(calls) == 3:  # two chunks are committed (hidden) by now: someone cancels
            self.cancelled.set()
        original(self, fraction, message)

    monkeypatch.setattr(JobContext, "report", report)
    queue.run_pending(memory_queue)
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.state == "cancelled" and job.message == "Cancelled"
    assert documents(db) == before
    assert db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.import_id.is_not(None))) == 0


def test_a_refused_file_is_refused_at_once_and_queues_nothing(memory_queue, client, db,
                                                              scene):
    """Reading the files is fast: the upload checks them before it queues anything."""
    login(client, "admin1")
    before = documents(db)
    answer = upload(client, scene["project"].id, articles_file() + b"\n{not json",
                    name="bad.jsonl")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Import refused, nothing stored" in page and "bad.jsonl" in page
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert documents(db) == before


def test_input_the_job_cannot_use_fails_it_in_words_without_a_retry(memory_queue, db, scene):
    """A job's refusal (here a file no page checked: the API or the CLI could queue one) ends
    it as failed at once, with the message that names the file and line."""
    before = documents(db)
    job = services.submit(db.session, "import-articles", project_id=scene["project"].id,
                          inputs=[("bad.jsonl", articles_file() + b"\n{not json")])
    db.session.commit()
    assert runner.execute(job.id, "a-worker") == "failed"
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.attempts == 1  # bad input is not retried
    assert "bad.jsonl" in failed.error and "line 7" in failed.error
    assert failed.message.startswith("Failed: ")
    assert documents(db) == before


def test_an_unexpected_error_is_retried_and_the_import_published_once(memory_queue, client, db,
                                                                      scene, monkeypatch):
    login(client, "admin1")
    before = (documents(db), sentences(db))
    upload(client, scene["project"].id, articles_file())
    publish = ArticleImport.publish
    failures = []

    def flaky(self):
        if not failures:
            failures.append(1)
            raise RuntimeError("the database went away")
        return publish(self)

    monkeypatch.setattr(ArticleImport, "publish", flaky)
    assert queue.run_pending(memory_queue) == 2  # the failed attempt queued the job again
    job = db.session.scalar(select(Job))
    assert job.state == "done" and job.attempts == 2
    assert "attempt 1 failed, to be retried: RuntimeError: the database went away" in job.log
    assert (documents(db), sentences(db)) == (before[0] + ARTICLES,
                                               before[1] + ARTICLES * SENTENCES_EACH)


def test_an_error_on_the_last_attempt_fails_the_job(memory_queue, client, db, scene,
                                                    monkeypatch):
    login(client, "admin1")
    before = documents(db)
    upload(client, scene["project"].id, articles_file())

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ArticleImport, "publish", broken)
    assert queue.run_pending(memory_queue) == 3
    job = db.session.scalar(select(Job))
    assert job.state == "failed" and job.attempts == 3 and "disk full" in job.error
    assert documents(db) == before


def test_a_dead_workers_job_is_queued_again_and_finished_exactly_once(app, db, scene):
    """A worker took the job, staged part of the import, and was killed (no more heartbeats):
    the reaper queues it again, the next attempt removes the dead one's rows and publishes."""
    app.config["IMPORT_CHUNK_ROWS"] = SENTENCES_EACH
    project = scene["project"].id
    before = (documents(db), sentences(db))
    job = services.submit(db.session, "import-articles", project_id=project,
                          inputs=[("news.jsonl", articles_file())])
    db.session.commit()
    assert services.claim(db.session, job.id, "dead-worker") == 1
    db.session.commit()
    staged = ArticleImport(db.session, project, [], import_id=job.key, chunk_rows=5)
    from annotator.corpus.importing import read_files

    staged.articles = read_files([("news.jsonl", articles_file())])
    for written in staged.stage():
        db.session.commit()
        if written >= 2 * SENTENCES_EACH:
            break  # killed here: two articles staged, hidden
    assert documents(db) == before[0] + 2  # (hidden from users, but in the table)
    db.session.execute(update(Job).where(Job.id == job.id)
                       .values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()

    again = services.reap(db.session, stale_after=timedelta(seconds=30),
                          requeue_after=timedelta(minutes=2), keep_files=timedelta(hours=1))
    db.session.commit()
    assert again == [job.id]
    assert runner.execute(job.id, "second-worker") == "done"
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert (done.state, done.attempts, done.worker) == ("done", 2, "second-worker")
    assert "worker stopped beating: queued again" in done.log
    assert (documents(db), sentences(db)) == (before[0] + ARTICLES,
                                               before[1] + ARTICLES * SENTENCES_EACH)
    assert db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.import_id.is_not(None))) == 0
    # The dead worker, should it wake up, can no longer end the job.
    assert not services.finish(db.session, job.id, "dead-worker", 1, {}, "late")


def test_a_job_whose_worker_dies_on_every_attempt_fails(app, db, scene):
    job = services.submit(db.session, "import-articles", project_id=scene["project"].id)
    db.session.commit()
    for attempt in range(1, 4):
        assert services.claim(db.session, job.id, f"worker-{attempt}") == attempt
        db.session.execute(update(Job).where(Job.id == job.id)
                           .values(heartbeat_at=utcnow() - timedelta(minutes=5)))
        services.reap(db.session, stale_after=timedelta(seconds=30),
                      requeue_after=timedelta(minutes=2), keep_files=timedelta(hours=1))
        db.session.commit()
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.state == "failed" and "stopped on every attempt" in failed.error
    assert services.claim(db.session, job.id, "worker-4") is None


def test_files_of_long_ended_jobs_are_deleted(app, db, scene):
    job = services.submit(db.session, "import-articles", project_id=scene["project"].id,
                          inputs=[("a.jsonl", b"x" * 10)])
    job.state, job.finished_at = "done", utcnow() - timedelta(hours=30)
    db.session.commit()
    services.reap(db.session, stale_after=timedelta(seconds=30),
                  requeue_after=timedelta(minutes=2), keep_files=timedelta(hours=24))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(JobFile)) == 0


def test_large_files_are_stored_in_pieces_and_read_back_whole(app, db, scene):
    from annotator.jobs.models import PIECE_BYTES
    from annotator.jobs.queries import read_inputs

    data = bytes(range(256)) * (PIECE_BYTES // 256 * 2 + 3)
    job = services.submit(db.session, "import-articles", project_id=scene["project"].id,
                          inputs=[("big.bin", data)])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(JobFile)) == 3
    assert read_inputs(db.session, job.id) == [("big.bin", data)]


def test_cli_lists_and_cancels_jobs(app, db, scene):
    job = services.submit(db.session, "import-articles", project_id=scene["project"].id)
    db.session.commit()
    runner_cli = app.test_cli_runner()
    listed = runner_cli.invoke(args=["jobs", "--project", scene["project"].name,
                                     "--state", "active"])
    assert listed.exit_code == 0 and f"{job.id}\timport-articles\tqueued\t0%" in listed.output
    cancelled = runner_cli.invoke(args=["cancel-job", str(job.id)])
    assert cancelled.exit_code == 0 and f"job {job.id} (Import articles) cancelled" in \
        cancelled.output
    again = runner_cli.invoke(args=["cancel-job", str(job.id)])
    assert again.exit_code == 1 and "already ended" in again.output
    unknown = runner_cli.invoke(args=["cancel-job", "9999"])
    assert unknown.exit_code == 1 and "no job 9999" in unknown.output
    bad_state = runner_cli.invoke(args=["jobs", "--state", "sleeping"])
    assert bad_state.exit_code == 2


def test_the_api_refuses_bad_filters(client, db, scene):
    login(client, "admin1")
    assert client.get("/api/jobs?state=sleeping").status_code == 422
    assert client.get("/api/jobs?project=x1").status_code == 422
    assert client.get("/api/jobs?state=active").get_json() == {"jobs": []}
