"""Home page and a project's sentence list."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from annotator.assignments.progress import batch_progress, list_my_batches
from annotator.assignments.queue import project_has_batches
from annotator.extensions import db
from annotator.projects import queries
from annotator.projects.models import Project

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
