"""Home page, a project's sentence list, its guidelines, a new project and the label schema."""

from __future__ import annotations

import json

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
from wtforms import SelectChoice

from annotator.assignments.progress import batch_progress
from annotator.assignments.queue import project_has_batches
from annotator.auth.services import admin_required
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects import queries, schema_edits, services
from annotator.projects.forms import GuidelinesForm, NewProjectForm, SchemaForm
from annotator.projects.guidelines import field_names, next_version, render_markdown
from annotator.projects.models import Project
from annotator.projects.usage import span_usage
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


@bp.route("/projects/new", methods=["GET", "POST"])
@admin_required
def new_project():
    form = NewProjectForm()
    form.copy_from.choices = [
        SelectChoice(pid, name) for pid, name in queries.list_project_names(db.session)]
    status = 200
    if form.validate_on_submit():
        upload = form.schema_file.data.read() if form.schema_file.data else None
        with unit_of_work(db.session, catch=DomainError) as work:
            project = services.create_project_from(
                db.session, form.name.data or "", form.source.data or "", form.copy_from.data,
                upload)
        if not work.failed:
            flash(f"Created the project {project.name}.", "success")
            return redirect(url_for("projects.show_label_schema", project_id=project.id))
        flash(f"Nothing created: {work.message}", "error")
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("projects/new.html", form=form), status


@bp.get("/projects/<int:project_id>/schema")
@admin_required
def show_label_schema(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    usage = span_usage(db.session, project.id, project.schema)
    return render_template("projects/schema.html", project=project, schema=project.schema,
                           usage=usage)


@bp.route("/projects/<int:project_id>/schema/edit", methods=["GET", "POST"])
@admin_required
def edit_label_schema(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = SchemaForm(data={"document": json.dumps(project.label_schema, indent=2,
                                                   ensure_ascii=False)})
    preview, status = None, 200
    if form.validate_on_submit():
        mappings = [line for line in (form.mappings.data or "").splitlines() if line.strip()]
        apply = "apply" in request.form
        with unit_of_work(db.session, catch=DomainError) as work:
            if apply:
                edited = schema_edits.edit_schema_text(
                    db.session, project, current_user.id, form.document.data or "", mappings)
            else:
                preview = schema_edits.preview_schema_text(
                    db.session, project, form.document.data or "", mappings)
        if work.failed:
            flash(f"Nothing changed: {work.message}", "error")
            status = 422
        elif apply:
            flash(f"Saved the label schema as version {edited.version}; rewrote "
                  f"{edited.annotations} annotations and {edited.gold} gold records."
                  if edited.diff.changed else "Nothing changed in the schema.", "success")
            return redirect(url_for("projects.show_label_schema", project_id=project.id))
    elif form.is_submitted():
        status = 422
    return render_template("projects/schema_edit.html", project=project, form=form,
                           preview=preview), status
