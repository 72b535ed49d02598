"""JSON API of batches: the annotator's queue, a project's batches (list, create) and one
batch with its progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from annotator.assignments import pages, progress, queue, services
from annotator.assignments.models import Batch
from annotator.assignments.requests import BatchIn
from annotator.errors import Forbidden, Invalid, NotFound
from annotator.extensions import db
from annotator.projects.guards import current_access, project_access, require_access
from annotator.transactions import unit_of_work
from annotator.web_input import BadInput, json_body, query_int

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


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def batch_json(batch: Batch, sentences: int, annotators: list[str]) -> dict[str, Any]:
    """A batch as the API shows it."""
    return {
        "id": batch.id, "project_id": batch.project_id, "name": batch.name,
        "source": batch.source, "overlap": batch.overlap, "seed": batch.seed,
        "sentences": sentences, "annotators": annotators,
        "created_at": _when(batch.created_at), "archived": batch.archived_at is not None,
    }


def progress_json(row: progress.Progress) -> dict[str, Any]:
    """One annotator's progress in a batch."""
    return {
        "annotator": row.annotator, "assigned": row.assigned, "done": row.done,
        "skipped": row.skipped, "in_progress": row.in_progress, "remaining": row.remaining,
        "flagged": row.flagged, "median_seconds": row.median_seconds,
        "last_activity": _when(row.last_activity),
    }


@api_bp.get("/projects/<int:project_id>/batches")
@project_access("admin")
def list_batches(project_id: int):
    """The project's batches, newest first, archived ones included."""
    page = pages.batches_page(db.session, project_id)
    return jsonify(batches=[batch_json(b, n, page.batch_annotators.get(b.id, []))
                            for b, n in page.batches])


@api_bp.post("/projects/<int:project_id>/batches")
@project_access("admin")
def create_batch(project_id: int):
    """Create a batch as the batch form does (same rules); 201 with the batch."""
    asked = BatchIn.from_json(json_body())
    with unit_of_work(db.session):
        created = services.create_batch(
            db.session, project_id, source=asked.source, annotators=asked.annotators,
            overlap=asked.overlap, seed=asked.seed, name=asked.name,
            document_ids=asked.documents, sample=asked.sample, created_by=current_user,
        )
        answer = {**batch_json(created.batch, created.sentences, sorted(created.per_annotator)),
                  "per_annotator": created.per_annotator, "message": created.summary()}
    return jsonify(answer), 201


@api_bp.get("/batches/<int:batch_id>")
@project_access("annotator")
def show_batch(batch_id: int):
    """A batch and its progress: every annotator's for project admins, one's own for an
    annotator who has work in it (anyone else: 403, as on the batch page)."""
    batch = db.session.get(Batch, batch_id)
    is_admin = current_access().is_admin
    if not (is_admin or progress.has_work_in(db.session, current_user.id, batch_id)):
        raise Forbidden("this batch is not assigned to you")
    rows = pages.batch_rows(db.session, batch, user_id=None if is_admin else current_user.id)
    sentences = progress.count_batch_sentences(db.session, batch_id)
    return jsonify({**batch_json(batch, sentences, sorted({r.annotator for r in rows})),
                    "progress": [progress_json(r) for r in rows]})
