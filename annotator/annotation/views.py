"""The annotation page: one sentence large, its article around it, the span editor; the whole
article of a sentence; the list of the sentences an annotator finished."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from annotator.annotation import queries
from annotator.annotation.article import get_article
from annotator.annotation.editor import EditorLinks, QueuePlace, get_editor_page, get_queue_place
from annotator.annotation.finished import FINISHED, list_finished
from annotator.corpus.models import Sentence
from annotator.extensions import db
from annotator.paging import page_number
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.web_input import query_int

bp = Blueprint("annotation", __name__)


@bp.get("/sentences/<int:sentence_id>")
@project_access("annotator")
def show_sentence(sentence_id: int) -> str:
    """One sentence in the span editor, with the article around it."""
    sentence = queries.get_sentence_for(db.session, current_user, sentence_id)
    place = get_queue_place(db.session, current_user, sentence)
    shown = get_editor_page(
        db.session, sentence, queries.annotation_state(db.session, current_user, sentence_id),
        _links(sentence, place), user=current_user.username, batch_id=place.batch_id,
        place=place,
    )
    return render_template("annotation/sentence.html", **shown.template_args())


def _links(sentence: Sentence, place: QueuePlace) -> EditorLinks:
    """The annotation editor's URLs: the queue's neighbours, and where "done" goes after them."""
    if place.batch_id is not None:
        done_url = url_for("assignments.continue_batch", batch_id=place.batch_id)
    else:
        done_url = url_for("annotation.continue_project", project_id=sentence.project_id)
    return EditorLinks(
        api_url=url_for("annotation_api.put_annotation", sentence_id=sentence.id),
        done_url=done_url,
        prev_url=_sentence_url(place.prev_id),
        next_url=_sentence_url(place.next_id),
        article_url=url_for("annotation.show_article", sentence_id=sentence.id),
        article_api_url=url_for("annotation_api.get_article_json", sentence_id=sentence.id),
        suggestions_url=url_for("suggestions_api.get_suggestions", sentence_id=sentence.id),
        suggestion_events_url=url_for("suggestions_api.post_suggestion_events",
                                      sentence_id=sentence.id),
    )


def _sentence_url(sentence_id: int | None) -> str | None:
    return url_for("annotation.show_sentence", sentence_id=sentence_id) if sentence_id else None


@bp.get("/sentences/<int:sentence_id>/article")
@project_access("annotator")
def show_article(sentence_id: int) -> str:
    """The whole article of a sentence the user may open, read-only, that sentence marked."""
    article = get_article(db.session, current_user, sentence_id)
    return render_template("annotation/article.html", article=article)


@bp.get("/projects/<int:project_id>/my-sentences")
@project_access("annotator")
def list_my_sentences(project_id: int) -> str:
    """The sentences this user marked done or skipped, per batch or status, to reopen one."""
    project = db.session.get(Project, project_id) or abort(404)
    batch_id = query_int("batch")  # 400 for anything but a row id (huge, "²", "1e20")
    status = request.args.get("status") or None
    if status is not None and status not in FINISHED:
        abort(400, description=f"status must be one of {', '.join(FINISHED)}")
    page = page_number(request.args.get("page"))
    shown = list_finished(
        db.session, current_user.id, project.id, batch_id=batch_id, status=status, page=page,
        per_page=current_app.config["SENTENCES_PER_PAGE"],
    )
    if batch_id is not None and batch_id not in dict(shown.batches):
        abort(404, description=f"you have no batch {batch_id} in this project")
    return render_template(
        "annotation/my_sentences.html", project=project, shown=shown,
        batch_id=batch_id, status=status,
    )


@bp.get("/projects/<int:project_id>/continue")
@project_access("annotator")
def continue_project(project_id: int) -> Response:
    """Go to the first sentence of the project this user has not finished."""
    sentence_id = queries.next_unfinished_id(db.session, current_user, project_id)
    if sentence_id is None:
        if db.session.get(Project, project_id) is None:
            abort(404)
        return redirect(url_for("projects.show_project", project_id=project_id, complete=1))
    return redirect(url_for("annotation.show_sentence", sentence_id=sentence_id))
