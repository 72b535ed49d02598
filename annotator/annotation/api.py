"""JSON API for reading and saving an annotator's annotation of a sentence."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from annotator.annotation import queries, services
from annotator.annotation.article import get_article
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.transactions import unit_of_work
from annotator.web_input import json_body

api_bp = Blueprint("annotation_api", __name__, url_prefix="/api")


@api_bp.get("/sentences/<int:sentence_id>/annotation")
@project_access("annotator")
def get_annotation(sentence_id: int):
    return jsonify(queries.annotation_state(db.session, current_user, sentence_id))


@api_bp.get("/sentences/<int:sentence_id>/article")
@project_access("annotator")
def get_article_json(sentence_id: int):
    """The whole article of a sentence the user may open (the annotation page's reading view)."""
    return jsonify(get_article(db.session, current_user, sentence_id).to_json())


@api_bp.put("/sentences/<int:sentence_id>/annotation")
@project_access("annotator")
def put_annotation(sentence_id: int):
    change = services.AnnotationIn.from_json(json_body())
    with unit_of_work(db.session):  # a domain error rolls back, then answers its 4xx JSON
        saved = services.save_annotation(
            db.session, current_user, sentence_id, change,
            max_spent=current_app.config["MAX_TIME_SPENT_SECONDS"],
        )
        version, status = saved.version, saved.status
    return jsonify(version=version, status=status)


@api_bp.post("/sentences/<int:sentence_id>/annotations/<int:user_id>/reopen")
@project_access("admin")
def reopen_annotation(sentence_id: int, user_id: int):
    """Reopen a user's frozen annotation of the sentence (admins; recorded in the trail)."""
    with unit_of_work(db.session):
        saved = services.reopen_annotation(db.session, current_user, sentence_id, user_id,
                                           project_admin=True)
        version, status = saved.version, saved.status
    return jsonify(version=version, status=status)
