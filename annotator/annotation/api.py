"""JSON API for reading and saving an annotator's annotation of a sentence."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user, login_required

from annotator.annotation import queries, services
from annotator.extensions import db
from annotator.transactions import unit_of_work
from annotator.web_input import json_body

api_bp = Blueprint("annotation_api", __name__, url_prefix="/api")


@api_bp.get("/sentences/<int:sentence_id>/annotation")
@login_required
def get_annotation(sentence_id: int):
    return jsonify(queries.annotation_state(db.session, current_user, sentence_id))


@api_bp.put("/sentences/<int:sentence_id>/annotation")
@login_required
def put_annotation(sentence_id: int):
    change = services.AnnotationIn.from_json(json_body())
    with unit_of_work(db.session):  # a domain error rolls back, then answers its 4xx JSON
        saved = services.save_annotation(
            db.session, current_user, sentence_id, change,
            max_spent=current_app.config["MAX_TIME_SPENT_SECONDS"],
        )
        version, status = saved.version, saved.status
    return jsonify(version=version, status=status)
