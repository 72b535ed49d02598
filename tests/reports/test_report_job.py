"""A large project's agreement report computed by a background job: the page shows the job's
panel instead of holding the request, then the report the job left in the cache."""

from __future__ import annotations

import re

from sqlalchemy import select

from annotator import caching
from annotator.jobs import queue
from annotator.jobs.models import Job
from annotator.reports import report_job
from tests.reports.conftest import annotate, span_of
from tests.reports.test_views import admin_client, expected_report


def alpha(html: str) -> float:
    summary = dict(re.findall(r'<tr data-figure="([^"]+)" data-value="([^"]*)">', html))
    return float(summary["krippendorff_alpha"])


def test_a_large_report_is_computed_by_a_job_then_shown(app, db, world) -> None:
    app.config["AGREEMENT_JOB_MIN_ANNOTATIONS"] = 10  # the world has more than ten
    app.config["JOBS_QUEUE"] = "memory"  # queued: a "worker" runs it below
    pid = world["project"].id
    client = admin_client(app)
    page = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.state, job.params) == (report_job.KIND, "queued",
                                                 {"batch_id": None, "bootstrap": 50})
    assert 'data-job-kind="agreement-report"' in page and f'data-job-id="{job.id}"' in page
    assert "Computing the agreement report" in page and 'data-figure="' not in page
    # A reload while it waits follows the same job (no second one).
    client.get(f"/projects/{pid}/agreement")
    assert db.session.query(Job).count() == 1
    assert queue.run_pending(app) == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "done" and job.result["sentences"] == 6
    # The report is in the cache: the page renders it (no new job, no computation).
    page = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    assert alpha(page) == expected_report(db, pid)["overall"]["krippendorff_alpha"]
    assert db.session.query(Job).count() == 1


def test_a_report_done_elsewhere_is_computed_here_rather_than_queued_again(app, db,
                                                                           world) -> None:
    app.config["AGREEMENT_JOB_MIN_ANNOTATIONS"] = 10
    pid = world["project"].id
    client = admin_client(app)
    client.get(f"/projects/{pid}/agreement")  # immediate queue: computed by the job
    assert db.session.query(Job).count() == 1
    caching.clear()  # as if the worker's cache were not this server's
    page = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    assert alpha(page) == expected_report(db, pid)["overall"]["krippendorff_alpha"]
    assert db.session.query(Job).count() == 1
    # New data: a new fingerprint, so a new job.
    s = world["sentences"]
    annotate(db.session, world["annotators"][0], s[6].id, [span_of(s[6].text, "rebels", "ACTOR")])
    db.session.commit()
    client.get(f"/projects/{pid}/agreement")
    assert db.session.query(Job).count() == 2


def test_a_small_report_is_computed_in_the_request(app, db, world) -> None:
    pid = world["project"].id
    page = admin_client(app).get(f"/projects/{pid}/agreement").get_data(as_text=True)
    assert 'data-figure="' in page and db.session.query(Job).count() == 0
