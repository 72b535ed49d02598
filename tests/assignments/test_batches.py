"""Batches in the database: creation, queues, blind access, reassignment, removal, dashboard."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from annotator.annotation.models import Annotation
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.assignments.progress import batch_progress
from annotator.assignments.queue import next_sentence_id
from annotator.assignments.services import create_batch, reassign_annotator, remove_batch
from annotator.corpus.models import Sentence
from annotator.errors import Conflict, Invalid
from tests.conftest import api_headers, login
from tests.factories import add_members, make_articles, make_project, make_user, prepare_batch


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def queue(db, user_id: int, batch_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Assignment.sentence_id)
        .where(Assignment.annotator_id == user_id, Assignment.batch_id == batch_id)
        .order_by(Assignment.position)
    ))


def test_batch_gives_each_sentence_to_k_annotators_in_reading_order(db) -> None:
    data = prepare_batch(db.session, k=2, annotators=3, articles=4)
    batch = data["batch"]
    sentences = list(db.session.scalars(
        select(Sentence.id).where(Sentence.excluded.is_(False)).order_by(Sentence.document_id, Sentence.index)
    ))
    per_sentence = Counter(db.session.scalars(select(Assignment.sentence_id)))
    assert set(per_sentence) == set(sentences) and set(per_sentence.values()) == {2}
    loads = [len(queue(db, u.id, batch.id)) for u in data["annotators"]]
    assert max(loads) - min(loads) <= 1 and sum(loads) == 2 * len(sentences)
    order = {sid: i for i, sid in enumerate(sentences)}
    for u in data["annotators"]:
        q = queue(db, u.id, batch.id)
        assert q == sorted(q, key=order.get)
    assert data["created"].per_annotator == {u.username: n for u, n in zip(data["annotators"], loads)}


def test_excluded_and_already_batched_sentences_never_enter_a_batch(db) -> None:
    data = prepare_batch(db.session, k=1, annotators=2, articles=2)
    first = db.session.scalar(select(Sentence).order_by(Sentence.id))
    project = data["project"]
    make_articles(db.session, project, 1, start=10)
    newest = db.session.scalars(select(Sentence).order_by(Sentence.id.desc())).first()
    newest.excluded = True
    db.session.flush()
    created = create_batch(db.session, project.id, source="remaining", annotators=["ann0"], overlap=1)
    in_new = set(db.session.scalars(select(BatchSentence.sentence_id).where(BatchSentence.batch_id == created.batch.id)))
    assert newest.id not in in_new and first.id not in in_new and len(in_new) == 3


def test_sample_is_seeded_and_reproducible(db) -> None:
    make_user(db.session, "a1")
    make_user(db.session, "a2")
    p1, p2 = make_project(db.session, "P1"), make_project(db.session, "P2")
    make_articles(db.session, p1, 10)
    make_articles(db.session, p2, 10)

    def picked(project, seed):
        created = create_batch(db.session, project.id, source="sample", sample=7,
                               annotators=["a1", "a2"], overlap=1, seed=seed)
        ids = db.session.scalars(select(BatchSentence.sentence_id).where(
            BatchSentence.batch_id == created.batch.id).order_by(BatchSentence.position))
        return [db.session.get(Sentence, i).index + 100 * (db.session.get(Sentence, i).document_id % 10) for i in ids]

    assert picked(p1, 5) == picked(p2, 5)  # same seed, same corpus shape, same choice


def test_documents_source(db) -> None:
    make_user(db.session, "a1")
    project = make_project(db.session)
    make_articles(db.session, project, 3)
    doc_id = db.session.scalar(select(Sentence.document_id).order_by(Sentence.id.desc()))
    created = create_batch(db.session, project.id, source="documents", document_ids=[doc_id],
                           annotators=["a1"], overlap=1)
    assert created.sentences == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"annotators": ["ann0", "ann1"], "overlap": 3}, "between 1 and"),
        ({"annotators": ["ann0", "ghost"], "overlap": 1}, "unknown user(s): ghost"),
        ({"annotators": ["ann0", "gone"], "overlap": 1}, "deactivated user(s) cannot be assigned: gone"),
        ({"annotators": [], "overlap": 1}, "no annotators"),
        ({"annotators": ["ann0"], "overlap": 1, "source": "sample", "sample": 10_000}, "only"),
        ({"annotators": ["ann0"], "overlap": 1, "source": "documents", "document_ids": [999]}, "not in this project"),
        ({"annotators": ["ann0"], "overlap": 1, "source": "remaining"}, "no unassigned sentence"),
    ],
)
def test_bad_batches_are_refused_and_nothing_is_created(db, kwargs, message) -> None:
    data = prepare_batch(db.session, k=1, annotators=2, articles=1)
    gone = make_user(db.session, "gone")
    gone.active = False
    db.session.commit()
    before = (count(db, Batch), count(db, Assignment), count(db, BatchSentence))
    kwargs = {"source": "remaining", **kwargs}
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_batch(db.session, data["project"].id, **kwargs)
    db.session.rollback()
    assert (count(db, Batch), count(db, Assignment), count(db, BatchSentence)) == before


def test_queue_follows_saves(client, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    ann = data["annotators"][0]
    batch_id = data["batch"].id
    login(client, ann.username)
    h = api_headers(client)
    seen = []
    while True:
        r = client.get(f"/api/queue/next?batch={batch_id}")
        if r.status_code == 204:
            break
        sid = r.json["sentence_id"]
        seen.append(sid)
        state = client.get(f"/api/sentences/{sid}/annotation").json
        status = "skipped" if len(seen) == 2 else "done"
        assert client.put(f"/api/sentences/{sid}/annotation",
                          json={"spans": [], "version": state["version"], "status": status},
                          headers=h).status_code == 200
        assert len(seen) <= 10
    assert seen == queue(db, ann.id, batch_id)
    page = client.get(f"/batches/{batch_id}/continue")
    assert page.headers["Location"].endswith(f"/batches/{batch_id}?complete=1")
    assert b"Batch complete" in client.get(page.headers["Location"]).data


def test_queue_api_errors(client, db) -> None:
    data = prepare_batch(db.session)
    login(client, "outsider")
    # No member of the project: the batch does not exist for them (docs/access.md).
    assert client.get(f"/api/queue/next?batch={data['batch'].id}").status_code == 404
    add_members(db.session, data["project"], data["outsider"])
    db.session.commit()
    assert client.get(f"/api/queue/next?batch={data['batch'].id}").status_code == 403
    assert client.get("/api/queue/next?batch=999").status_code == 404
    r = client.get("/api/queue/next?batch=abc")
    assert r.status_code == 422 and r.json["error"]["message"]


def test_blind_annotation_once_batches_exist(app, client, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=2, articles=2)
    a0, a1 = data["annotators"]
    mine = queue(db, a0.id, data["batch"].id)
    theirs = queue(db, a1.id, data["batch"].id)
    assert not set(mine) & set(theirs)
    login(client, a0.username)
    h = api_headers(client)
    assert client.get(f"/sentences/{mine[0]}").status_code == 200
    assert client.get(f"/sentences/{theirs[0]}").status_code == 403
    assert client.get(f"/api/sentences/{theirs[0]}/annotation").status_code == 403
    r = client.put(f"/api/sentences/{theirs[0]}/annotation", json={"spans": [], "version": 0}, headers=h)
    assert r.status_code == 403 and count(db, Annotation) == 0
    # the corpus listing becomes their batch list
    page = client.get(f"/projects/{data['project'].id}")
    assert page.status_code == 200 and b"my batches" in page.data and b"Report 0-1" not in page.data
    admin = app.test_client()
    login(admin, "admin1")
    assert admin.get(f"/sentences/{theirs[0]}").status_code == 200
    assert b"Report 0-1" in admin.get(f"/projects/{data['project'].id}").data


def test_annotators_never_see_each_others_spans(app, client, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    a0, a1 = data["annotators"]
    sid = queue(db, a0.id, data["batch"].id)[0]
    login(client, a0.username)
    client.put(f"/api/sentences/{sid}/annotation",
               json={"spans": [{"start": 0, "end": 6, "label": "ACTOR"}], "version": 0},
               headers=api_headers(client))
    other = app.test_client()
    login(other, a1.username)
    assert other.get(f"/api/sentences/{sid}/annotation").json["spans"] == []
    assert b'"label": "ACTOR"' not in other.get(f"/sentences/{sid}").data


def test_reassignment_moves_only_unfinished_work_and_keeps_annotations(db) -> None:
    data = prepare_batch(db.session, k=2, annotators=3, articles=3)
    a0, a1, a2 = data["annotators"]
    extra = make_user(db.session, "extra")
    batch_id = data["batch"].id
    from annotator.annotation.services import AnnotationIn, save_annotation

    q0 = queue(db, a0.id, batch_id)
    for sid in q0[:3]:
        save_annotation(db.session, a0, sid, AnnotationIn([], "done", 0, 1.0), max_spent=60)
    save_annotation(db.session, a0, q0[3], AnnotationIn([], "in_progress", 0, 1.0), max_spent=60)
    db.session.commit()
    moved = reassign_annotator(db.session, batch_id, a0.username, [a1.username, a2.username, extra.username])
    db.session.commit()
    assert sum(moved.values()) == len(q0) - 3
    assert queue(db, a0.id, batch_id) == q0[:3]
    per_sentence = Counter(db.session.scalars(select(Assignment.sentence_id).where(Assignment.batch_id == batch_id)))
    assert set(per_sentence.values()) == {2}
    assert count(db, Annotation) == 4  # the in-progress annotation is kept too


def test_remove_batch_deletes_or_archives(db) -> None:
    data = prepare_batch(db.session, k=1, annotators=2, articles=1)
    batch_id = data["batch"].id
    a0 = data["annotators"][0]
    from annotator.annotation.services import AnnotationIn, save_annotation

    sid = queue(db, a0.id, batch_id)[0]
    save_annotation(db.session, a0, sid, AnnotationIn([], "done", 0, 1.0), max_spent=60)
    db.session.commit()
    with pytest.raises(Conflict):
        remove_batch(db.session, batch_id)
    db.session.rollback()
    assert remove_batch(db.session, batch_id, confirm=True) == "archived"
    db.session.commit()
    assert count(db, Annotation) == 1 and db.session.get(Batch, batch_id).archived_at is not None
    # archived: sentences are free again, and an empty batch is deleted outright
    again = create_batch(db.session, data["project"].id, source="remaining", annotators=["ann1"], overlap=1)
    assert remove_batch(db.session, again.batch.id) == "deleted"


def test_progress_counts_and_time_cap(app, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    a0 = data["annotators"][0]
    from annotator.annotation.services import AnnotationIn, save_annotation

    q = queue(db, a0.id, data["batch"].id)
    save_annotation(db.session, a0, q[0], AnnotationIn([], "done", 0, 10.0), max_spent=60)
    save_annotation(db.session, a0, q[1], AnnotationIn([], "done", 0, 30.0), max_spent=60)
    save_annotation(db.session, a0, q[2], AnnotationIn([], "done", 0, 5000.0), max_spent=60)
    save_annotation(db.session, a0, q[3], AnnotationIn([], "skipped", 0, 1.0, True, "not a conflict sentence"),
                    max_spent=60)
    db.session.commit()
    row = next(p for p in batch_progress(db.session, data["project"].id) if p.annotator == a0.username)
    assert (row.assigned, row.done, row.skipped, row.flagged) == (len(q), 3, 1, 1)
    assert row.median_seconds == 30.0  # 10, 30 and 5000 capped to 60
    assert row.last_activity is not None
    assert next_sentence_id(db.session, a0.id, data["batch"].id) == (q[4] if len(q) > 4 else None)
