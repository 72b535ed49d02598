"""Home page, a project's sentence list and its guidelines."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from annotator.assignments.progress import batch_progress
from annotator.assignments.queue import project_has_batches
from annotator.auth.services import admin_required
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects import queries, services
from annotator.projects.forms import GuidelinesForm
from annotator.projects.guidelines import field_names, next_version, render_markdown
from annotator.projects.models import Project
from annotator.transactions import unit_of_work

bp = Blueprint("projects", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("projects.home"))


@bp.get("/projects/")
@login_required
def home():
    page = queries.home_page(db.session, current_user)
    return render_template(
        "projects/home.html", summaries=page.summaries, my_batches=page.my_batches,
        next_batch_id=page.next_batch_id,
    )


@bp.get("/projects/<int:project_id>")
@login_required
def show_project(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    if not current_user.is_admin and current_user.role != "curator" and project_has_batches(
        db.session, project.id
    ):
        # Blind annotation: once batches exist, annotators see their queues, not the corpus.
        return render_template(
            "projects/my_batches.html",
            project=project,
            progress=batch_progress(db.session, project.id, user_id=current_user.id),
            complete=request.args.get("complete") == "1",
        )
    # Clamped (paging.Pager): a huge ?page= would overflow the database's OFFSET.
    rows, pager = queries.list_sentences(db.session, current_user, project_id,
                                         request.args.get("page"),
                                         current_app.config["SENTENCES_PER_PAGE"])
    return render_template(
        "projects/project.html",
        project=project,
        rows=rows,
        page=pager.page,
        pages=pager.pages,
        total=pager.total,
        complete=request.args.get("complete") == "1",
    )


@bp.get("/projects/<int:project_id>/guidelines")
@login_required
def show_guidelines(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    page = queries.guidelines_page(db.session, project, request.args.get("version")) or abort(404)
    return render_template("projects/guidelines.html", page=page)


@bp.route("/projects/<int:project_id>/guidelines/edit", methods=["GET", "POST"])
@admin_required
def edit_guidelines(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    page = queries.guidelines_page(db.session, project) or abort(404)
    form = GuidelinesForm(data={"body": page.body})
    preview, status = None, 200
    if form.validate_on_submit() and "preview" not in request.form:
        with unit_of_work(db.session, catch=DomainError) as work:
            published = services.publish_guidelines(
                db.session, project, current_user.id, form.body.data or "", request.form)
        if not work.failed:
            flash(f"Published the guidelines as version {published.version}.", "success")
            return redirect(url_for("projects.show_guidelines", project_id=project.id))
        flash(f"Nothing published: {work.message}", "error")
        status = 422
    elif form.is_submitted():
        preview = render_markdown(form.body.data or "") if not form.errors else None
        status = 422 if form.errors else 200
    return render_template("projects/guidelines_edit.html", page=page, form=form,
                           preview=preview, fields=request.form if form.is_submitted() else None,
                           field_names=field_names, upcoming=next_version(page.version)), status
