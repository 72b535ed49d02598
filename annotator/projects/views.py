"""Home page, a project's page (its sentences, and its members for admins), its guidelines, a
new project and the label schema."""

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
from markupsafe import Markup
from wtforms import SelectChoice

from annotator.assignments.progress import batch_progress
from annotator.assignments.queue import project_has_batches
from annotator.auth.services import admin_required
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects import (
    access,
    membership,
    queries,
    schema_edits,
    sentence_list,
    services,
)
from annotator.projects.forms import (
    GuidelinesForm,
    MemberForm,
    NewProjectForm,
    RemoveMemberForm,
    SchemaForm,
)
from annotator.projects.guards import current_access, project_access
from annotator.projects.guidelines import field_names, next_version, render_markdown
from annotator.projects.models import Project
from annotator.projects.schema import default_schema_document
from annotator.projects.schema_changes import default_roles
from annotator.projects.usage import role_usage, span_usage
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
@project_access("annotator")
def show_project(project_id: int, member_form: MemberForm | None = None, status: int = 200):
    project = db.session.get(Project, project_id)
    here = current_access()
    if not here.is_curator and project_has_batches(db.session, project.id):
        # Blind annotation: once batches exist, annotators see their queues, not the corpus.
        return render_template(
            "projects/my_batches.html",
            project=project,
            here=here,
            progress=batch_progress(db.session, project.id, user_id=current_user.id),
            complete=request.args.get("complete") == "1",
        ), status
    # Clamped (paging.Pager): a huge ?page= would overflow the database's OFFSET.
    rows, pager = queries.list_sentences(db.session, current_user, project_id,
                                         request.args.get("page"),
                                         current_app.config["SENTENCES_PER_PAGE"])
    members = access.list_members(db.session, project_id) if here.is_admin else []
    return render_template(
        "projects/project.html",
        project=project,
        here=here,
        rows=rows,
        page=pager.page,
        pages=pager.pages,
        total=pager.total,
        complete=request.args.get("complete") == "1",
        members=members,
        candidates=access.list_non_members(db.session, project_id) if here.is_admin else [],
        member_form=member_form or MemberForm(),
        remove_form=RemoveMemberForm(),
    ), status


@bp.get("/projects/<int:project_id>/sentences")
@project_access("annotator")
def list_sentences(project_id: int):
    """The project's sentences, searched and filtered as the query string says (shareable)."""
    project = db.session.get(Project, project_id) or abort(404)
    shown = sentence_list.sentence_list_view(
        db.session, current_access(), current_user, project.schema, request.args,
        current_app.config["SENTENCES_PER_PAGE"])
    return render_template("projects/sentences.html", project=project, shown=shown,
                           page=shown.page, filters=shown.page.filters,
                           statuses=sentence_list.STATUS_NAMES,
                           gold_names=sentence_list.GOLD_NAMES), (400 if shown.problems else 200)


@bp.post("/projects/<int:project_id>/members")
@project_access("admin")
def add_member(project_id: int):
    """Add a member (or change a member's role) from the project page's form."""
    form = MemberForm()
    if not form.validate_on_submit():
        flash("No member added: give a user name and a role.", "error")
        return show_project(project_id, member_form=form, status=422)
    with unit_of_work(db.session, catch=DomainError) as work:
        member = membership.add_member(db.session, project_id, form.username.data, form.role.data)
        role = member.role
    if work.failed:
        flash(f"No member added: {work.message}.", "error")
        return show_project(project_id, member_form=form, status=422)
    flash(f"{form.username.data.strip()} is now {role} of this project.", "success")
    return redirect(url_for("projects.show_project", project_id=project_id, _anchor="members"))


@bp.post("/projects/<int:project_id>/members/<int:user_id>/remove")
@project_access("admin")
def remove_member(project_id: int, user_id: int):
    """End a membership from the project page."""
    form = RemoveMemberForm()
    if not form.validate_on_submit():
        flash("Not removed: the form expired; try again.", "error")
        return redirect(url_for("projects.show_project", project_id=project_id))
    with unit_of_work(db.session, catch=DomainError) as work:
        user = membership.remove_member_by_id(db.session, project_id, user_id)
        name = user.username
    if work.failed:
        flash(f"Not removed: {work.message}.", "error")
    else:
        flash(f"{name} is no longer a member of this project.", "success")
    return redirect(url_for("projects.show_project", project_id=project_id, _anchor="members"))

@bp.get("/projects/<int:project_id>/guidelines")
@project_access("annotator")
def show_guidelines(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    page = queries.guidelines_page(db.session, project, request.args.get("version")) or abort(404)
    return render_template("projects/guidelines.html", page=page)


@bp.route("/projects/<int:project_id>/guidelines/edit", methods=["GET", "POST"])
@project_access("admin")
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
        # Sanitised by render_markdown (markdown-it, then nh3): safe to show as is.
        preview = Markup(render_markdown(form.body.data or "")) if not form.errors else None
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
@project_access("admin")
def show_label_schema(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    usage = span_usage(db.session, project.id, project.schema)
    relations = role_usage(db.session, project.id)
    return render_template("projects/schema.html", project=project, schema=project.schema,
                           usage=usage, relations=relations)


@bp.route("/projects/<int:project_id>/schema/edit", methods=["GET", "POST"])
@project_access("admin")
def edit_label_schema(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = SchemaForm(data={"document": json.dumps(project.label_schema, indent=2,
                                                   ensure_ascii=False)})
    preview, status = None, 200
    if form.validate_on_submit():
        mappings = [line for line in (form.mappings.data or "").splitlines() if line.strip()]
        apply = "apply" in request.form
        drop = form.drop_relations.data if form.drop_relations.data is not None else False
        with unit_of_work(db.session, catch=DomainError) as work:
            if apply:
                edited = schema_edits.edit_schema_text(
                    db.session, project, current_user.id, form.document.data or "", mappings,
                    drop)
            else:
                preview = schema_edits.preview_schema_text(
                    db.session, project, form.document.data or "", mappings, drop)
        if work.failed:
            flash(f"Nothing changed: {work.message}", "error")
            status = 422
        elif apply:
            dropped = f" and deleted {edited.dropped} relations" if edited.dropped else ""
            flash(f"Saved the label schema as version {edited.version}; rewrote "
                  f"{edited.annotations} annotations and {edited.gold} gold records{dropped}."
                  if edited.diff.changed else "Nothing changed in the schema.", "success")
            return redirect(url_for("projects.show_label_schema", project_id=project.id))
    elif form.is_submitted():
        status = 422
    return render_template("projects/schema_edit.html", project=project, form=form,
                           preview=preview,
                           default_roles=default_roles(default_schema_document())), status
