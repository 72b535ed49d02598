"""A sentence's change history (admin), and restoring an earlier version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from annotator.annotation.queries import list_sentence_annotations
from annotator.annotation.services import reopen_annotation
from annotator.audit import restoring
from annotator.audit.history import history_trails, restore_plan
from annotator.audit.services import get_event
from annotator.corpus.models import Sentence
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.transactions import unit_of_work

bp = Blueprint("audit", __name__)


@bp.get("/sentences/<int:sentence_id>/history")
@project_access("admin")
def show_history(sentence_id: int):
    sentence = db.session.get(Sentence, sentence_id) or abort(404)
    trails, pager = history_trails(db.session, sentence, request.args.get("page"))
    return render_template(
        "audit/history.html",
        sentence=sentence,
        trails=trails,
        pager=pager,
        annotations=list_sentence_annotations(db.session, sentence_id),
        form=FlaskForm(),
    )


@bp.post("/sentences/<int:sentence_id>/annotations/<int:user_id>/reopen")
@project_access("admin")
def reopen(sentence_id: int, user_id: int):
    """Reopen a frozen annotation from the sentence's history page."""
    sentence = db.session.get(Sentence, sentence_id) or abort(404)
    with unit_of_work(db.session, catch=DomainError) as work:
        saved = reopen_annotation(db.session, current_user, sentence.id, user_id,
                                  project_admin=True)
    if work.failed:
        flash(f"Not reopened: {work.message}", "error")
    else:
        flash(f"Reopened: the annotator can edit it again (version {saved.version}, "
              "in progress until they finish it).", "success")
    return redirect(url_for("audit.show_history", sentence_id=sentence.id))


@bp.get("/audit/<int:event_id>/restore")
@project_access("admin")
def confirm_restore(event_id: int):
    """Say what restoring the version would change, and ask before doing it."""
    plan = restore_plan(db.session, event_id)
    return render_template("audit/restore.html", plan=plan, form=FlaskForm())


@bp.post("/audit/<int:event_id>/restore")
@project_access("admin")
def restore_event(event_id: int):
    sentence_id = get_event(db.session, event_id).sentence_id
    with unit_of_work(db.session, catch=DomainError) as work:
        version = restoring.restore_event(db.session, current_user, event_id)
    if work.failed:
        flash(f"Not restored: {work.message}", "error")
    else:
        flash(f"Restored the state of change #{event_id}; it is now version {version}.", "success")
    return redirect(url_for("audit.show_history", sentence_id=sentence_id))
