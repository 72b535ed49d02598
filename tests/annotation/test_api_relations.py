"""Event-frame relations in the annotation API: saved beside spans, checked, versioned, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.annotation.models import Annotation, RelationRow
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, csrf_from, login
from tests.factories import prepare_project


@pytest.fixture
def setup(client, db):
    data = prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    login(client, "ann_a")
    text = sentence.text  # "Government forces shelled the village of Kafr Tala on Monday, ..."
    spans = {word: _span(text, word, label) for word, label in (
        ("Government forces", "ACTOR"), ("shelled", "EVENT"), ("Kafr Tala", "LOCATION"),
        ("Monday", "ACTOR"))}
    return {**data, "sid": sentence.id, "spans": spans, "headers": api_headers(client)}


def _span(text: str, word: str, label: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "attributes": {}}


def _link(head: dict, child: dict, role: str) -> dict:
    return {"head": {"start": head["start"], "end": head["end"]},
            "child": {"start": child["start"], "end": child["end"]}, "role": role}


def url(sid: int) -> str:
    return f"/api/sentences/{sid}/annotation"


def _frame(setup) -> tuple[list[dict], list[dict]]:
    s = setup["spans"]
    spans = [s["Government forces"], s["shelled"], s["Kafr Tala"]]
    relations = [_link(s["shelled"], s["Government forces"], "actor1"),
                 _link(s["shelled"], s["Kafr Tala"], "location")]
    return spans, relations


def test_get_always_carries_relations(client, setup) -> None:
    assert client.get(url(setup["sid"])).json["relations"] == []


def test_relations_are_saved_and_read_back_sorted(client, setup, db) -> None:
    spans, relations = _frame(setup)
    response = client.put(url(setup["sid"]), headers=setup["headers"], json={
        "spans": spans, "relations": list(reversed(relations)), "version": 0})
    assert response.status_code == 200, response.json
    body = client.get(url(setup["sid"])).json
    assert body["relations"] == relations  # actor1 before location: sorted by head, role, child
    rows = db.session.scalars(select(RelationRow)).all()
    assert sorted((r.role, r.child_start) for r in rows) == [
        ("actor1", spans[0]["start"]), ("location", spans[2]["start"])]


def test_an_absent_relations_key_means_none(client, setup, db) -> None:
    spans, relations = _frame(setup)
    h = setup["headers"]
    client.put(url(setup["sid"]), headers=h, json={"spans": spans, "relations": relations,
                                                  "version": 0})
    assert client.put(url(setup["sid"]), headers=h, json={"spans": spans, "version": 1}
                      ).status_code == 200
    assert client.get(url(setup["sid"])).json["relations"] == []
    assert db.session.scalar(select(func.count()).select_from(RelationRow)) == 0


@pytest.mark.parametrize("case, message", [
    ("missing_head", "is not one of the spans"),
    ("missing_child", "is not one of the spans"),
    ("head_without_roles", "label without roles"),
    ("unknown_role", "unknown role 'target'"),
    ("wrong_target", "cannot fill the role 'location'"),
    ("self_link", "linked to itself"),
    ("twice", "the same relation as relation 0"),
    ("not_a_list", "must be a list"),
])
def test_bad_relations_get_422_with_the_index_and_store_nothing(
    client, setup, db, case, message
) -> None:
    s = setup["spans"]
    spans, (good, _) = _frame(setup)
    spans = spans + [s["Monday"]]
    ghost = {"start": 0, "end": 3, "label": "ACTOR"}
    bad = {
        "missing_head": _link(ghost, s["Kafr Tala"], "location"),
        "missing_child": _link(s["shelled"], ghost, "actor1"),
        "head_without_roles": _link(s["Government forces"], s["Kafr Tala"], "location"),
        "unknown_role": _link(s["shelled"], s["Monday"], "target"),
        "wrong_target": _link(s["shelled"], s["Government forces"], "location"),
        "self_link": _link(s["shelled"], s["shelled"], "actor1"),
        "twice": good,
    }.get(case)
    relations = "nope" if case == "not_a_list" else [good, bad]
    response = client.put(url(setup["sid"]), headers=setup["headers"], json={
        "spans": spans, "relations": relations, "version": 0})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["message"] == "invalid relations"
    expected_index = -1 if case == "not_a_list" else 1
    assert [e["index"] for e in error["relations"]] == [expected_index]
    assert message in error["relations"][0]["message"]
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 0
    assert db.session.scalar(select(func.count()).select_from(RelationRow)) == 0


def test_a_role_max_is_enforced(client, setup, db) -> None:
    project = setup["project"]
    doc = dict(project.label_schema)
    labels = [dict(lb) for lb in doc["labels"]]
    event = next(lb for lb in labels if lb["key"] == "EVENT")
    event["roles"] = [{**r, "max": 1} if r["key"] == "actor1" else r for r in event["roles"]]
    project.label_schema = {**doc, "labels": labels}
    db.session.commit()
    s = setup["spans"]
    spans = [s["Government forces"], s["shelled"], s["Kafr Tala"], s["Monday"]]
    relations = [_link(s["shelled"], s["Government forces"], "actor1"),
                 _link(s["shelled"], s["Monday"], "actor1")]
    response = client.put(url(setup["sid"]), headers=setup["headers"], json={
        "spans": spans, "relations": relations, "version": 0})
    assert response.status_code == 422
    assert "more than 1 argument(s) of role 'actor1'" in \
        response.json["error"]["relations"][0]["message"]


def test_stale_version_gets_409_with_the_current_relations(client, setup) -> None:
    spans, relations = _frame(setup)
    h = setup["headers"]
    client.put(url(setup["sid"]), headers=h, json={"spans": spans, "relations": relations,
                                                  "version": 0})
    stale = client.put(url(setup["sid"]), headers=h, json={"spans": [], "version": 0})
    assert stale.status_code == 409
    assert stale.json["error"]["current"]["relations"] == relations


def test_audit_records_relations_and_restore_brings_them_back(app, client, setup, db) -> None:
    spans, relations = _frame(setup)
    h, sid = setup["headers"], setup["sid"]
    client.put(url(sid), headers=h, json={"spans": spans, "relations": relations, "version": 0})
    # Deleting the ACTOR span takes its link: the client sends what remains.
    client.put(url(sid), headers=h, json={"spans": spans[1:], "relations": relations[1:],
                                         "version": 1})
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[0].after["relations"] == relations
    assert events[1].before["relations"] == relations
    assert events[1].after["relations"] == relations[1:]
    admin = app.test_client()
    login(admin, "admin1")
    token = csrf_from(admin.get(f"/sentences/{sid}/history").get_data(as_text=True))
    assert admin.post(f"/audit/{events[0].id}/restore",
                      data={"csrf_token": token}).status_code == 302
    assert client.get(url(sid)).json["relations"] == relations
