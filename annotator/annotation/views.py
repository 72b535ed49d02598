"""The annotation page: one sentence large, its article around it, the span editor."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from annotator.annotation import queries
from annotator.assignments.queue import batch_of, queue_neighbours
from annotator.extensions import db
from annotator.projects.models import Project

bp = Blueprint("annotation", __name__)


@bp.get("/sentences/<int:sentence_id>")
@login_required
def show_sentence(sentence_id: int):
    sentence = queries.get_sentence_for(db.session, current_user, sentence_id)
    schema = queries.get_schema(db.session, sentence.project_id)
    state = queries.annotation_state(db.session, current_user, sentence_id)
    batch_id = batch_of(db.session, current_user.id, sentence_id)
    if batch_id is not None:  # working through a queue: navigate within it
        prev_id, next_id = queue_neighbours(db.session, current_user.id, batch_id, sentence_id)
        done_url = url_for("assignments.continue_batch", batch_id=batch_id)
    else:
        prev_id, next_id = queries.neighbour_ids(db.session, sentence)
        done_url = url_for("annotation.continue_project", project_id=sentence.project_id)
    editor = {
        **state,
        "schema": schema.raw,
        "api_url": url_for("annotation_api.put_annotation", sentence_id=sentence_id),
        "prev_url": url_for("annotation.show_sentence", sentence_id=prev_id) if prev_id else None,
        "next_url": url_for("annotation.show_sentence", sentence_id=next_id) if next_id else None,
        "done_url": done_url,
        "batch_id": batch_id,
        "user": current_user.username,
    }
    return render_template(
        "annotation/sentence.html",
        sentence=sentence,
        document=sentence.document,
        context=queries.sentence_context(db.session, sentence),
        schema=schema,
        editor=editor,
    )


@bp.get("/projects/<int:project_id>/continue")
@login_required
def continue_project(project_id: int):
    sentence_id = queries.next_unfinished_id(db.session, current_user, project_id)
    if sentence_id is None:
        if db.session.get(Project, project_id) is None:
            abort(404)
        return redirect(url_for("projects.show_project", project_id=project_id, complete=1))
    return redirect(url_for("annotation.show_sentence", sentence_id=sentence_id))
