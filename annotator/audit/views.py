"""A sentence's change history (admin), and restoring an earlier version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from annotator.adjudication.gold_edits import restore_gold
from annotator.annotation.services import restore_version
from annotator.audit.services import get_event, list_history
from annotator.auth.services import admin_required
from annotator.corpus.models import Sentence
from annotator.errors import DomainError
from annotator.extensions import db

bp = Blueprint("audit", __name__)


@bp.get("/sentences/<int:sentence_id>/history")
@admin_required
def show_history(sentence_id: int):
    sentence = db.session.get(Sentence, sentence_id) or abort(404)
    return render_template(
        "audit/history.html",
        sentence=sentence,
        events=list_history(db.session, sentence_id),
        form=FlaskForm(),
    )


@bp.post("/audit/<int:event_id>/restore")
@admin_required
def restore_event(event_id: int):
    event = get_event(db.session, event_id)
    sentence_id = event.sentence_id
    try:
        if event.target == "gold":
            annotation = restore_gold(db.session, current_user, event_id)
        else:
            annotation = restore_version(db.session, current_user, event_id)
    except DomainError as err:
        db.session.rollback()
        flash(f"Not restored: {err.message}", "error")
    else:
        version = annotation.version
        db.session.commit()
        flash(f"Restored the state of change #{event_id} as version {version}.", "success")
    return redirect(url_for("audit.show_history", sentence_id=sentence_id))
