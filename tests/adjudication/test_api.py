"""The gold JSON API: read, save (409 on a stale version, 422 on bad spans), decide."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldSpanRow
from annotator.adjudication.queries import get_gold
from annotator.audit.models import AuditEvent
from tests.adjudication.conftest import annotate, span_of
from tests.conftest import api_headers, login


def gold_rows(db) -> tuple[int, int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(GoldSentence)),
        db.session.scalar(select(func.count()).select_from(GoldSpanRow)),
        db.session.scalar(select(func.count()).select_from(GoldDecision)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.fixture
def conflict(client, db, world):
    """s0 annotated: ann0, ann1 "rebels" ACTOR; ann2 "rebels" UNIT; automatic pass at M=3."""
    s0 = world["sentences"][0]
    for user, label in zip(world["annotators"], ["ACTOR", "ACTOR", "UNIT"], strict=True):
        annotate(db.session, user, s0.id, [span_of(s0.text, "rebels", label)])
    auto_adjudicate(db.session, world["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    return {**world, "s0": s0, "headers": api_headers(client)}


def test_get_gold_lists_state_and_open_conflicts_with_hidden_names(client, conflict) -> None:
    s0 = conflict["s0"]
    body = client.get(f"/api/sentences/{s0.id}/gold").json
    r = s0.text.index("rebels")
    assert body["sentence"]["text"] == s0.text and body["tokens"][0] == [0, 6]
    assert (body["spans"], body["status"], body["version"], body["min_agree"]) == (
        [], "partial", 1, 3)
    (c,) = body["conflicts"]
    assert (c["start"], c["end"], c["kind"], c["labels"]) == (r, r + 6, "label", ["ACTOR", "UNIT"])
    assert [v["number"] for v in c["versions"]] == [1, 2, 3]
    # Names hidden by default: each version carries its annotator's project pseudonym.
    assert sorted(v["annotator"] for v in c["versions"]) == [
        "Annotator 1", "Annotator 2", "Annotator 3"]
    assert sorted(v["spans"][0]["label"] for v in c["versions"]) == ["ACTOR", "ACTOR", "UNIT"]


def test_decide_then_the_conflict_is_gone(client, db, conflict) -> None:
    s0 = conflict["s0"]
    r = s0.text.index("rebels")
    before = gold_rows(db)
    response = client.post(
        f"/api/sentences/{s0.id}/decisions", headers=conflict["headers"],
        json={"start": r, "end": r + 6, "choice": "none", "version": 1,
              "reason": "ambiguous_text", "note": "not an actor here"},
    )
    assert response.status_code == 200, response.json
    assert response.json == {"version": 2, "status": "complete"}
    assert gold_rows(db)[2:] == (before[2] + 1, before[3] + 1)
    again = client.post(
        f"/api/sentences/{s0.id}/decisions", headers=conflict["headers"],
        json={"start": r, "end": r + 6, "choice": "none", "version": 2},
    )
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"
    assert again.json["error"]["current"]["status"] == "complete"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"start": 0, "end": 6, "choice": "maybe", "version": 1}, "choice"),
        ({"start": 0, "end": 6, "choice": "version", "version": 1}, "pick"),
        ({"start": 0, "end": 6, "choice": "none", "version": 1, "pick": 1}, "pick"),
        ({"start": 0, "end": 6, "choice": "none"}, "missing"),
        ({"start": -1, "end": 6, "choice": "none", "version": 1}, "start"),
        ({"start": 0, "end": 6, "choice": "none", "version": 1, "reason": "bored"}, "reason"),
        ({"start": 0, "end": 6, "choice": "none", "version": 1, "note": "x" * 2001}, "note"),
        ({"start": 0, "end": 6, "choice": "none", "version": 1, "extra": 1}, "unknown"),
        ({"start": 0, "end": 6, "choice": "edited", "version": 1}, "spans"),
        ([1, 2], "object"),
    ],
)
def test_bad_decisions_are_422_and_change_nothing(client, db, conflict, body, fragment) -> None:
    before = gold_rows(db)
    response = client.post(f"/api/sentences/{conflict['s0'].id}/decisions",
                           headers=conflict["headers"], json=body)
    assert response.status_code == 422
    assert fragment in response.json["error"]["message"]
    assert gold_rows(db) == before


def test_pick_out_of_range_is_422(client, db, conflict) -> None:
    s0 = conflict["s0"]
    r = s0.text.index("rebels")
    response = client.post(f"/api/sentences/{s0.id}/decisions", headers=conflict["headers"],
                           json={"start": r, "end": r + 6, "choice": "version", "pick": 9,
                                 "version": 1})
    assert response.status_code == 422 and "between 1 and 3" in response.json["error"]["message"]


def test_put_gold_saves_reads_back_and_refuses_stale_versions(client, db, conflict) -> None:
    s0 = conflict["s0"]
    url = f"/api/sentences/{s0.id}/gold"
    spans = [span_of(s0.text, "rebels", "ACTOR"), span_of(s0.text, "Kafr 0", "LOCATION")]
    response = client.put(url, headers=conflict["headers"], json={"spans": spans, "version": 1})
    assert response.status_code == 200 and response.json == {"version": 2, "status": "complete"}
    body = client.get(url).json
    assert [(s["label"], s["source"], s["votes"], s["curator"]) for s in body["spans"]] == [
        ("ACTOR", "curator", 2, "curator1"), ("LOCATION", "curator", 0, "curator1")
    ]
    before = gold_rows(db)
    stale = client.put(url, headers=conflict["headers"], json={"spans": [], "version": 1})
    assert stale.status_code == 409
    assert stale.json["error"]["current"]["version"] == 2
    assert len(stale.json["error"]["current"]["spans"]) == 2
    assert gold_rows(db) == before


@pytest.mark.parametrize(
    "body, status",
    [
        ({"spans": [{"start": 0, "end": 500, "label": "ACTOR"}], "version": 1}, 422),
        ({"spans": [{"start": 0, "end": 6, "label": "WEAPON"}], "version": 1}, 422),
        ({"spans": [{"start": 0, "end": 6, "label": "ACTOR"},
                    {"start": 3, "end": 8, "label": "UNIT"}], "version": 1}, 422),
        ({"spans": [], "version": "1"}, 422),
        ({"spans": [], "version": 1, "status": "done"}, 422),
        ({"version": 1}, 422),
    ],
)
def test_put_gold_validation(client, db, conflict, body, status) -> None:
    before = gold_rows(db)
    response = client.put(f"/api/sentences/{conflict['s0'].id}/gold",
                          headers=conflict["headers"], json=body)
    assert response.status_code == status
    assert set(response.json["error"]) >= {"code", "message"}
    if "spans" in body and body["spans"] and isinstance(body["version"], int):
        assert response.json["error"]["spans"], "each bad span is named"
    assert gold_rows(db) == before


def test_state_changes_need_the_csrf_token(client, db, conflict) -> None:
    s0 = conflict["s0"]
    response = client.put(f"/api/sentences/{s0.id}/gold", json={"spans": [], "version": 1})
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf"


def test_annotators_are_kept_out(app, db, conflict) -> None:
    annotator = app.test_client()
    login(annotator, "ann0")
    headers = api_headers(annotator)
    s0 = conflict["s0"]
    assert annotator.get(f"/api/sentences/{s0.id}/gold").status_code == 403
    assert annotator.put(f"/api/sentences/{s0.id}/gold", headers=headers,
                         json={"spans": [], "version": 1}).status_code == 403
    assert get_gold(db.session, s0.id).version == 1
