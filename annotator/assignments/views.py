"""Batch pages: create and manage batches (admin), the progress dashboard, an annotator's queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from annotator.assignments import progress, queue, services, untyped
from annotator.assignments.forms import BatchForm, ReassignForm, RemoveBatchForm
from annotator.assignments.models import Batch
from annotator.auth.models import Role, User
from annotator.auth.services import admin_required
from annotator.corpus.queries import list_documents
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects.models import Project

bp = Blueprint("assignments", __name__)


def _active_usernames() -> list[str]:
    return list(
        db.session.scalars(
            select(User.username).where(User.active.is_(True)).order_by(User.username)
        )
    )


@bp.route("/projects/<int:project_id>/batches", methods=["GET", "POST"])
@admin_required
def list_batches(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = BatchForm()
    documents = list_documents(db.session, project.id)
    form.documents.choices = [SelectChoice(d.id, f"{d.id}: {d.title}") for d in documents]
    form.annotators.choices = [SelectChoice(u) for u in _active_usernames()]
    status = 200
    if form.validate_on_submit():
        try:
            created = services.create_batch(
                db.session,
                project.id,
                source=form.source.data,
                annotators=form.annotators.data or [],
                overlap=form.overlap.data,
                seed=form.seed.data or 0,
                name=form.name.data,
                document_ids=form.documents.data or [],
                sample=form.sample.data,
                created_by=current_user,
            )
        except DomainError as err:
            db.session.rollback()
            flash(f"No batch created: {err.message}", "error")
            status = 422
        else:
            db.session.commit()
            counts = ", ".join(f"{u}: {n}" for u, n in created.per_annotator.items())
            flash(
                f"Created {created.batch.name} with {created.sentences} sentences "
                f"(overlap {created.batch.overlap}; {counts}).",
                "success",
            )
            return redirect(url_for("assignments.list_batches", project_id=project.id))
    elif form.errors:
        status = 422
    return (
        render_template(
            "assignments/batches.html",
            project=project,
            form=form,
            batches=progress.list_batches(db.session, project.id),
            reassign_form=ReassignForm(),
            remove_form=RemoveBatchForm(),
            usernames=_active_usernames(),
            batch_annotators=progress.batch_annotators(db.session, project.id),
        ),
        status,
    )


@bp.post("/batches/<int:batch_id>/reassign")
@admin_required
def reassign_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    form = ReassignForm()
    form.to.choices = [SelectChoice(u) for u in _active_usernames()]
    if form.validate_on_submit():
        try:
            moved = services.reassign_annotator(
                db.session, batch_id, form.leaving.data, form.to.data or []
            )
        except DomainError as err:
            db.session.rollback()
            flash(f"Nothing reassigned: {err.message}", "error")
        else:
            db.session.commit()
            summary = ", ".join(f"{u}: {n}" for u, n in moved.items()) or "nothing unfinished"
            flash(f"Moved {form.leaving.data}'s unfinished work ({summary}).", "success")
    else:
        flash("Nothing reassigned: fill in the form.", "error")
    return redirect(url_for("assignments.list_batches", project_id=batch.project_id))


@bp.post("/batches/<int:batch_id>/remove")
@admin_required
def remove_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    project_id = batch.project_id
    form = RemoveBatchForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = services.remove_batch(db.session, batch_id, confirm=form.confirm.data)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(f"Batch {outcome}.", "success")
    return redirect(url_for("assignments.list_batches", project_id=project_id))


@bp.get("/projects/<int:project_id>/dashboard")
@admin_required
def dashboard(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    archived = request.args.get("archived") == "1"
    rows = progress.batch_progress(db.session, project.id, include_archived=archived)
    expected = untyped.project_expected_attributes(db.session, project.id)
    return render_template(
        "assignments/dashboard.html",
        project=project,
        totals=progress.batch_totals(db.session, project.id, include_archived=archived,
                                     per_annotator=rows),
        progress=rows,
        archived=archived,
        throughput=progress.daily_throughput(db.session, project.id),
        flags=progress.list_flags(db.session, project.id),
        untyped_what=untyped.describe_untyped(expected),
        untyped_total=untyped.count_untyped(db.session, project.id),
    )


UNTYPED_PER_PAGE = 100


@bp.get("/projects/<int:project_id>/untyped-spans")
@login_required
def list_untyped_spans(project_id: int):
    """Sentences whose spans lack an expected attribute (EVENT without event_type).

    Admins see anyone's (``?annotator=``, ``?batch=``; neither: the whole project); everyone
    else sees only their own, and an annotator only what they may open now.
    """
    project = db.session.get(Project, project_id) or abort(404)
    raw_batch = request.args.get("batch")
    if raw_batch is not None and not raw_batch.isdigit():
        abort(400)  # a mistyped filter must not silently widen the list to the whole project
    batch_id = int(raw_batch) if raw_batch is not None else None
    if batch_id is not None:
        batch = db.session.get(Batch, batch_id)
        if batch is None or batch.project_id != project.id:
            abort(404)
    name = request.args.get("annotator", "").strip()
    if current_user.is_admin:
        annotator = None
        if name:
            annotator = db.session.scalar(select(User).where(User.username == name)) or abort(404)
    elif name and name != current_user.username:
        abort(403)  # blind annotation: nobody else's work
    else:
        annotator = current_user
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10**6)
    rows, total = untyped.list_untyped(
        db.session, project.id, batch_id=batch_id,
        annotator_id=annotator.id if annotator is not None else None,
        openable_only=current_user.role == Role.ANNOTATOR,
        limit=UNTYPED_PER_PAGE, offset=(page - 1) * UNTYPED_PER_PAGE,
    )
    return render_template(
        "assignments/untyped.html",
        project=project,
        batch=db.session.get(Batch, batch_id) if batch_id is not None else None,
        annotator=annotator,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + UNTYPED_PER_PAGE - 1) // UNTYPED_PER_PAGE, 1),
        untyped_what=untyped.describe_untyped(
            untyped.project_expected_attributes(db.session, project.id)
        ),
    )


@bp.get("/batches/<int:batch_id>")
@login_required
def show_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    if not current_user.is_admin and not progress.has_work_in(db.session, current_user.id, batch_id):
        abort(403)
    user_filter = None if current_user.is_admin else current_user.id
    rows = [
        p
        for p in progress.batch_progress(db.session, batch.project_id, user_id=user_filter,
                                         include_archived=True)
        if p.batch_id == batch_id
    ]
    return render_template(
        "assignments/batch.html",
        batch=batch,
        project=db.session.get(Project, batch.project_id),
        progress=rows,
        complete=request.args.get("complete") == "1",
    )


@bp.get("/batches/<int:batch_id>/continue")
@login_required
def continue_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    if not progress.has_work_in(db.session, current_user.id, batch.id):
        if current_user.is_admin:
            return redirect(url_for("assignments.show_batch", batch_id=batch.id))
        abort(403)
    if batch.archived_at is not None:  # no queue any more; the batch page says archived
        return redirect(url_for("assignments.show_batch", batch_id=batch.id))
    sentence_id = queue.next_sentence_id(db.session, current_user.id, batch.id)
    if sentence_id is None:
        return redirect(url_for("assignments.show_batch", batch_id=batch.id, complete=1))
    return redirect(url_for("annotation.show_sentence", sentence_id=sentence_id, batch=batch.id))
