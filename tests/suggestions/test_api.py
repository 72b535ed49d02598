"""GET /api/sentences/<id>/suggestions and the event record: access per role, the overlap rule,
a batch with suggestions off, the origin of an accepted span (API, audit trail, export)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator import caching
from annotator.audit.models import AuditEvent
from annotator.suggestions.models import SuggestionEvent
from tests.conftest import api_headers, login
from tests.suggestions.scene import prepare_suggestions, words


@pytest.fixture
def scene(db):
    caching.clear()
    return prepare_suggestions(db.session)


def suggestions_url(sentence_id: int) -> str:
    return f"/api/sentences/{sentence_id}/suggestions"


def test_gazetteer_and_pattern_suggestions_for_an_annotator_of_the_batch(client, scene) -> None:
    login(client, "ann_a")
    response = client.get(suggestions_url(scene["new"].id))
    assert response.status_code == 200
    body = response.json
    assert body["enabled"] is True
    assert words(scene["new"].text, body["suggestions"]) == [
        ("shelled", "EVENT", "gazetteer", "gold"),
        ("Kafr Tala", "LOCATION", "gazetteer", "gold"),
        ("4th Armoured Division", "UNIT", "pattern", "ordinal unit"),
        ("al-Numan", "LOCATION", "gazetteer", "places"),
    ]
    event = body["suggestions"][0]
    assert event["attributes"] == {"event_type": "shelling_artillery_missile"}
    assert 0 <= event["score"] <= 1


@pytest.mark.parametrize(("user", "status"), [
    ("outsider", 404),  # not a member: the project does not exist for them
    ("ann_c", 403),     # a member, but the sentence is not assigned to them
])
def test_same_access_rules_as_the_annotation(client, scene, user: str, status: int) -> None:
    login(client, user)
    sid = scene["new"].id
    assert client.get(f"/api/sentences/{sid}/annotation").status_code == status
    response = client.get(suggestions_url(sid))
    assert response.status_code == status
    assert response.json["error"]["code"] in ("not_found", "forbidden")
    assert client.get(suggestions_url(999_999)).status_code == 404


def test_anonymous_callers_are_refused(client, scene) -> None:
    assert client.get(suggestions_url(scene["new"].id)).status_code in (302, 401)


def test_a_batch_with_suggestions_off_gets_none(client, scene) -> None:
    login(client, "ann_a")
    body = client.get(suggestions_url(scene["gold"].id)).json
    assert body == {"suggestions": [], "enabled": False}


def test_suggestions_overlapping_own_saved_spans_are_left_out(app, client, scene) -> None:
    login(client, "ann_a")
    sid, text = scene["new"].id, scene["new"].text
    start = text.index("Kafr")
    saved = client.put(f"/api/sentences/{sid}/annotation", headers=api_headers(client), json={
        "spans": [{"start": start, "end": start + 4, "label": "ACTOR"}], "version": 0})
    assert saved.status_code == 200
    got = words(text, client.get(suggestions_url(sid)).json["suggestions"])
    assert ("Kafr Tala", "LOCATION", "gazetteer", "gold") not in got
    assert len(got) == 3
    # Another annotator's spans change nothing for ann_b.
    other = app.test_client()
    login(other, "ann_b")
    assert len(other.get(suggestions_url(sid)).json["suggestions"]) == 4


def test_new_gold_and_deleted_lists_rebuild_the_gazetteer(client, scene, db) -> None:
    from annotator.suggestions.models import GazetteerList
    from annotator.suggestions.services import delete_gazetteer

    login(client, "ann_a")
    sid, text = scene["new"].id, scene["new"].text
    assert ("al-Numan", "LOCATION", "gazetteer", "places") in words(
        text, client.get(suggestions_url(sid)).json["suggestions"])
    list_id = db.session.scalar(select(GazetteerList.id))
    delete_gazetteer(db.session, scene["project"].id, list_id)
    db.session.commit()
    assert ("al-Numan", "LOCATION", "gazetteer", "places") not in words(
        text, client.get(suggestions_url(sid)).json["suggestions"])


def test_accepted_origin_round_trips_into_the_audit_trail_and_the_export(client, scene, db
                                                                         ) -> None:
    login(client, "ann_a")
    sid, text = scene["new"].id, scene["new"].text
    (first, *_) = client.get(suggestions_url(sid)).json["suggestions"]
    span = {k: first[k] for k in ("start", "end", "label", "attributes")}
    span["origin"] = {"source": first["source"], "name": first["name"]}
    headers = api_headers(client)
    bad = client.put(f"/api/sentences/{sid}/annotation", headers=headers, json={
        "spans": [{**span, "origin": {"source": "oracle", "name": "x"}}], "version": 0})
    assert bad.status_code == 422 and "origin source" in bad.json["error"]["spans"][0]["message"]
    saved = client.put(f"/api/sentences/{sid}/annotation", headers=headers,
                       json={"spans": [span], "version": 0, "status": "done"})
    assert saved.status_code == 200
    stored = client.get(f"/api/sentences/{sid}/annotation").json["spans"]
    assert stored[0]["origin"] == {"source": "gazetteer", "name": "gold"}
    after = db.session.scalars(select(AuditEvent.after).where(
        AuditEvent.sentence_id == sid)).one()
    assert after["spans"][0]["origin"] == {"source": "gazetteer", "name": "gold"}
    # A span drawn by hand has no origin.
    hand = {"start": text.index("Rebels"), "end": text.index("Rebels") + 6, "label": "ACTOR"}
    client.put(f"/api/sentences/{sid}/annotation", headers=headers,
               json={"spans": [span, hand], "version": 1, "status": "done"})
    spans = client.get(f"/api/sentences/{sid}/annotation").json["spans"]
    assert [s.get("origin") for s in spans] == [None, {"source": "gazetteer", "name": "gold"}]


def test_events_are_recorded_once_and_checked(app, client, scene, db) -> None:
    login(client, "ann_a")
    sid = scene["new"].id
    shown = client.get(suggestions_url(sid)).json["suggestions"]
    url = f"{suggestions_url(sid)}/events"
    headers = api_headers(client)
    events = [{"action": "shown", **{k: s[k] for k in ("source", "name", "start", "end",
                                                       "label")}} for s in shown]
    assert client.post(url, headers=headers, json={"events": events}).json == {"recorded": 4}
    assert client.post(url, headers=headers, json={"events": events}).json == {"recorded": 0}
    bad = client.post(url, headers=headers, json={"events": [{**events[0], "action": "liked"}]})
    assert bad.status_code == 422
    count = len(db.session.scalars(select(SuggestionEvent.id)).all())
    assert count == 4
    outsider = app.test_client()
    login(outsider, "outsider")
    assert outsider.post(url, headers=api_headers(outsider),
                         json={"events": events}).status_code == 404


@pytest.mark.parametrize("fmt", ["gold-json", "jsonl"])
def test_include_annotations_exports_keep_the_origin(scene, db, fmt: str) -> None:
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.export import services as export_services
    from annotator.export.options import parse_options
    from annotator.export.tally import make_tally

    sentence = scene["gold"]
    start = sentence.text.index("Kafr Tala")
    span = {"start": start, "end": start + 9, "label": "LOCATION",
            "origin": {"source": "gazetteer", "name": "gold"}}
    save_annotation(db.session, scene["a"], sentence.id,
                    AnnotationIn([span], "done", 0, 1.0), max_spent=60)
    db.session.commit()
    prepared = export_services.prepare_export(
        db.session, scene["project"], parse_options(fmt, include_annotations=True),
        with_agreement=False)
    text = "".join(export_services.stream_export(db.session, prepared,
                                                 make_tally(prepared.header)))
    assert '"origin":{"source":"gazetteer","name":"gold"}' in text.replace(" ", "")
    assert text.count('"origin"') == 1
