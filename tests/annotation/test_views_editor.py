"""The span editor's payload: one builder, the same JSON keys on the annotation page as before,
and the gold editor's two keys of its own."""

from __future__ import annotations

from sqlalchemy import select

from annotator.annotation.editor import EditorLinks, editor_payload, gold_saved_state
from annotator.corpus.models import Document, Sentence
from annotator.projects.schema import default_schema_document, parse_schema
from tests.annotation.test_views import editor_data
from tests.conftest import login
from tests.factories import prepare_project

ANNOTATION_KEYS = {
    "sentence", "tokens", "spans", "status", "version", "flagged", "flag_comment", "schema",
    "api_url", "prev_url", "next_url", "done_url", "article_url", "article_api_url", "batch_id",
    "user", "frozen",
}


def sentence_of(text: str) -> Sentence:
    """A sentence that is the whole of a one-sentence document (never stored)."""
    document = Document(id=7, text=text)
    return Sentence(id=3, document=document, document_id=7, project_id=1, index=0, start=0,
                    end=len(text), excluded=False)


SAVED = {"spans": [], "status": None, "version": 0, "flagged": False, "flag_comment": ""}


def test_the_payload_of_the_annotation_editor() -> None:
    schema = parse_schema(default_schema_document())
    links = EditorLinks(api_url="/api/s/3", done_url="/done", prev_url=None, next_url="/s/4")
    payload = editor_payload(sentence_of("Rebels 🔥 struck."), SAVED, schema, links,
                             user="ann", batch_id=5)
    assert set(payload) == ANNOTATION_KEYS
    assert payload["sentence"] == {"id": 3, "text": "Rebels 🔥 struck.", "document_id": 7,
                                   "index": 0, "excluded": False}
    assert payload["tokens"] == [(0, 6), (7, 8), (9, 15), (15, 16)]  # code points
    assert (payload["api_url"], payload["done_url"], payload["prev_url"], payload["next_url"]) == (
        "/api/s/3", "/done", None, "/s/4")
    assert (payload["batch_id"], payload["user"], payload["schema"]) == (5, "ann", schema.raw)


def test_the_gold_editor_keeps_unsaved_work_under_a_key_of_its_own() -> None:
    schema = parse_schema(default_schema_document())
    saved = gold_saved_state({"spans": [], "status": None, "version": 0, "min_agree": None})
    assert saved == {"spans": [], "status": "partial", "version": 0, "flagged": False,
                     "flag_comment": ""}
    payload = editor_payload(sentence_of("Rebels struck."), saved, schema,
                             EditorLinks(api_url="/api/gold", done_url="/next"),
                             user="cur", mode="gold")
    assert set(payload) == ANNOTATION_KEYS | {"mode", "storage_key"}
    assert payload["mode"] == "gold"
    assert payload["storage_key"] == "annotator:unsaved-gold:cur:3"
    assert (payload["prev_url"], payload["next_url"], payload["batch_id"]) == (None, None, None)


def test_the_annotation_page_sends_exactly_the_editor_keys(client, db) -> None:
    prepare_project(db.session)
    login(client, "ann_a")
    first = db.session.scalars(select(Sentence).order_by(Sentence.id)).first()
    data = editor_data(client.get(f"/sentences/{first.id}").get_data(as_text=True))
    # The annotation page also sends the saved relations (the editor links event arguments)
    # and where its suggestions are (docs/suggestions.md).
    assert set(data) == ANNOTATION_KEYS | {"relations", "suggestions_url",
                                           "suggestion_events_url"}
    assert data["suggestions_url"] == f"/api/sentences/{first.id}/suggestions"
    assert data["relations"] == []
    assert data["api_url"] == f"/api/sentences/{first.id}/annotation"
    assert data["done_url"] == f"/projects/{first.project_id}/continue"
    assert data["batch_id"] is None and data["user"] == "ann_a" and data["prev_url"] is None
