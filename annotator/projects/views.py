"""Home page, a project's page (its sentences, and its members for admins)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from annotator.assignments.progress import batch_progress, list_my_batches
from annotator.assignments.queue import project_has_batches
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects import access, membership, queries
from annotator.projects.forms import MemberForm, RemoveMemberForm
from annotator.projects.guards import current_access, project_access
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
    return render_template(
        "projects/home.html",
        summaries=queries.list_projects(db.session, current_user),
        my_batches=list_my_batches(db.session, current_user.id),
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
    # Clamped: a huge ?page= would overflow the database's OFFSET (a 500 on PostgreSQL).
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10**6)
    per_page = current_app.config["SENTENCES_PER_PAGE"]
    rows, total = queries.list_sentences(db.session, current_user, project_id, page, per_page)
    pages = max((total + per_page - 1) // per_page, 1)
    members = access.list_members(db.session, project_id) if here.is_admin else []
    return render_template(
        "projects/project.html",
        project=project,
        here=here,
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        complete=request.args.get("complete") == "1",
        members=members,
        candidates=access.list_non_members(db.session, project_id) if here.is_admin else [],
        member_form=member_form or MemberForm(),
        remove_form=RemoveMemberForm(),
    ), status


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
