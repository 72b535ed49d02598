"""Curator pages (queue, conflict, whole sentence), settings, close/reopen, feedback."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.blinding import pseudonym_order
from annotator.adjudication.gold_edits import close_gold, save_gold
from annotator.adjudication.models import AdjudicationSetting
from annotator.adjudication.queries import get_gold
from annotator.adjudication.requests import GoldIn
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from tests.adjudication.conftest import annotate, span_of
from tests.conftest import csrf_from, login
from tests.factories import make_document


@pytest.fixture
def scene(db, world):
    """s0: a label conflict (ann2 says UNIT); s1: everyone agrees on "rebels" ACTOR."""
    s0, s1 = world["sentences"][:2]
    for user, label in zip(world["annotators"], ["ACTOR", "ACTOR", "UNIT"], strict=True):
        annotate(db.session, user, s0.id, [span_of(s0.text, "rebels", label)])
        annotate(db.session, user, s1.id, [span_of(s1.text, "rebels")])
    db.session.commit()
    return {**world, "s0": s0, "s1": s1}


def post_form(client, url: str, **data):
    token = csrf_from(client.get("/projects/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_the_button_runs_the_pass_and_the_queue_lists_the_conflict(client, db, scene) -> None:
    login(client, "curator1")
    project = scene["project"].id
    page = client.get(f"/projects/{project}/adjudication").get_data(as_text=True)
    assert "Nothing to adjudicate yet" in page and 'id="settings-form"' not in page
    response = post_form(client, f"/projects/{project}/adjudication/auto", min_agree="3")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Automatic adjudication done" in page
    assert 'data-kind="label"' in page and f'data-sentence="{scene["s0"].id}"' in page
    assert f'data-sentence="{scene["s1"].id}"' not in page  # unanimous: closed
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auto")).first()
    assert event.actor_id == scene["curator"].id


def test_the_button_refuses_bad_input_and_changes_nothing(client, db, scene) -> None:
    login(client, "curator1")
    project = scene["project"].id
    for bad in ("", "0", "abc", "-1", "2.5"):
        response = post_form(client, f"/projects/{project}/adjudication/auto", min_agree=bad)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Automatic adjudication not run" in page
    assert get_gold(db.session, scene["s0"].id) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.target == "gold")) is None


def test_conflict_page_hides_names_until_an_admin_shows_them(app, client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    start = client.get(f"/projects/{scene['project'].id}/adjudication/next")
    assert start.status_code == 302 and "/conflicts/" in start.headers["Location"]
    page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "Annotator 1" in page and "Annotator 3" in page
    assert not re.search(r"ann[012]", page)
    assert 'data-pick="3"' in page and 'id="pick-none"' in page
    # Curators may not change the setting; admins may.
    assert post_form(client, f"/projects/{scene['project'].id}/adjudication/settings",
                     show_names="1").status_code == 403
    admin = app.test_client()
    login(admin, "admin1")
    assert post_form(admin, f"/projects/{scene['project'].id}/adjudication/settings",
                     show_names="1").status_code == 302
    assert db.session.get(AdjudicationSetting, scene["project"].id).show_names is True
    page = client.get(start.headers["Location"]).get_data(as_text=True)
    order = pseudonym_order(db.session, scene["project"].id, ["ann0", "ann1", "ann2"])
    assert [m for m in re.findall(r"ann[012]", page)][:3] == order


def test_article_text_is_escaped_on_the_gold_page(client, db, world) -> None:
    make_document(db.session, world["project"], title="<b>t</b>",
                  text="<script>alert(1)</script> rebels struck.")
    db.session.commit()
    hostile = db.session.scalars(select(Sentence).where(
        Sentence.project_id == world["project"].id).order_by(Sentence.id.desc())).first()
    login(client, "curator1")
    page = client.get(f"/sentences/{hostile.id}/gold").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>t</b>" not in page


def test_whole_sentence_page_carries_the_gold_editor(client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    page = client.get(f"/sentences/{scene['s0'].id}/gold?conflict=12-18").get_data(as_text=True)
    assert 'id="editor-data"' in page and "js/span_editor.js" in page
    data = re.search(r'<script type="application/json" id="editor-data">(.*?)</script>', page,
                     re.S).group(1)
    editor = json.loads(data)
    assert editor["mode"] == "gold" and editor["api_url"].endswith(f"/{scene['s0'].id}/gold")
    assert editor["version"] == 1 and editor["storage_key"].startswith("annotator:unsaved-gold")
    assert 'id="close-form"' in page and 'id="open-conflicts"' in page
    assert 'id="region-hint"' in page


def test_close_and_reopen_through_the_forms(client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    s0 = scene["s0"].id
    assert post_form(client, f"/sentences/{s0}/gold/close", version="7").status_code == 302
    db.session.expire_all()
    assert get_gold(db.session, s0).status == "partial"  # stale version: nothing changed
    post_form(client, f"/sentences/{s0}/gold/close", version="1")
    db.session.expire_all()
    gold = get_gold(db.session, s0)
    assert (gold.status, gold.version) == ("complete", 2)
    page = client.get(f"/sentences/{s0}/gold").get_data(as_text=True)
    assert 'id="reopen-form"' in page
    post_form(client, f"/sentences/{s0}/gold/reopen", version="2")
    db.session.expire_all()
    assert get_gold(db.session, s0).status == "partial"
    nxt = client.get(f"/projects/{scene['project'].id}/adjudication/next")
    assert f"/sentences/{s0}/conflicts/" in nxt.headers["Location"]


def test_skipping_moves_past_the_current_conflict(client, db, scene) -> None:
    s2 = scene["sentences"][2]
    for user, label in zip(scene["annotators"], ["ACTOR", "UNIT", "UNIT"], strict=True):
        annotate(db.session, user, s2.id, [span_of(s2.text, "rebels", label)])
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    project = scene["project"].id
    first = client.get(f"/projects/{project}/adjudication/next").headers["Location"]
    sid, start, end = re.search(r"/sentences/(\d+)/conflicts/(\d+)/(\d+)", first).groups()
    second = client.get(f"/projects/{project}/adjudication/next?after={sid}-{start}-{end}")
    assert second.headers["Location"] != first
    assert "/conflicts/" in second.headers["Location"]


def test_a_decided_conflict_page_says_so(client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    login(client, "curator1")
    s0 = scene["s0"]
    r = s0.text.index("rebels")
    close_gold(db.session, scene["curator"], s0.id, 1)
    db.session.commit()
    page = client.get(f"/sentences/{s0.id}/conflicts/{r}/{r + 6}").get_data(as_text=True)
    assert 'id="not-open"' in page and 'data-pick="1"' not in page


def test_feedback_page_shows_own_scores_and_guards_others(app, client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    ann2 = scene["annotators"][2]
    login(client, "ann2")
    project = scene["project"].id
    page = client.get(f"/projects/{project}/feedback").get_data(as_text=True)
    assert "My labels vs gold" in page and 'data-label="UNIT"' in page
    assert f'data-sentence="{scene["s0"].id}"' in page  # ann2's UNIT differs from gold
    other = scene["annotators"][0].id
    assert client.get(f"/projects/{project}/feedback?user={other}").status_code == 403
    home = client.get("/projects/").get_data(as_text=True)
    assert f"/projects/{project}/feedback" in home
    admin = app.test_client()
    login(admin, "admin1")
    page = admin.get(f"/projects/{project}/feedback?user={ann2.id}").get_data(as_text=True)
    assert "ann2&#39;s labels vs gold" in page or "ann2's labels vs gold" in page
    assert admin.get(f"/projects/{project}/feedback?user=99999").status_code == 404


def test_project_page_links_the_queue_for_curators_only(app, client, db, scene) -> None:
    project = scene["project"].id
    login(client, "curator1")
    assert f"/projects/{project}/adjudication" in client.get(f"/projects/{project}").get_data(
        as_text=True)
    annotator = app.test_client()
    login(annotator, "ann0")
    assert f"/projects/{project}/adjudication" not in annotator.get(
        f"/projects/{project}").get_data(as_text=True)


def test_admin_sees_gold_history_and_restores_it(app, client, db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s0 = scene["s0"]
    save_gold(db.session, scene["curator"], s0.id, GoldIn([], 1))
    db.session.commit()
    login(client, "admin1")
    page = client.get(f"/sentences/{s0.id}/history").get_data(as_text=True)
    first = db.session.scalars(select(AuditEvent).where(
        AuditEvent.sentence_id == s0.id, AuditEvent.target == "gold").order_by(
        AuditEvent.id)).first()
    assert f'href="/audit/{first.id}/restore"' in page  # a confirmation page, then the form
    assert f'action="/audit/{first.id}/restore"' in client.get(
        f"/audit/{first.id}/restore").get_data(as_text=True)
    response = post_form(client, f"/audit/{first.id}/restore")
    assert response.status_code == 302
    db.session.expire_all()
    gold = get_gold(db.session, s0.id)
    assert [(s.label, s.source) for s in gold.spans] == [("ACTOR", "majority")]
    assert gold.version == 3
