"""The annotation import as a background job ("import-annotations"): the page answers at once
and a worker publishes the import; a refusal fails the job with every problem; a worker killed
half-way leaves nothing, and the retry imports exactly once; the CLI's --background."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from annotator.adjudication.models import GoldSpanRow
from annotator.corpus.models import Document, Sentence
from annotator.db import utcnow
from annotator.export import import_job, storing
from annotator.jobs import queue, runner, services
from annotator.jobs.context import JobCancelled, JobContext
from annotator.jobs.models import Job
from annotator.jobs.queries import file_names
from tests.conftest import csrf_from, login
from tests.export import interop_data as data
from tests.export.interop_data import sizes

# What the brat files of interop_data hold: 3 documents (1 new), 6 sentences, 16 spans.
BRAT_SUMMARY = ("imported 3 documents (2 found in the project, 1 created) as gold: 6 sentences "
                "with 16 spans and 10 relations")


@pytest.fixture
def project(db):
    return data.interop_project(db.session)


@pytest.fixture
def memory_queue(app):
    """Jobs wait on an in-process queue until the test runs them (queue.run_pending)."""
    app.config["JOBS_QUEUE"] = "memory"
    app.extensions[queue.EXTENSION] = None
    return app


def post(client, project_id: int, files: list[tuple[str, str]], **fields: str):
    url = f"/projects/{project_id}/import-annotations"
    token = csrf_from(client.get(url).get_data(as_text=True))
    body = {"csrf_token": token, "format": "brat", "mode": "gold", **fields,
            "files": [(io.BytesIO(content.encode()), name) for name, content in files]}
    return client.post(url, data=body, content_type="multipart/form-data")


def latest(db) -> Job:
    db.session.expire_all()
    return db.session.scalars(select(Job).order_by(Job.id.desc())).first()


def test_the_page_queues_the_import_and_shows_it_until_a_worker_publishes_it(
        memory_queue, db, project) -> None:
    admin = memory_queue.test_client()
    login(admin, "boss")
    before = sizes(db.session)
    answer = post(admin, project.id, data.brat_files())
    assert answer.status_code == 303  # at once: nothing imported yet
    job = latest(db)
    assert (job.kind, job.state, job.params["format"], job.params["curator"]) == \
        ("import-annotations", "queued", "brat", "boss")
    assert sizes(db.session) == before
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'data-job-kind="import-annotations"' in page and f'data-job-id="{job.id}"' in page
    assert 'data-job-state="queued"' in page and 'id="import-outcome"' not in page

    assert queue.run_pending(memory_queue) == 1
    job = latest(db)
    assert job.state == "done" and job.progress == 1.0
    assert job.result["summary"] == BRAT_SUMMARY and job.result["skipped"] == []
    assert admin.get(f"/api/jobs/{job.id}").get_json()["result"]["summary"] == BRAT_SUMMARY
    page = admin.get(f"/projects/{project.id}/import-annotations").get_data(as_text=True)
    assert f"{BRAT_SUMMARY}." in page and 'data-job-state="done"' in page
    assert len(db.session.scalars(select(GoldSpanRow)).all()) == 16


def test_a_refused_job_names_every_problem_and_stores_nothing(memory_queue, db, project) -> None:
    admin = memory_queue.test_client()
    login(admin, "boss")
    files = [(n, c.replace("UNIT", "FORMATION")) for n, c in data.brat_files()]
    before = sizes(db.session)
    assert post(admin, project.id, files).status_code == 303
    queue.run_pending(memory_queue)
    job = admin.get(f"/api/jobs/{latest(db).id}").get_json()
    assert job["state"] == "failed"
    lines = job["error"].splitlines()
    assert lines[0] == "3 problems in the files; nothing imported"
    assert lines[1].startswith("doc0.ann line 4 (T4): label 'FORMATION' not in the schema")
    # the status line is the first line only: the page lists the problems under it
    assert job["message"] == "Failed: 3 problems in the files; nothing imported"
    assert sizes(db.session) == before
    page = admin.get(f"/projects/{project.id}/import-annotations").get_data(as_text=True)
    assert "Nothing was imported: 3 problems" in page
    assert "<li>doc0.ann line 4 (T4): label &#39;FORMATION&#39; not in the schema" in page
    assert page.count("label &#39;FORMATION&#39; not in the schema") == 2  # listed once each
    # The form starts from the refused import's options: only the files are to be mended.
    assert re.search(r'<option selected value="brat">|<option value="brat" selected>', page)
    assert re.search(r'<input[^>]*checked[^>]*value="gold"|<input[^>]*value="gold"[^>]*checked',
                     page)
    # With --skip-invalid the job stores the rest and lists every item it left out.
    assert post(admin, project.id, files, skip_invalid="y").status_code == 303
    queue.run_pending(memory_queue)
    result = latest(db).result
    assert result["skipped_count"] == 3 and len(result["skipped"]) == 3
    assert any(line.startswith("doc2.ann line 5 (T5)") for line in result["skipped"])
    page = admin.get(f"/projects/{project.id}/import-annotations").get_data(as_text=True)
    assert 'id="import-skipped"' in page and "Left out (3)" in page


def claimed(db, project_id: int, params: dict, inputs: list[tuple[str, bytes]]) -> JobContext:
    """An import job queued with these files and claimed by a worker (soon to die)."""
    job = services.submit(db.session, import_job.KIND, params, project_id=project_id,
                          inputs=inputs)
    db.session.commit()
    assert services.claim(db.session, job.id, "dead-worker") == 1
    db.session.commit()
    return JobContext(id=job.id, kind=import_job.KIND, key=job.key, params=params,
                      project_id=project_id, user_id=None, attempt=1)


def requeue_as_dead(db, job_id: int) -> None:
    """The job's worker stopped beating five minutes ago: the reaper queues the job again."""
    db.session.execute(update(Job).where(Job.id == job_id)
                       .values(heartbeat_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert services.reap(db.session, stale_after=timedelta(seconds=30),
                         requeue_after=timedelta(minutes=2),
                         keep_files=timedelta(hours=1)) == [job_id]
    db.session.commit()


def test_a_dead_workers_import_is_retried_and_published_exactly_once(app, db, project) -> None:
    """The first worker ran the whole import and died before its last commit, the one that
    shows the new document with the job's "done": its chunks (the hidden document, the gold)
    stay committed, and nobody sees the document. The reaper queues the job again; the next
    attempt takes out what the first one left, then imports once, no duplicates."""
    before = sizes(db.session)
    shown_before = shown_documents(db)
    params = import_job.import_params("brat", "gold", annotator=None, curator="boss",
                                      skip_invalid=False, text_key=None)
    ctx = claimed(db, project.id, params, [(n, c.encode()) for n, c in data.brat_files()])
    job_id = ctx.id
    import_job.run(db.session, ctx)  # every chunk committed, the last transaction not...
    db.session.rollback()  # ...and the worker is killed: the database drops that one
    staged = db.session.scalars(select(Document.id).where(Document.import_id == ctx.key)).all()
    assert len(staged) == 1  # the document the files lack: written, hidden under the job's key
    assert sizes(db.session)[0] == before[0] + 1 and shown_documents(db) == shown_before
    requeue_as_dead(db, job_id)
    assert runner.execute(job_id, "second-worker") == "done"
    assert runner.execute(job_id, "third-worker") is None  # a second message: taken already
    done = latest(db)
    assert (done.state, done.attempts, done.result["summary"]) == ("done", 2, BRAT_SUMMARY)
    after = sizes(db.session)
    # One new document with its sentences, 6 gold sentences, 16 spans, 10 relations: once.
    assert after[0] == before[0] + 1 and after[2:5] == (before[2] + 6, before[3] + 16,
                                                        before[4] + 10)
    assert after[8] - before[8] == 6  # an audit record per gold sentence, once
    assert shown_documents(db) == shown_before + 1  # shown by the retry's last transaction
    assert not services.finish(db.session, job_id, "dead-worker", 1, {}, "late")


def shown_documents(db) -> int:
    """Documents nobody's import is still writing (those the project's pages list)."""
    return db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.import_id.is_(None)))


def test_the_cli_queues_the_import_in_the_background(memory_queue, db, project, tmp_path):
    paths = []
    for name, content in data.brat_files():
        (tmp_path / name).write_text(content)
        paths.append(str(tmp_path / name))
    before = sizes(db.session)
    out = memory_queue.test_cli_runner().invoke(args=[
        "import-annotations", "--project", "Interop", "--format", "brat", "--as", "gold",
        "--background", *paths])
    assert out.exit_code == 0, out.output
    job_id = int(re.fullmatch(r"job (\d+) queued: import annotations into Interop\n",
                              out.output).group(1))
    assert sizes(db.session) == before
    queue.run_pending(memory_queue)
    job = latest(db)
    assert (job.id, job.state, job.result["summary"]) == (job_id, "done", BRAT_SUMMARY)
    unknown = memory_queue.test_cli_runner().invoke(args=[
        "import-annotations", "--project", "Nowhere", "--background", *paths])
    assert unknown.exit_code != 0 and latest(db).id == job_id


def test_a_cancelled_import_stops_at_its_next_report_and_stores_nothing(app, db, project):
    before = sizes(db.session)
    params = import_job.import_params("brat", "gold", annotator=None, curator=None,
                                      skip_invalid=False, text_key=None)
    job = services.submit(db.session, import_job.KIND, params, project_id=project.id,
                          inputs=[(n, c.encode()) for n, c in data.brat_files()])
    db.session.commit()
    ctx = JobContext(id=job.id, kind=import_job.KIND, key=job.key, params=params,
                     project_id=project.id, user_id=None, attempt=1)
    seen: list[str] = []
    report = ctx.report

    def cancel_while_placing(fraction: float, message: str | None = None) -> None:
        seen.append(message or "")
        if message and message.startswith("Placing spans"):
            ctx.cancelled.set()  # what the heartbeat does when someone clicks Cancel
        report(fraction, message)

    ctx.report = cancel_while_placing  # type: ignore[method-assign]
    with pytest.raises(JobCancelled):
        import_job.run(db.session, ctx)
    db.session.rollback()
    assert seen[:3] == ["Reading the files", "Reading 6 files",
                        "Read 3 documents; finding them in the project"]
    assert sizes(db.session) == before


def test_a_worker_killed_between_chunks_is_undone_and_the_retry_imports_once(
    app, db, project, monkeypatch
) -> None:
    """Our JSONL is written a chunk at a time, each committed with a ledger entry. A worker
    killed after two chunks leaves them committed; the retry first takes out what the ledger
    lists, then imports the whole file once: no duplicate, every audit record once."""
    sentences = list(db.session.scalars(select(Sentence).order_by(Sentence.id).limit(4)))
    lines = "\n".join(json.dumps({"text": s.text, "meta": {"sentence_id": s.id}, "spans": [
        {"start": 0, "end": s.text.index(" "), "label": "ACTOR"}]}) for s in sentences)
    app.config["IMPORT_CHUNK_ROWS"] = 1
    before = sizes(db.session)
    params = import_job.import_params("ours", "gold", annotator=None, curator=None,
                                      skip_invalid=False, text_key=None)
    ctx = claimed(db, project.id, params, [("gold.jsonl", lines.encode())])
    job_id = ctx.id
    with monkeypatch.context() as patch:
        patch.setattr(storing, "store_annotations", data.store_failing_on(3, data.Killed()))
        patch.setattr(storing._ChunkedStore, "discard", lambda self: iter(()))
        with pytest.raises(data.Killed):
            import_job.run(db.session, ctx)
    db.session.rollback()
    half = sizes(db.session)
    assert half[2] == before[2] + 2  # two gold sentences committed, then the worker died
    assert len(file_names(db.session, job_id, import_job.LEDGER)) == 2
    requeue_as_dead(db, job_id)
    assert runner.execute(job_id, "second-worker") == "done"
    after = sizes(db.session)
    # 4 gold sentences with a span each and an audit record each: once.
    assert (after[2] - before[2], after[3] - before[3], after[8] - before[8]) == (4, 4, 4)
    assert latest(db).attempts == 2


def test_the_jobs_list_gives_a_refused_import_one_line_and_its_page_every_problem(
    memory_queue, db, project
) -> None:
    """The admin's list of jobs is for scanning: a refused import shows its headline there,
    and the job's own page lists every problem. The table scrolls inside its box."""
    admin = memory_queue.test_client()
    login(admin, "boss")
    files = [(n, c.replace("UNIT", "FORMATION")) for n, c in data.brat_files()]
    assert post(admin, project.id, files).status_code == 303
    queue.run_pending(memory_queue)
    job_id = latest(db).id
    listing = admin.get("/admin/jobs").get_data(as_text=True)
    row = listing[listing.index(f'<tr data-job="{job_id}">'):]
    row = row[:row.index("</tr>")]
    assert "<td>Failed: 3 problems in the files; nothing imported</td>" in row
    assert "FORMATION" not in row
    assert '<div class="table-scroll"><table class="jobs">' in listing
    page = admin.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    panel_error = page[page.index('class="job-error'):]
    panel_error = panel_error[:panel_error.index("</p>")]
    assert panel_error.count("label &#39;FORMATION&#39; not in the schema") == 2
