"""Batch pages: create and manage batches (admin), the progress dashboard, an annotator's queue."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from annotator.assignments import pages, progress, queue, services
from annotator.assignments.forms import BatchForm, ReassignForm, RemoveBatchForm
from annotator.assignments.models import Batch
from annotator.auth.queries import find_user, list_active_usernames
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.paging import page_number
from annotator.projects.guards import current_access, project_access
from annotator.projects.models import Project
from annotator.transactions import unit_of_work
from annotator.web_input import query_int

bp = Blueprint("assignments", __name__)


@bp.route("/projects/<int:project_id>/batches", methods=["GET", "POST"])
@project_access("admin")
def list_batches(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    page = pages.batches_page(db.session, project.id)
    form = BatchForm()
    form.annotators.choices = [SelectChoice(u) for u in page.usernames]
    if form.validate_on_submit():
        with unit_of_work(db.session, catch=DomainError) as work:
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
                suggestions=bool(form.suggestions.data),
                created_by=current_user,
                order=form.order.data or "reading",
            )
        if not work.failed:
            flash(created.summary(), "success")
            return redirect(url_for("assignments.list_batches", project_id=project.id))
        flash(f"No batch created: {work.message}", "error")
    status = 422 if form.errors or form.is_submitted() else 200
    return render_template(
        "assignments/batches.html", project=project, form=form, batches=page.batches,
        reassign_form=ReassignForm(), remove_form=RemoveBatchForm(), usernames=page.usernames,
        batch_annotators=page.batch_annotators, documents=page.documents,
    ), status


@bp.post("/batches/<int:batch_id>/reassign")
@project_access("admin")
def reassign_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    form = ReassignForm()
    form.to.choices = [SelectChoice(u) for u in list_active_usernames(db.session)]
    if form.validate_on_submit():
        with unit_of_work(db.session, catch=DomainError) as work:
            moved = services.reassign_annotator(
                db.session, batch_id, form.leaving.data, form.to.data or []
            )
        if work.failed:
            flash(f"Nothing reassigned: {work.message}", "error")
        else:
            summary = ", ".join(f"{u}: {n}" for u, n in moved.items()) or "nothing unfinished"
            flash(f"Moved {form.leaving.data}'s unfinished work ({summary}).", "success")
    else:
        flash("Nothing reassigned: fill in the form.", "error")
    return redirect(url_for("assignments.list_batches", project_id=batch.project_id))


@bp.post("/batches/<int:batch_id>/remove")
@project_access("admin")
def remove_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    project_id = batch.project_id
    form = RemoveBatchForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(db.session, catch=DomainError) as work:
        outcome = services.remove_batch(db.session, batch_id, confirm=form.confirm.data)
    if work.failed:
        flash(work.message, "error")
    else:
        flash(f"Batch {outcome}.", "success")
    return redirect(url_for("assignments.list_batches", project_id=project_id))


@bp.get("/projects/<int:project_id>/dashboard")
@project_access("admin")
def dashboard(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    archived = request.args.get("archived") == "1"
    page = pages.dashboard_page(db.session, project.id, archived=archived)
    return render_template("assignments/dashboard.html", project=project, archived=archived,
                           **vars(page))


@bp.get("/projects/<int:project_id>/untyped-spans")
@project_access("annotator")
def list_untyped_spans(project_id: int):
    """Sentences whose spans lack an expected attribute (EVENT without event_type).

    Admins see anyone's (``?annotator=``, ``?batch=``; neither: the whole project); everyone
    else sees only their own, and an annotator only what they may open now.
    """
    project = db.session.get(Project, project_id) or abort(404)
    # A mistyped filter is a 400 (InputError): it must not silently widen the list to the
    # whole project.
    batch_id = query_int("batch")
    if batch_id is not None:
        batch = db.session.get(Batch, batch_id)
        if batch is None or batch.project_id != project.id:
            abort(404)
    name = request.args.get("annotator", "").strip()
    if current_access().is_admin:
        annotator = (find_user(db.session, name) or abort(404)) if name else None
    elif name and name != current_user.username:
        abort(403)  # blind annotation: nobody else's work
    else:
        annotator = current_user
    page = pages.untyped_page(
        db.session, project.id, batch_id=batch_id,
        annotator_id=annotator.id if annotator is not None else None,
        openable_only=not current_access().is_curator,
        page=page_number(request.args.get("page")),
    )
    return render_template("assignments/untyped.html", project=project, annotator=annotator,
                           batch=db.session.get(Batch, batch_id) if batch_id else None,
                           **vars(page))


@bp.get("/batches/<int:batch_id>")
@project_access("annotator")
def show_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    is_admin = current_access().is_admin  # of the batch's project
    if not (is_admin or progress.has_work_in(db.session, current_user.id, batch_id)):
        abort(403)
    rows = pages.batch_rows(db.session, batch, user_id=None if is_admin else current_user.id)
    return render_template(
        "assignments/batch.html",
        batch=batch,
        project=db.session.get(Project, batch.project_id),
        progress=rows,
        complete=request.args.get("complete") == "1",
    )


@bp.get("/batches/<int:batch_id>/continue")
@project_access("annotator")
def continue_batch(batch_id: int):
    batch = db.session.get(Batch, batch_id) or abort(404)
    if not progress.has_work_in(db.session, current_user.id, batch.id):
        if current_access().is_admin:
            return redirect(url_for("assignments.show_batch", batch_id=batch.id))
        abort(403)
    if batch.archived_at is not None:  # no queue any more; the batch page says archived
        return redirect(url_for("assignments.show_batch", batch_id=batch.id))
    sentence_id = queue.next_sentence_id(db.session, current_user.id, batch.id)
    if sentence_id is None:
        return redirect(url_for("assignments.show_batch", batch_id=batch.id, complete=1))
    return redirect(url_for("annotation.show_sentence", sentence_id=sentence_id, batch=batch.id))
