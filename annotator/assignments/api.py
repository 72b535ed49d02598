"""JSON API of the annotator's queue."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from annotator.assignments import queue
from annotator.errors import Forbidden, Invalid, NotFound
from annotator.extensions import db
from annotator.projects.guards import require_access
from annotator.web_input import BadInput, query_int

api_bp = Blueprint("assignments_api", __name__, url_prefix="/api")


@api_bp.get("/queue/next")
@login_required
def next_in_queue():
    """The next unfinished sentence of the logged-in user's queue in a batch (204: none)."""
    try:
        batch_id = query_int("batch")
    except BadInput:
        batch_id = None
    if batch_id is None:
        raise Invalid("query parameter 'batch' must be a batch id (a positive integer)")
    require_access("batch", batch_id)  # 404 outside the user's projects
    answer = queue.queue_next(db.session, current_user.id, batch_id)
    if not answer.batch_exists:
        raise NotFound(f"batch {batch_id} does not exist or was archived")
    if not answer.has_work:
        raise Forbidden("this batch is not assigned to you")
    if answer.sentence_id is None:
        return "", 204
    return jsonify(sentence_id=answer.sentence_id)
