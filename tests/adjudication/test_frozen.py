"""Frozen annotations: finished work counted in adjudication cannot be edited after the gold.

An annotator reads the gold on "my labels vs gold"; were their annotation still writable they
could copy it in and inflate agreement. Once the sentence has gold, a finished annotation
answers every write with 409 "frozen" until an admin reopens it (audited).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.annotation.models import Annotation, SpanRow
from annotator.assignments.models import Assignment
from annotator.audit.models import AuditEvent
from tests.adjudication.conftest import annotate, span_of
from tests.conftest import api_headers, csrf_from, login


def url(sentence_id: int) -> str:
    return f"/api/sentences/{sentence_id}/annotation"


def reopen_url(sentence_id: int, user_id: int) -> str:
    return f"/api/sentences/{sentence_id}/annotations/{user_id}/reopen"


def stored(db, user_id: int, sentence_id: int) -> tuple[Any, ...]:
    """The annotation row, its spans and the number of audit rows: all a write would change."""
    db.session.expire_all()
    row = db.session.execute(
        select(Annotation.id, Annotation.version, Annotation.status, Annotation.flagged)
        .where(Annotation.annotator_id == user_id, Annotation.sentence_id == sentence_id)
    ).one()
    spans = db.session.execute(
        select(SpanRow.start, SpanRow.end, SpanRow.label).where(SpanRow.annotation_id == row.id)
        .order_by(SpanRow.start)
    ).all()
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return tuple(row), [tuple(s) for s in spans], audit


@pytest.fixture
def gold(db, world) -> dict[str, Any]:
    """s0: ann0 marks "rebels" ACTOR, ann1 "rebels" ACTOR and "Kafr 0" LOCATION (both done);
    ann2 has only begun (in progress). The automatic pass at M=2 puts "rebels" into gold."""
    a0, a1, a2 = world["annotators"]
    s0 = world["sentences"][0]
    text = s0.text
    annotate(db.session, a0, s0.id, [span_of(text, "rebels")])
    annotate(db.session, a1, s0.id, [span_of(text, "rebels"), span_of(text, "Kafr 0", "LOCATION")])
    annotate(db.session, a2, s0.id, [span_of(text, "village", "LOCATION")], status="in_progress")
    auto_adjudicate(db.session, world["project"].id, min_agree=2)
    db.session.commit()
    return {**world, "s0": s0, "text": text}


def test_copying_the_gold_into_a_counted_annotation_is_refused(client, db, gold) -> None:
    a0, s0, text = gold["annotators"][0], gold["s0"], gold["text"]
    login(client, a0.username)
    headers = api_headers(client)
    state = client.get(url(s0.id)).json
    assert state["frozen"] is True and state["status"] == "done"
    before = stored(db, a0.id, s0.id)
    copied = [span_of(text, "rebels"), span_of(text, "Kafr 0", "LOCATION")]
    attempts = [
        {"spans": copied, "status": "done", "version": state["version"]},  # copy the gold
        {"spans": state["spans"], "status": "in_progress", "version": state["version"]},
        {"spans": state["spans"], "status": "skipped", "version": state["version"]},
        {"spans": state["spans"], "status": "done", "version": state["version"],
         "flagged": True, "flag_comment": "please look"},
    ]
    for body in attempts:
        response = client.put(url(s0.id), json=body, headers=headers)
        assert response.status_code == 409, body
        assert set(response.json) == {"error"}
        assert set(response.json["error"]) == {"code", "message"}
        assert response.json["error"]["code"] == "frozen"
        assert "frozen" in response.json["error"]["message"]
        assert stored(db, a0.id, s0.id) == before  # nothing written, not even an audit row


def test_unfinished_work_on_a_gold_sentence_stays_editable(client, db, gold) -> None:
    a2, s0, text = gold["annotators"][2], gold["s0"], gold["text"]
    login(client, a2.username)
    state = client.get(url(s0.id)).json
    assert state["frozen"] is False and state["status"] == "in_progress"
    response = client.put(
        url(s0.id), headers=api_headers(client),
        json={"spans": [span_of(text, "rebels")], "status": "done", "version": state["version"]},
    )
    assert response.status_code == 200
    # Finished now, on a sentence with gold: counted, so frozen from here on.
    assert client.get(url(s0.id)).json["frozen"] is True


def test_an_admin_reopens_a_frozen_annotation_and_it_is_audited(client, db, gold) -> None:
    a0, s0, text = gold["annotators"][0], gold["s0"], gold["text"]
    login(client, "admin1")
    response = client.post(reopen_url(s0.id, a0.id), headers=api_headers(client))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "in_progress"
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.owner_id, event.sentence_id) == (
        "reopen", gold["admin"].id, a0.id, s0.id)
    assert event.before["status"] == "done" and event.after["status"] == "in_progress"
    assert event.after["spans"] == event.before["spans"]  # the work itself is kept
    assignment = db.session.scalar(select(Assignment.finished).where(
        Assignment.annotator_id == a0.id, Assignment.sentence_id == s0.id))
    assert assignment is False  # back in the annotator's queue

    annotator = client.application.test_client()
    login(annotator, a0.username)
    state = annotator.get(url(s0.id)).json
    assert state["frozen"] is False
    edited = annotator.put(
        url(s0.id), headers=api_headers(annotator),
        json={"spans": [span_of(text, "rebels"), span_of(text, "post 0", "LOCATION")],
              "status": "done", "version": state["version"]},
    )
    assert edited.status_code == 200
    assert annotator.get(url(s0.id)).json["frozen"] is True  # counted again


@pytest.mark.parametrize("who", ["curator1", "ann1"])
def test_only_admins_reopen(client, db, gold, who) -> None:
    a0, s0 = gold["annotators"][0], gold["s0"]
    before = stored(db, a0.id, s0.id)
    login(client, who)
    response = client.post(reopen_url(s0.id, a0.id), headers=api_headers(client))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert stored(db, a0.id, s0.id) == before


def test_reopening_what_is_not_frozen_is_a_conflict(client, db, gold) -> None:
    a2, s0 = gold["annotators"][2], gold["s0"]
    login(client, "admin1")
    headers = api_headers(client)
    assert client.post(reopen_url(s0.id, a2.id), headers=headers).json["error"]["code"] == (
        "conflict")
    missing = client.post(reopen_url(gold["sentences"][5].id, a2.id), headers=headers)
    assert missing.status_code == 404


def test_the_history_page_reopens_with_a_button(client, db, gold) -> None:
    a0, a2, s0 = gold["annotators"][0], gold["annotators"][2], gold["s0"]
    login(client, "admin1")
    page = client.get(f"/sentences/{s0.id}/history").get_data(as_text=True)
    action = f"/sentences/{s0.id}/annotations/{a0.id}/reopen"
    assert f'action="{action}"' in page
    assert f"/annotations/{a2.id}/reopen" not in page  # in progress: nothing to reopen
    response = client.post(action, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    after = client.get(f"/sentences/{s0.id}/history").get_data(as_text=True)
    assert "Reopened" in after and action not in after
    assert stored(db, a0.id, s0.id)[0][2] == "in_progress"
