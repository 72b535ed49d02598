"""JSON API for reading and saving an annotator's annotation of a sentence."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from annotator.annotation import queries, services
from annotator.errors import DomainError, Invalid
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.transactions import unit_of_work

api_bp = Blueprint("annotation_api", __name__, url_prefix="/api")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def json_body() -> object:
    """The request's JSON, or a 4xx naming what is wrong with it."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"JSON body over {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(f"JSON body over {limit} bytes")
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("body must be JSON (Content-Type: application/json)")
    return body


@api_bp.get("/sentences/<int:sentence_id>/annotation")
@project_access("annotator")
def get_annotation(sentence_id: int):
    return jsonify(queries.annotation_state(db.session, current_user, sentence_id))


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
