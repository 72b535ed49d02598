"""The audit trail records every change and an admin can restore an earlier version."""

from __future__ import annotations

import re

from sqlalchemy import select

from annotator.annotation.models import Annotation
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, csrf_from, login
from tests.factories import prepare_project


def test_every_save_is_recorded_and_an_old_version_restored(app, client, db) -> None:
    prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    url = f"/api/sentences/{sentence.id}/annotation"
    login(client, "ann_a")
    h = api_headers(client)
    first = [{"start": 0, "end": 10, "label": "ACTOR"}]
    client.put(url, json={"spans": first, "version": 0}, headers=h)
    client.put(url, json={"spans": [], "version": 1, "status": "done"}, headers=h)
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.version) for e in events] == [("create", 1), ("update", 2)]
    assert events[0].before is None and events[0].after["spans"][0]["label"] == "ACTOR"
    assert events[1].before["spans"] == events[0].after["spans"] and events[1].after["spans"] == []
    assert events[1].actor_id == events[1].owner_id

    admin = app.test_client()
    login(admin, "admin1")
    page = admin.get(f"/sentences/{sentence.id}/history")
    assert page.status_code == 200 and b"Restore this version" in page.data
    token = csrf_from(page.get_data(as_text=True))
    answer = admin.post(f"/audit/{events[0].id}/restore", data={"csrf_token": token})
    assert answer.status_code == 302
    state = client.get(url).json
    assert state["version"] == 3 and state["spans"][0]["label"] == "ACTOR"
    restored = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert restored.action == "restore" and restored.actor_id != restored.owner_id
    # the annotator's stale tab (version 2) is told, not overwritten
    stale = client.put(url, json={"spans": [], "version": 2}, headers=h)
    assert stale.status_code == 409
    assert db.session.scalar(select(Annotation.version)) == 3


def test_history_says_what_each_version_changed_and_restoring_asks_first(app, client, db) -> None:
    prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    url = f"/api/sentences/{sentence.id}/annotation"
    login(client, "ann_a")
    h = api_headers(client)
    event = {"start": 0, "end": 10, "label": "EVENT",
             "attributes": {"event_type": "non_state_actor_overtakes_territory"}}
    client.put(url, json={"spans": [event], "version": 0}, headers=h)
    client.put(url, json={"spans": [{**event, "label": "ACTOR", "attributes": {}}],
                          "version": 1, "status": "done"}, headers=h)
    quoted = f"“{sentence.text[0:10]}”"
    admin = app.test_client()
    login(admin, "admin1")
    page = admin.get(f"/sentences/{sentence.id}/history").get_data(as_text=True)
    shown = re.sub(r'class="[^"]*"', "", page)  # CSS classes may name a status by its key
    assert "non_state_actor_overtakes_territory" not in shown and "in_progress" not in shown
    assert f"Added Event · Non-state actor overtakes territory {quoted}" in page
    assert f"{quoted}: Event · Non-state actor overtakes territory → Actor" in page
    assert "Status: in progress → done" in page
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    # the history links to a confirmation; the GET changes nothing and says what would change
    assert f'href="/audit/{first.id}/restore"' in page
    confirm = admin.get(f"/audit/{first.id}/restore")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Restore version 1 of ann_a’s annotation?" in text
    assert f"{quoted}: Actor → Event · Non-state actor overtakes territory" in text
    assert "Status: done → in progress" in text
    assert db.session.scalar(select(Annotation.version)) == 2
    answer = admin.post(f"/audit/{first.id}/restore", data={"csrf_token": csrf_from(text)})
    assert answer.status_code == 302
    assert db.session.scalar(select(Annotation.version)) == 3
    # annotators do not see the page
    assert client.get(f"/audit/{first.id}/restore").status_code in (403, 404)
