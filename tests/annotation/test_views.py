"""The annotation page and the project pages."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from annotator.corpus.models import Sentence
from tests.conftest import login
from tests.factories import make_document, prepare_project


def editor_data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="editor-data">(.*?)</script>', html, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_annotation_page_shows_sentence_with_context(client, db) -> None:
    prepare_project(db.session)
    sentences = list(
        db.session.scalars(select(Sentence).order_by(Sentence.document_id, Sentence.index))
    )
    login(client, "ann_a")
    middle = sentences[1]
    page = client.get(f"/sentences/{middle.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Fighting near Kafr Tala" in html
    assert sentences[0].text in html and sentences[2].text in html  # faded context
    data = editor_data(html)
    assert data["sentence"]["text"] == middle.text
    assert data["prev_url"] == f"/sentences/{sentences[0].id}"
    assert data["next_url"] == f"/sentences/{sentences[2].id}"
    assert [lb["key"] for lb in data["schema"]["labels"]] == ["ACTOR", "LOCATION", "UNIT", "EVENT"]
    assert data["version"] == 0


def test_article_text_is_escaped(client, db) -> None:
    data = prepare_project(db.session)
    make_document(db.session, data["project"], title="<b>bold</b>",
                  text="Militants <script>alert(1)</script> attacked the post in Idlib.")
    db.session.commit()
    sentence = db.session.scalars(select(Sentence).order_by(Sentence.id.desc())).first()
    login(client, "ann_a")
    html = client.get(f"/sentences/{sentence.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert editor_data(html)["sentence"]["text"] == sentence.text


def test_project_page_lists_sentences_and_continue_goes_to_first_unfinished(client, db) -> None:
    data = prepare_project(db.session)
    pid = data["project"].id
    login(client, "ann_a")
    page = client.get(f"/projects/{pid}")
    assert page.status_code == 200 and b"Government forces shelled" in page.data
    first = db.session.scalars(
        select(Sentence).order_by(Sentence.document_id, Sentence.index)
    ).first()
    response = client.get(f"/projects/{pid}/continue")
    assert response.headers["Location"].endswith(f"/sentences/{first.id}")


def test_missing_project_and_sentence_are_404(client, db) -> None:
    prepare_project(db.session)
    login(client, "ann_a")
    assert client.get("/projects/999").status_code == 404
    assert client.get("/sentences/999").status_code == 404
    assert client.get("/projects/999/continue").status_code == 404
