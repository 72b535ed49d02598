"""The audit trail records every change and an admin can restore an earlier version."""

from __future__ import annotations

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
    assert admin.post(f"/audit/{events[0].id}/restore", data={"csrf_token": token}).status_code == 302
    state = client.get(url).json
    assert state["version"] == 3 and state["spans"][0]["label"] == "ACTOR"
    restored = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert restored.action == "restore" and restored.actor_id != restored.owner_id
    # the annotator's stale tab (version 2) is told, not overwritten
    stale = client.put(url, json={"spans": [], "version": 2}, headers=h)
    assert stale.status_code == 409
    assert db.session.scalar(select(Annotation.version)) == 3
