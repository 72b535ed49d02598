"""The annotation JSON API: read, save, validate, version conflicts, ownership."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.annotation.models import Annotation, SpanRow
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, login
from tests.factories import prepare_project


@pytest.fixture
def setup(client, db):
    data = prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    login(client, "ann_a")
    return {**data, "sentence": sentence, "text": sentence.text, "headers": api_headers(client)}


def url(sentence_id: int) -> str:
    return f"/api/sentences/{sentence_id}/annotation"


def span_for(text: str, word: str, label: str, **attributes: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "attributes": attributes}


def count_rows(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Annotation)),
        db.session.scalar(select(func.count()).select_from(SpanRow)),
    )


def test_get_before_any_save(client, setup) -> None:
    body = client.get(url(setup["sentence"].id)).json
    assert body["sentence"]["text"] == setup["text"]
    assert body["sentence"]["index"] == 0
    assert body["spans"] == [] and body["version"] == 0 and body["status"] is None
    assert body["tokens"][0] == [0, len("Government")]


def test_save_then_read_back(client, setup, db) -> None:
    sid, text = setup["sentence"].id, setup["text"]
    spans = [
        span_for(text, "Government forces", "ACTOR"),
        span_for(text, "shelled", "EVENT", event_type="shelling_artillery_missile"),
        span_for(text, "Kafr Tala", "LOCATION"),
    ]
    response = client.put(
        url(sid), json={"spans": spans, "status": "done", "version": 0, "time_spent": 12.5},
        headers=setup["headers"],
    )
    assert response.status_code == 200 and response.json["version"] == 1
    body = client.get(url(sid)).json
    assert body["status"] == "done" and body["version"] == 1
    assert [(s["start"], s["end"], s["label"]) for s in body["spans"]] == [
        (s["start"], s["end"], s["label"]) for s in spans
    ]
    assert body["spans"][1]["attributes"] == {"event_type": "shelling_artillery_missile"}
    annotation = db.session.scalar(select(Annotation))
    assert annotation.time_spent == 12.5 and annotation.annotator_id == setup["a"].id
    assert [text[s.start : s.end] for s in annotation.spans] == ["Government forces", "shelled", "Kafr Tala"]


def test_event_type_is_optional(client, setup) -> None:
    sid, text = setup["sentence"].id, setup["text"]
    response = client.put(
        url(sid), json={"spans": [span_for(text, "shelled", "EVENT")], "version": 0},
        headers=setup["headers"],
    )
    assert response.status_code == 200


def test_second_save_replaces_spans_and_bumps_version(client, setup, db) -> None:
    sid, text, h = setup["sentence"].id, setup["text"], setup["headers"]
    client.put(url(sid), json={"spans": [span_for(text, "Kafr Tala", "LOCATION")], "version": 0}, headers=h)
    response = client.put(url(sid), json={"spans": [span_for(text, "Kafr Tala", "ACTOR")], "version": 1}, headers=h)
    assert response.json["version"] == 2
    assert client.get(url(sid)).json["spans"][0]["label"] == "ACTOR"
    assert count_rows(db) == (1, 1)


def test_stale_version_is_409_with_current_state_and_nothing_saved(client, setup, db) -> None:
    sid, text, h = setup["sentence"].id, setup["text"], setup["headers"]
    client.put(url(sid), json={"spans": [span_for(text, "Kafr Tala", "LOCATION")], "version": 0}, headers=h)
    client.put(url(sid), json={"spans": [], "version": 1}, headers=h)  # now version 2, no spans
    stale = client.put(
        url(sid), json={"spans": [span_for(text, "Government", "ACTOR")], "version": 1}, headers=h
    )
    assert stale.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "conflict" and error["current"]["version"] == 2
    assert error["current"]["spans"] == []
    assert count_rows(db) == (1, 0)


def test_huge_version_on_an_existing_annotation_is_422(client, setup, db) -> None:
    sid, h = setup["sentence"].id, setup["headers"]
    client.put(url(sid), json={"spans": [], "version": 0}, headers=h)
    response = client.put(url(sid), json={"spans": [], "version": 2**63}, headers=h)
    assert response.status_code == 422 and count_rows(db) == (1, 0)


def test_first_save_with_nonzero_version_conflicts(client, setup, db) -> None:
    response = client.put(url(setup["sentence"].id), json={"spans": [], "version": 3}, headers=setup["headers"])
    assert response.status_code == 409 and count_rows(db) == (0, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"spans": [{"start": 0, "end": 999, "label": "ACTOR"}], "version": 0},
        {"spans": [{"start": 0, "end": 3, "label": "PERSON"}], "version": 0},
        {"spans": [{"start": "0", "end": 3, "label": "ACTOR"}], "version": 0},
        {"spans": [{"start": 0.5, "end": 3, "label": "ACTOR"}], "version": 0},
        {"spans": [{"start": 0, "end": 10, "label": "ACTOR"}, {"start": 5, "end": 12, "label": "UNIT"}], "version": 0},
        {"spans": [{"start": 0, "end": 3, "label": "EVENT", "attributes": {"event_type": "party"}}], "version": 0},
        {"spans": [], "version": -1},
        {"spans": [], "version": "1"},
        {"spans": [], "version": 2**70},
        {"spans": [], "version": 0, "status": "finished"},
        {"spans": [], "version": 0, "time_spent": -4},
        {"spans": [], "version": 0, "surprise": 1},
        {"version": 0},
        [],
        "spans",
    ],
)
def test_invalid_bodies_are_422_and_nothing_is_saved(client, setup, db, body) -> None:
    response = client.put(url(setup["sentence"].id), json=body, headers=setup["headers"])
    assert response.status_code == 422
    assert response.json["error"]["message"]
    assert count_rows(db) == (0, 0)


def test_422_names_each_bad_span(client, setup) -> None:
    body = {"spans": [{"start": 0, "end": 3, "label": "ACTOR"}, {"start": 0, "end": 999, "label": "ACTOR"},
                      {"start": 5, "end": 9, "label": "NOPE"}], "version": 0}
    response = client.put(url(setup["sentence"].id), json=body, headers=setup["headers"])
    assert [e["index"] for e in response.json["error"]["spans"]] == [1, 2]


def test_not_json_is_422(client, setup) -> None:
    response = client.put(url(setup["sentence"].id), data="spans=1",
                          headers={"X-CSRFToken": setup["headers"]["X-CSRFToken"]})
    assert response.status_code == 422


def test_oversized_body_is_413(app, client, setup, db) -> None:
    app.config["MAX_JSON_BYTES"] = 1000
    body = {"spans": [], "version": 0, "status": "done" + " " * 2000}
    response = client.put(url(setup["sentence"].id), json=body, headers=setup["headers"])
    assert response.status_code == 413 and count_rows(db) == (0, 0)


def test_put_without_csrf_token_is_refused(client, setup, db) -> None:
    response = client.put(url(setup["sentence"].id), json={"spans": [], "version": 0})
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf"
    assert count_rows(db) == (0, 0)


def test_unknown_sentence_is_404(client, setup) -> None:
    assert client.get(url(99999)).status_code == 404
    assert client.put(url(99999), json={"spans": [], "version": 0}, headers=setup["headers"]).status_code == 404


def test_annotators_see_only_their_own_annotation(app, client, setup) -> None:
    sid, text = setup["sentence"].id, setup["text"]
    client.put(url(sid), json={"spans": [span_for(text, "Kafr Tala", "LOCATION")], "version": 0},
               headers=setup["headers"])
    other = app.test_client()
    login(other, "ann_b")
    body = other.get(url(sid)).json
    assert body["spans"] == [] and body["version"] == 0
    saved = other.put(url(sid), json={"spans": [], "version": 0, "status": "skipped"},
                      headers=api_headers(other))
    assert saved.status_code == 200
    assert client.get(url(sid)).json["spans"][0]["label"] == "LOCATION"


def test_time_spent_is_capped(app, client, setup, db) -> None:
    client.put(url(setup["sentence"].id), json={"spans": [], "version": 0, "time_spent": 1e9},
               headers=setup["headers"])
    assert db.session.scalar(select(Annotation.time_spent)) == app.config["MAX_TIME_SPENT_SECONDS"]


def test_excluded_sentence_cannot_be_annotated(client, setup, db) -> None:
    sentence = db.session.get(Sentence, setup["sentence"].id)
    sentence.excluded = True
    db.session.commit()
    response = client.put(url(sentence.id), json={"spans": [], "version": 0}, headers=setup["headers"])
    assert response.status_code == 422 and count_rows(db) == (0, 0)
