"""A sentence's change history (admin), and restoring an earlier version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from annotator.audit import restoring
from annotator.audit.services import get_event, list_history
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
    return render_template(
        "audit/history.html",
        sentence=sentence,
        events=list_history(db.session, sentence_id),
        form=FlaskForm(),
    )


@bp.post("/audit/<int:event_id>/restore")
@project_access("admin")
def restore_event(event_id: int):
    sentence_id = get_event(db.session, event_id).sentence_id
    with unit_of_work(db.session, catch=DomainError) as work:
        version = restoring.restore_event(db.session, current_user, event_id)
    if work.failed:
        flash(f"Not restored: {work.message}", "error")
    else:
        flash(f"Restored the state of change #{event_id} as version {version}.", "success")
    return redirect(url_for("audit.show_history", sentence_id=sentence_id))
