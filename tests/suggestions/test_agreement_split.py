"""The agreement report split by bias control: annotations made with or without suggestions."""

from __future__ import annotations

import json

from sqlalchemy import select

from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.corpus.models import Sentence
from tests.conftest import login
from tests.suggestions.scene import prepare_suggestions


def finish_everything(db, scene) -> None:
    """ann_a and ann_b mark every sentence of both batches done, ann_a with one span each."""
    for sentence in db.session.scalars(select(Sentence).order_by(Sentence.id)):
        for user in (scene["a"], scene["b"]):
            first_word = sentence.text.split()[0]
            spans = [{"start": 0, "end": len(first_word), "label": "ACTOR"}]
            save_annotation(db.session, user, sentence.id,
                            AnnotationIn(spans if user is scene["a"] else [], "done", 0, 1.0),
                            max_spent=60)
    db.session.commit()


def test_report_json_page_and_cli_split_by_suggestions(app, client, db) -> None:
    scene = prepare_suggestions(db.session)
    finish_everything(db, scene)
    login(client, "admin1")
    pid = scene["project"].id
    sentences = {}
    for split in ("with", "without", None):
        query = f"?suggestions={split}" if split else ""
        response = client.get(f"/projects/{pid}/agreement.json{query}")
        assert response.status_code == 200
        body = json.loads(response.get_data(as_text=True))
        assert body.get("suggestions") == split
        sentences[split] = body["counts"]["annotations"]
    # One sentence (two annotations) in the batch with suggestions on, two in the one off.
    assert sentences == {"with": 2, "without": 4, None: 6}
    page = client.get(f"/projects/{pid}/agreement?suggestions=with").get_data(as_text=True)
    assert "annotations made with suggestions" in page
    assert client.get(f"/projects/{pid}/agreement.json?suggestions=maybe").status_code == 400
    result = app.test_cli_runner().invoke(args=[
        "agreement", "--project", scene["project"].name, "--suggestions", "without",
        "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["suggestions"] == "without" and body["counts"]["annotations"] == 4
