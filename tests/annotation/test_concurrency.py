"""Two saves of the same annotation at the same moment: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import false, func, select

from annotator.annotation import services
from annotator.annotation.models import Annotation, SpanRow
from annotator.annotation.queries import ANNOTATION_ROWS
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from annotator.errors import Conflict
from annotator.spans import Span
from tests.conftest import api_headers, login
from tests.factories import prepare_project


def race(clients, url: str, bodies, headers) -> list[int]:
    barrier = threading.Barrier(len(clients))
    codes: list[int] = [0] * len(clients)

    def send(i: int) -> None:
        barrier.wait()
        codes[i] = clients[i].put(url, json=bodies[i], headers=headers[i]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return codes


def test_racing_saves_exactly_one_wins(app, db) -> None:
    prepare_project(db.session)
    sentence_id = db.session.scalar(select(Sentence.id).order_by(Sentence.id))
    url = f"/api/sentences/{sentence_id}/annotation"
    tabs = [app.test_client(), app.test_client()]  # two tabs of the same annotator
    for tab in tabs:
        login(tab, "ann_a")
    headers = [api_headers(tab) for tab in tabs]
    version = 0
    rounds = 12
    for r in range(rounds):
        bodies = [{"spans": [{"start": 0, "end": 10, "label": label}], "version": version}
                  for label in ("ACTOR", "UNIT")]
        codes = race(tabs, url, bodies, headers)
        assert sorted(codes) == [200, 409], f"round {r}: {codes}"
        version += 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 1
    assert db.session.scalar(select(Annotation.version)) == rounds


def test_a_lost_first_save_is_409_with_the_winners_state(app, db, monkeypatch) -> None:
    """The loser read no annotation before the winner stored one: its insert stores nothing,
    and the answer carries the winner's state, read in the same transaction (no rollback)."""
    prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    url = f"/api/sentences/{sentence.id}/annotation"
    winner, loser = app.test_client(), app.test_client()
    for tab in (winner, loser):
        login(tab, "ann_a")
    won = winner.put(url, json={"spans": [{"start": 0, "end": 10, "label": "ACTOR"}],
                                "version": 0}, headers=api_headers(winner))
    assert won.status_code == 200
    monkeypatch.setattr(services, "ANNOTATION_ROWS", ANNOTATION_ROWS.where(false()))
    lost = loser.put(url, json={"spans": [], "version": 0}, headers=api_headers(loser))
    assert lost.status_code == 409
    error = lost.get_json()["error"]
    assert error["code"] == "conflict" and error["current"]["version"] == 1
    assert [s["label"] for s in error["current"]["spans"]] == ["ACTOR"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_creating_annotations_in_bulk_over_an_existing_one_is_refused(db) -> None:
    data = prepare_project(db.session)
    owner = data["a"]
    sentences = db.session.scalars(select(Sentence.id).order_by(Sentence.id)).all()[:2]
    services.create_annotations(db.session, actor_id=None, owner_id=owner.id,
                                items=[(sentences[0], [])], status="in_progress", action="import")
    db.session.commit()
    with pytest.raises(Conflict):
        services.create_annotations(
            db.session, actor_id=None, owner_id=owner.id, status="in_progress", action="import",
            items=[(sentences[1], [Span(0, 4, "ACTOR")]), (sentences[0], [])],
        )
    # The transaction is still usable (no failed statement), and the caller's rollback
    # leaves only the first import.
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 1
    assert db.session.scalar(select(func.count()).select_from(SpanRow)) == 0
