"""The export file built by a background job: "Prepare the file" on the export page, the
download the panel offers, exactly one file after a killed attempt, none after a cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from annotator.export import export_job
from annotator.jobs import runner, services
from annotator.jobs.models import Job, JobFile
from tests.conftest import csrf_from
from tests.export.gold_data import golden_project
from tests.export.test_views import client_for

OPTIONS = {"format": "jsonl", "split": "80/10/10", "seed": "2", "part": "train",
           "complete_only": "1"}
QUERY = "format=jsonl&split=80/10/10&seed=2&part=train&complete_only=1"


class Killed(BaseException):
    """Stands for ``kill -9``: nothing of the runner's own handling runs after it."""


@pytest.fixture
def golden(app, db):
    return golden_project(db.session)


def prepare(downloader, project_id: int, **fields: str):
    page = downloader.client.get(f"/projects/{project_id}/export").get_data(as_text=True)
    return downloader.client.post(f"/projects/{project_id}/export/prepare",
                                  data={"csrf_token": csrf_from(page), **fields})


def outputs(db) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(JobFile.job_id, JobFile.name, func.count()).where(JobFile.role == "output")
        .group_by(JobFile.job_id, JobFile.name))]


def test_prepare_the_file_writes_the_pages_export_and_offers_it(app, db, golden) -> None:
    pid = golden["project"].id
    cur = client_for(app, "cur")
    response = prepare(cur, pid, **OPTIONS)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/projects/{pid}/export")
    job = db.session.scalars(select(Job).where(Job.kind == export_job.KIND)).one()
    assert job.state == "done" and job.user_id == golden["curator"].id
    name = "golden-gold-train.jsonl"
    direct = cur.get(f"/projects/{pid}/export/download?{QUERY}").get_data()
    assert job.result["file"] == name and job.result["bytes"] == len(direct) > 0
    assert job.result["media_type"] == "application/x-ndjson; charset=utf-8"
    # The page's panel offers the file; the file is the page's direct download, byte for byte.
    page = cur.get(f"/projects/{pid}/export").get_data(as_text=True)
    link = f"/api/jobs/{job.id}/files/{name}"
    assert 'data-job-state="done"' in page and f'href="{link}"' in page
    fetched = cur.get(link)
    assert fetched.status_code == 200 and fetched.get_data() == direct
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    # Nobody else but an admin can fetch it; the reaper deletes it after JOB_FILES_KEEP_HOURS.
    assert client_for(app, "ann_a").get(link).status_code == 404
    db.session.expire_all()
    services.reap(db.session, stale_after=timedelta(minutes=1), requeue_after=timedelta(hours=1),
                  keep_files=timedelta(hours=app.config["JOB_FILES_KEEP_HOURS"]))
    assert outputs(db) == [(job.id, name, 1)]
    services.reap(db.session, stale_after=timedelta(minutes=1), requeue_after=timedelta(hours=1),
                  keep_files=timedelta(0))
    db.session.commit()
    assert outputs(db) == [] and cur.get(link).status_code == 404


def test_bad_options_prepare_nothing(app, db, golden) -> None:
    pid = golden["project"].id
    cur = client_for(app, "cur")
    response = prepare(cur, pid, format="jsonl", part="train")
    page = cur.get(response.headers["Location"]).get_data(as_text=True)
    assert "No file prepared: part needs split" in page
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_large_project_offers_only_the_prepared_file(app, golden) -> None:
    pid = golden["project"].id
    cur = client_for(app, "cur")
    assert 'id="download-now"' in cur.get(f"/projects/{pid}/export").get_data(as_text=True)
    app.config["EXPORT_DIRECT_MAX_SENTENCES"] = 5  # the project has 6 gold sentences
    page = cur.get(f"/projects/{pid}/export").get_data(as_text=True)
    assert 'id="download-now"' not in page and 'id="prepare-file"' in page
    assert "This project's gold is large" in page


def submit(db, project_id: int, user_id: int) -> int:
    job = services.submit(db.session, export_job.KIND, {"options": OPTIONS, "pseudonyms": None},
                          user_id=user_id, project_id=project_id)
    db.session.commit()
    return job.id


def test_a_killed_export_is_written_once_by_the_retry(app, db, golden, monkeypatch) -> None:
    job_id = submit(db, golden["project"].id, golden["curator"].id)
    reported = export_job._reported

    def dying(ctx, documents, total):
        for n, document in enumerate(reported(ctx, documents, total)):
            if n == 1:
                raise Killed()
            yield document

    monkeypatch.setattr(export_job, "_reported", dying)
    with pytest.raises(Killed):
        runner.execute(job_id, worker="doomed")
    assert outputs(db) == []  # half a file is never stored
    assert services.reap(db.session, stale_after=timedelta(0), requeue_after=timedelta(hours=1),
                         keep_files=timedelta(hours=1)) == [job_id]
    db.session.commit()
    monkeypatch.undo()
    assert runner.execute(job_id, worker="second") == "done"
    assert outputs(db) == [(job_id, "golden-gold-train.jsonl", 1)]


def test_a_cancelled_export_leaves_no_file(app, db, golden, monkeypatch) -> None:
    job_id = submit(db, golden["project"].id, golden["curator"].id)
    reported = export_job._reported

    def cancelled(ctx, documents, total):
        ctx.cancelled.set()
        yield from reported(ctx, documents, total)

    monkeypatch.setattr(export_job, "_reported", cancelled)
    assert runner.execute(job_id) == "cancelled"
    assert outputs(db) == []
