"""`annotator create-batch`, `batch-status`, `reassign-batch`, `remove-batch`."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.assignments.models import Assignment, Batch
from tests.factories import make_articles, make_project, make_user


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def setup(db) -> None:
    for name in ("ann_a", "ann_b", "ann_c"):
        make_user(db.session, name)
    make_articles(db.session, make_project(db.session, "Sahel"), 3)
    db.session.commit()


def test_create_batch_prints_id_and_counts(app, db) -> None:
    setup(db)
    result = run(app, "create-batch", "--project", "Sahel", "--remaining",
                 "--annotators", "ann_a,ann_b,ann_c", "--overlap", "2", "--seed", "3",
                 "--name", "Week 1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    batch = db.session.scalar(select(Batch))
    assert lines[0] == f"batch {batch.id}" and batch.name == "Week 1"
    assert "12 sentences, overlap 2" in result.output
    assert {line.split(":")[0].strip() for line in lines[2:]} == {"ann_a", "ann_b", "ann_c"}
    assert sum(int(line.split(":")[1]) for line in lines[2:]) == 24
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.auth.models import User

    ann_b = db.session.scalar(select(User).where(User.username == "ann_b"))
    mine = list(db.session.scalars(select(Assignment.sentence_id).where(
        Assignment.annotator_id == ann_b.id).order_by(Assignment.position)))
    from annotator.corpus.models import Sentence

    first_word = len(db.session.get(Sentence, mine[0]).text.split()[0])
    untyped_event = {"start": 0, "end": first_word, "label": "EVENT", "attributes": {}}
    save_annotation(db.session, ann_b, mine[0], AnnotationIn([untyped_event], "done", 0, 8.0),
                    max_spent=60)
    save_annotation(db.session, ann_b, mine[1], AnnotationIn([], "skipped", 0, 2.0, True,
                                                             "unsure about unit"), max_spent=60)
    db.session.commit()
    status = run(app, "batch-status", "--project", "Sahel")
    assert status.exit_code == 0, status.output
    table = [line.split() for line in status.output.splitlines()]
    assert table[0] == ["batch", "annotator", "assigned", "done", "skipped", "flagged",
                        "untyped", "remaining", "median_s", "last_activity"]
    rows = {r[3]: r for r in table[1:]}  # "<id> Week 1" spans three words
    assert set(rows) == {"ann_a", "ann_b", "ann_c"}
    assert rows["ann_b"][4:11] == [str(len(mine)), "1", "1", "1", "1", str(len(mine) - 2),
                                   "8.0"]
    assert rows["ann_a"][4:11] == [rows["ann_a"][4], "0", "0", "0", "0", rows["ann_a"][4], "-"]


def test_create_batch_sample_and_documents(app, db) -> None:
    setup(db)
    assert run(app, "create-batch", "--project", "Sahel", "--sample", "5", "--annotators", "ann_a",
               "--overlap", "1").exit_code == 0
    docs = run(app, "create-batch", "--project", "Sahel", "--documents", "1,2", "--annotators",
               "ann_b", "--overlap", "1")
    assert docs.exit_code == 0, docs.output


def test_create_batch_bad_input_creates_nothing(app, db) -> None:
    setup(db)
    from annotator.auth.models import User

    db.session.scalar(select(User).where(User.username == "ann_c")).active = False
    db.session.commit()
    cases = [
        (["--remaining", "--annotators", "ann_a,ann_b", "--overlap", "3"],
         "overlap must be between"),
        (["--remaining", "--annotators", "ann_a,zed", "--overlap", "1"], "unknown user(s): zed"),
        (["--remaining", "--annotators", "ann_a,ann_c", "--overlap", "1"],
         "deactivated user(s) cannot be assigned: ann_c"),
        (["--remaining", "--annotators", "ann_a,ann_a", "--overlap", "1"], "listed twice"),
        (["--remaining", "--annotators", ",", "--overlap", "1"], "no annotators given"),
        (["--annotators", "ann_a", "--overlap", "1"], "exactly one of"),
        (["--remaining", "--sample", "3", "--annotators", "ann_a", "--overlap", "1"],
         "exactly one of"),
        (["--documents", "x", "--annotators", "ann_a", "--overlap", "1"], "integer ids"),
        (["--documents", "999", "--annotators", "ann_a", "--overlap", "1"], "not in this project"),
        (["--sample", "0", "--annotators", "ann_a", "--overlap", "1"], "positive"),
        (["--sample", "500", "--annotators", "ann_a", "--overlap", "1"], "only 12 unassigned"),
        (["--remaining", "--annotators", "ann_a", "--overlap", "0"], "overlap must be between"),
    ]
    for args, message in cases:
        result = run(app, "create-batch", "--project", "Sahel", *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output  # one line
    missing = run(app, "create-batch", "--project", "Nope", "--remaining", "--annotators", "ann_a",
                  "--overlap", "1")
    assert missing.exit_code == 1 and "no project named" in missing.output
    no_overlap = run(app, "create-batch", "--project", "Sahel", "--remaining", "--annotators",
                     "ann_a")
    assert no_overlap.exit_code != 0 and "--overlap" in no_overlap.output
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 0
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_reassign_and_remove_commands(app, db) -> None:
    setup(db)
    run(app, "create-batch", "--project", "Sahel", "--remaining", "--annotators", "ann_a,ann_b",
        "--overlap", "1")
    batch_id = db.session.scalar(select(Batch.id))
    moved = run(app, "reassign-batch", str(batch_id), "--from", "ann_a", "--to", "ann_c")
    assert moved.exit_code == 0 and "moved 6 sentences" in moved.output
    assert run(app, "remove-batch", str(batch_id)).output.strip() == f"batch {batch_id} deleted"
    assert run(app, "remove-batch", "999").exit_code == 1
