"""`annotator adjudicate --project NAME [--batch ID] --min-agree M`."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.adjudication.queries import get_gold
from annotator.jobs import queue
from annotator.jobs.models import Job
from tests.adjudication.conftest import annotate, span_of


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def gold_rows(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(GoldSentence)),
            db.session.scalar(select(func.count()).select_from(GoldSpanRow)))


@pytest.fixture
def annotated(db, world):
    s0 = world["sentences"][0]
    for user, label in zip(world["annotators"], ["ACTOR", "ACTOR", "UNIT"], strict=True):
        annotate(db.session, user, s0.id, [span_of(s0.text, "rebels", label)])
    db.session.commit()
    return {**world, "s0": s0}


def test_adjudicate_prints_a_one_line_summary(app, db, annotated) -> None:
    name = annotated["project"].name
    result = run(app, "adjudicate", "--project", name, "--min-agree", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"adjudicated {name}: min-agree 2: 1 sentence, 1 span accepted")
    gold = get_gold(db.session, annotated["s0"].id)
    assert gold.status == "complete" and [s.source for s in gold.spans] == ["majority"]
    again = run(app, "adjudicate", "--project", name, "--min-agree", "2")
    assert "0 gold records changed" in again.output


def test_adjudicate_scoped_to_a_batch(app, db, annotated) -> None:
    batch = annotated["batch"].id
    result = run(app, "adjudicate", "--project", annotated["project"].name, "--batch",
                 str(batch), "--min-agree", "3")
    assert result.exit_code == 0, result.output
    assert "1 open conflict;" in result.output
    assert get_gold(db.session, annotated["s0"].id).status == "partial"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--project", "Nope", "--min-agree", "2"], "Nope"),
        (["--project", "{project}", "--min-agree", "0"], "min-agree"),
        (["--project", "{project}", "--min-agree", "-3"], "min-agree"),
        (["--project", "{project}", "--batch", "9999", "--min-agree", "2"], "batch 9999"),
        (["--project", "{project}", "--min-agree", "two"], "two"),
        (["--project", "{project}"], "--min-agree"),
    ],
)
def test_bad_input_fails_with_a_message_and_stores_nothing(app, db, annotated, args,
                                                          message) -> None:
    args = [a.format(project=annotated["project"].name) for a in args]
    result = run(app, "adjudicate", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert gold_rows(db) == (0, 0)


def test_adjudicate_background_queues_a_job_and_prints_its_id(app, db, annotated) -> None:
    app.config["JOBS_QUEUE"] = "memory"  # queued, run when the "worker" takes it
    name = annotated["project"].name
    result = run(app, "adjudicate", "--project", name, "--min-agree", "2", "--background")
    assert result.exit_code == 0, result.output
    job = db.session.scalars(select(Job)).one()
    assert result.output.startswith(f"queued job {job.id}: automatic adjudication of {name}")
    assert (job.kind, job.state, job.params["min_agree"]) == ("auto-adjudicate", "queued", 2)
    assert gold_rows(db) == (0, 0)  # nothing yet: the worker runs it
    refused = run(app, "adjudicate", "--project", name, "--min-agree", "2", "--background")
    assert refused.exit_code != 0 and "already running" in refused.output
    assert queue.run_pending(app) == 1
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "done" and gold_rows(db) == (1, 1)
