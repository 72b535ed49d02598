"""The model page (admins): trained models with their scores and training curve, a button
that trains a new one in the background, and the choice of the active one."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.jobs.models import JobState
from annotator.jobs.web import shown_job, start_job
from annotator.learning import charts, queries, services, train_job
from annotator.learning.forms import ActivateForm, TrainForm
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.transactions import unit_of_work

bp = Blueprint("learning", __name__)


def _page(project: Project, form: TrainForm, status: int = 200):
    models = queries.project_models(db.session, project.id)
    return render_template(
        "learning/models.html", project=project, models=models, form=form,
        activate_form=ActivateForm(), labels=project.schema.keys,
        charts={m.id: charts.curve_chart(m.curve) for m in models[:10]},
        job=shown_job(train_job.KIND, project_id=project.id),
        default_epochs=current_app.config["MODEL_EPOCHS"],
    ), status


@bp.get("/projects/<int:project_id>/models")
@project_access("admin")
def list_models(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    return _page(project, TrainForm())


@bp.post("/projects/<int:project_id>/models/train")
@project_access("admin")
def train_model(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = TrainForm()
    if not form.validate_on_submit():
        return _page(project, form, 422)
    with unit_of_work(db.session, catch=DomainError) as work:
        services.check_can_train(db.session, project.id)
        params = train_job.training_params(current_app.config, form.epochs.data)
    if work.failed:
        flash(work.message, "error")
        return _page(project, form, work.error.status)
    job = start_job(train_job.KIND, params=params, project_id=project.id)
    if job.state == JobState.FAILED:  # ran at once (JOBS_QUEUE=immediate) and refused
        flash(f"Training refused, no model stored: {job.error}", "error")
        return _page(project, form, 422)
    if job.state == JobState.DONE:
        flash(job.message, "success")
    return redirect(url_for("learning.list_models", project_id=project.id))


@bp.post("/projects/<int:project_id>/models/<int:model_id>/activate")
@project_access("admin")
def activate_model(project_id: int, model_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    if not ActivateForm().validate_on_submit():
        abort(400)
    with unit_of_work(db.session):  # an unknown model: the 404 page
        version = services.activate_model(db.session, project.id, model_id).version
    flash(f"Model v{version} is now the active model: suggestions come from it.", "success")
    return redirect(url_for("learning.list_models", project_id=project.id))
