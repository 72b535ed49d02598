"""The automatic pass as a background job: started from the page, written in chunks, resumed
exactly once after a killed attempt, and undone whole by a cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from annotator.adjudication import auto_job
from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.audit.models import AuditEvent
from annotator.jobs import runner, services
from annotator.jobs.models import Job, JobFile
from tests.adjudication.conftest import annotate, span_of
from tests.adjudication.test_frames import frame_spans, link
from tests.adjudication.test_views import post_form
from tests.conftest import login


class Killed(BaseException):
    """Stands for ``kill -9``: nothing of the runner's own handling runs after it."""


@pytest.fixture
def crowd(db, world):
    """Every sentence of the batch annotated: each has "rebels" ACTOR, "shelled" EVENT and
    "Kafr" LOCATION from all three, linked shelled -actor1-> rebels by all three; on every
    third sentence ann2 calls "Kafr" a UNIT (a label conflict); the first two sentences only
    ann0 and ann1 finished (too few for min-agree 3)."""
    a0, a1, a2 = world["annotators"]
    sentences = world["sentences"]
    for n, sentence in enumerate(sentences):
        text = sentence.text
        people = (a0, a1) if n < 2 else (a0, a1, a2)
        for user in people:
            spans = frame_spans(text)
            if user is a2 and n % 3 == 0:
                spans = [span_of(text, "rebels"), span_of(text, "shelled", "EVENT"),
                         span_of(text, "Kafr", "UNIT")]
            annotate(db.session, user, sentence.id, spans)
            link(db, user, sentence, [("shelled", "actor1", "rebels")])
    db.session.commit()
    return world


def figures(db) -> tuple[int, int, int, int]:
    """Gold records, gold spans, gold relations, gold audit records."""
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (
        GoldSentence, GoldSpanRow, GoldRelationRow)) + (db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.target == "gold")),)


def gold_picture(db) -> list[tuple]:
    """Every gold record with its status, version, spans and relations."""
    spans = sorted(tuple(r) for r in db.session.execute(select(
        GoldSentence.sentence_id, GoldSentence.status, GoldSentence.version,
        GoldSentence.min_agree, GoldSpanRow.start, GoldSpanRow.label, GoldSpanRow.source,
        GoldSpanRow.votes).join(GoldSpanRow, GoldSpanRow.gold_id == GoldSentence.id)))
    links = sorted(tuple(r) for r in db.session.execute(select(
        GoldSentence.sentence_id, GoldRelationRow.role, GoldRelationRow.head_start,
        GoldRelationRow.child_start, GoldRelationRow.votes)
        .join(GoldRelationRow, GoldRelationRow.gold_id == GoldSentence.id)))
    return spans + links


def expected_figures(db, project_id: int, min_agree: int) -> tuple[int, int, int, int]:
    """What the one-transaction pass would store (run, counted, rolled back)."""
    auto_adjudicate(db.session, project_id, min_agree=min_agree)
    try:
        return figures(db)
    finally:
        db.session.rollback()


def submit(db, project_id: int, min_agree: int, user_id: int) -> int:
    job = services.submit(db.session, auto_job.KIND, {"min_agree": min_agree, "batch_id": None},
                          user_id=user_id, project_id=project_id)
    db.session.commit()
    return job.id


def stop_after(monkeypatch, chunks: int, stop) -> list[int]:
    """Let ``chunks`` chunks be written, then call ``stop(ctx)``; the chunk sizes seen."""
    seen: list[int] = []
    write = auto_job._write_chunk

    def counted(session, ctx, work, items, number):
        plan = write(session, ctx, work, items, number)
        seen.append(len(items))
        if len(seen) == chunks:
            stop(ctx)
        return plan

    monkeypatch.setattr(auto_job, "_write_chunk", counted)
    return seen


def test_the_page_runs_the_pass_as_a_job_in_chunks(app, client, db, crowd) -> None:
    app.config["AUTO_CHUNK_SENTENCES"] = 3
    project = crowd["project"].id
    expected = expected_figures(db, project, 2)
    login(client, "curator1")
    response = post_form(client, f"/projects/{project}/adjudication/auto", min_agree="2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    job = db.session.scalars(select(Job).where(Job.kind == auto_job.KIND)).one()
    assert (job.state, job.user_id, job.project_id) == ("done", crowd["curator"].id, project)
    assert job.result["sentences"] == len(crowd["sentences"])
    assert job.result["created"] == len(crowd["sentences"])
    assert figures(db) == expected
    # The panel shows the job that just ended, with its outcome; the flash gives the summary.
    assert f'data-job-id="{job.id}"' in page and 'data-job-state="done"' in page
    assert "Automatic adjudication done: min-agree 2" in page
    # One ledger entry per chunk that wrote something (for the undo).
    chunks = -(-len(crowd["sentences"]) // 3)
    assert job.result["chunks"]["count"] == chunks  # with their timings (for benchmarks)
    assert db.session.scalar(select(func.count(func.distinct(JobFile.name))).where(
        JobFile.job_id == job.id, JobFile.role == auto_job.LEDGER)) == chunks


def test_a_second_pass_is_refused_while_one_is_queued(client, db, crowd) -> None:
    project = crowd["project"].id
    submit(db, project, 2, crowd["curator"].id)  # queued, never run
    login(client, "curator1")
    response = post_form(client, f"/projects/{project}/adjudication/auto", min_agree="2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already running in this project" in page
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert figures(db) == (0, 0, 0, 0)


def test_a_killed_pass_is_resumed_and_stores_everything_exactly_once(
        app, db, crowd, monkeypatch) -> None:
    app.config["AUTO_CHUNK_SENTENCES"] = 2
    project = crowd["project"].id
    expected = expected_figures(db, project, 2)
    job_id = submit(db, project, 2, crowd["curator"].id)

    def kill(ctx):
        raise Killed()

    seen = stop_after(monkeypatch, 2, kill)
    with pytest.raises(Killed):
        runner.execute(job_id, worker="doomed")
    db.session.expire_all()
    half = figures(db)
    assert half[0] == 4 and half[0] == half[3]  # two chunks of two sentences, whole
    assert db.session.get(Job, job_id).state == "running"
    # The worker stopped beating: the reaper queues the job again, another worker resumes.
    assert services.reap(db.session, stale_after=timedelta(0), requeue_after=timedelta(hours=1),
                         keep_files=timedelta(hours=1)) == [job_id]
    db.session.commit()
    assert seen == [2, 2]
    monkeypatch.undo()
    assert runner.execute(job_id, worker="second") == "done"
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.attempts) == ("done", 2)
    assert figures(db) == expected  # no duplicate gold, relation or audit record
    # The second attempt found the first two chunks done: it wrote only the rest.
    assert job.result["created"] == len(crowd["sentences"]) - 4
    again = auto_adjudicate(db.session, project, min_agree=2)
    assert again.changed == 0 and figures(db) == expected


def test_cancelling_mid_way_puts_every_gold_record_back(app, client, db, crowd,
                                                        monkeypatch) -> None:
    app.config["AUTO_CHUNK_SENTENCES"] = 2
    project = crowd["project"].id
    # An earlier pass at min-agree 3 left gold (partial where ann2 disagreed); the first two
    # sentences, with two annotators, have none: the three chunks before the cancel create
    # gold (sentences 0, 1) and change it (sentence 3).
    auto_adjudicate(db.session, project, min_agree=3)
    db.session.commit()
    before, picture = figures(db), gold_picture(db)
    assert before[0] == len(crowd["sentences"]) - 2
    seen = stop_after(monkeypatch, 3, lambda ctx: ctx.cancelled.set())
    login(client, "curator1")
    post_form(client, f"/projects/{project}/adjudication/auto", min_agree="2")
    db.session.expire_all()
    job = db.session.scalars(select(Job).where(Job.kind == auto_job.KIND)).one()
    assert job.state == "cancelled" and len(seen) == 3 < len(crowd["sentences"]) / 2
    assert figures(db) == before and gold_picture(db) == picture
    assert db.session.scalar(select(func.count()).select_from(JobFile)) == 0
