"""JSON API for gold: read and save a sentence's gold, decide a conflict (curators, admins)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from annotator.adjudication import blinding, decisions, gold_edits, requests
from annotator.corpus.models import Sentence
from annotator.corpus.tokens import token_offsets
from annotator.errors import NotFound
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.transactions import unit_of_work
from annotator.web_input import json_body

api_bp = Blueprint("adjudication_api", __name__, url_prefix="/api")


def _sentence(sentence_id: int) -> Sentence:
    sentence = db.session.get(Sentence, sentence_id)
    if sentence is None:
        raise NotFound(f"sentence {sentence_id} does not exist")
    return sentence


@api_bp.get("/sentences/<int:sentence_id>/gold")
@project_access("curator")
def get_gold(sentence_id: int):
    sentence = _sentence(sentence_id)
    with unit_of_work(db.session):  # may assign pseudonyms to annotators seen the first time
        view = blinding.sentence_view(db.session, current_user, sentence)
    text = sentence.text
    return jsonify(
        sentence={
            "id": sentence.id, "text": text, "document_id": sentence.document_id,
            "index": sentence.index, "excluded": sentence.excluded,
        },
        tokens=token_offsets(text),
        **view.state,
        conflicts=[c.to_json() for c in [*view.open_conflicts, *view.open_arguments]],
    )


@api_bp.put("/sentences/<int:sentence_id>/gold")
@project_access("curator")
def put_gold(sentence_id: int):
    _sentence(sentence_id)
    change = requests.GoldIn.from_json(json_body())
    with unit_of_work(db.session):
        saved = gold_edits.save_gold(db.session, current_user, sentence_id, change)
    return jsonify(version=saved.version, status=saved.status)


@api_bp.post("/sentences/<int:sentence_id>/decisions")
@project_access("curator")
def decide(sentence_id: int):
    _sentence(sentence_id)
    change = requests.DecisionIn.from_json(json_body())
    with unit_of_work(db.session):
        saved = decisions.decide(db.session, current_user, sentence_id, change)
    return jsonify(version=saved.version, status=saved.status)
