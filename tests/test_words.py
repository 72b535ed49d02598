"""Pages speak in words people understand: display names instead of keys, counts with their
plural, a re-import that added nothing said as a notice, and the export formats documented."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from tests.conftest import csrf_from, login
from tests.factories import prepare_project

RAW_KEY = re.compile(r"non_state_actor_overtakes_territory|government_regains_territory|"
                     r"in_progress")


def _event(text: str, word: str, event_type: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": "EVENT",
            "attributes": {"event_type": event_type}}


def test_event_types_show_their_names_on_every_adjudication_page(app, client, db) -> None:
    world = prepare_project(db.session)
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    word = sentence.text.split()[1]
    for name, kind in (("ann_a", "non_state_actor_overtakes_territory"),
                       ("ann_b", "government_regains_territory")):
        user = db.session.scalar(select(User).where(User.username == name))
        save_annotation(db.session, user, sentence.id,
                        AnnotationIn([_event(sentence.text, word, kind)], "done", 0, 3.0),
                        max_spent=60)
    auto_adjudicate(db.session, world["project"].id, min_agree=2, actor=world["admin"])
    db.session.commit()
    login(client, "admin1")
    project_id, start = world["project"].id, sentence.text.index(word)
    pages = {
        "drill-down": f"/projects/{project_id}/agreement/disagreements",
        "queue": f"/projects/{project_id}/adjudication",
        "conflict": f"/sentences/{sentence.id}/conflicts/{start}/{start + len(word)}",
        "gold editor": f"/sentences/{sentence.id}/gold",
        "history": f"/sentences/{sentence.id}/history",
    }
    for where, url in pages.items():
        answer = client.get(url)
        assert answer.status_code == 200, where
        # The schema itself travels to the page's scripts as JSON (keys are its data); what
        # the page shows as text and in its attributes uses names.
        html = re.sub(r'<script type="application/json".*?</script>|class="[^"]*"', "",
                      answer.get_data(as_text=True), flags=re.S)
        assert not RAW_KEY.search(html), (where, RAW_KEY.search(html).group(0))
        if where != "queue":
            assert "Non-state actor overtakes territory" in html, where
    queue = client.get(pages["queue"]).get_data(as_text=True)
    assert "annotator.agreement" not in queue and ">Event<" in queue  # the label filter


def _upload(client, project_id: int, name: str, data: bytes):
    token = csrf_from(client.get(f"/projects/{project_id}/documents").get_data(as_text=True))
    answer = client.post(f"/projects/{project_id}/documents",
                         data={"csrf_token": token, "files": (io.BytesIO(data), name)})
    assert answer.status_code == 302
    return client.get(answer.location)


def test_reimporting_a_file_is_a_notice_and_counts_agree(app, client, db) -> None:
    world = prepare_project(db.session)
    login(client, "admin1")
    article = json.dumps({"title": "Convoy stopped near Dar Salam",
                          "text": "Militiamen stopped an aid convoy on Tuesday."}).encode()
    first = _upload(client, world["project"].id, "convoy.jsonl", article).get_data(as_text=True)
    assert "Imported 1 document with 1 sentence" in first and "flash-success" in first
    again = _upload(client, world["project"].id, "convoy.jsonl", article).get_data(as_text=True)
    assert "Already imported, nothing added" in again and "Imported 0" not in again
    assert 'class="flash flash-notice"' in again and "flash-success" not in again
    home = client.get("/projects/").get_data(as_text=True)
    assert "2 documents" in home


def test_the_export_page_links_the_formats_page_the_app_serves(app, client, db) -> None:
    world = prepare_project(db.session)
    login(client, "admin1")
    page = client.get(f"/projects/{world['project'].id}/export").get_data(as_text=True)
    for anchor in ("gold-json", "jsonl", "conll", "labelstudio", "brat", "spacy", "split"):
        assert f'href="/help/export-formats#{anchor}"' in page
    assert "same seed on the same documents gives the same split" in page
    formats = client.get("/help/export-formats").get_data(as_text=True)
    for anchor in ("gold-json", "jsonl", "conll", "labelstudio", "brat", "spacy", "split",
                   "card"):
        assert f'id="{anchor}"' in formats
    reader = app.test_client()
    login(reader, "ann_a")  # any user may read it
    assert reader.get("/help/export-formats").status_code == 200
