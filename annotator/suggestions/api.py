"""JSON API of suggestions: those for a sentence, and what the editor did with them."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.suggestions import queries, services
from annotator.transactions import unit_of_work
from annotator.web_input import json_body

api_bp = Blueprint("suggestions_api", __name__, url_prefix="/api")


@api_bp.get("/sentences/<int:sentence_id>/suggestions")
@project_access("annotator")
def get_suggestions(sentence_id: int):
    """The suggestions for a sentence the user may annotate (none when the batch has them off)."""
    return jsonify(queries.sentence_suggestions(db.session, current_user, sentence_id))


@api_bp.post("/sentences/<int:sentence_id>/suggestions/events")
@project_access("annotator")
def post_suggestion_events(sentence_id: int):
    """Record suggestions shown, accepted or rejected in the editor (each once)."""
    with unit_of_work(db.session):
        recorded = services.record_events(db.session, current_user, sentence_id, json_body)
    return jsonify(recorded=recorded)
