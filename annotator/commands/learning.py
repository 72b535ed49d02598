"""Trained models on the command line: train one in the background."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import committed, fail
from annotator.extensions import db
from annotator.jobs import queue, services
from annotator.jobs.models import Job, JobState
from annotator.learning import train_job
from annotator.learning.services import check_can_train
from annotator.projects.services import get_project_by_name

POLL_SECONDS = 0.5


@click.command("train")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.option("--epochs", type=click.IntRange(1, train_job.MAX_EPOCHS), default=None,
              help="Passes over the training data (default: the MODEL_EPOCHS setting, 10).")
@click.option("--activate", is_flag=True,
              help="Make the new model the project's active one when it is trained.")
@click.option("--wait", is_flag=True,
              help="Follow the job's progress and exit with its outcome (0: trained).")
@with_appcontext
def train_command(project_name: str, epochs: int | None, activate: bool, wait: bool) -> None:
    """Queue the training of a project's next model (spaCy NER on its gold) as a job.

    The model learns from the complete gold of the train part of the export split
    (MODEL_SPLIT, 80/10/10) and is scored on the dev part; it is kept as the project's next
    version, under MODEL_STORE (default: the instance folder's models/). Prints the job's id;
    a worker (`annotator worker`) runs it. With --wait, prints its progress until it ends.
    """
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        check_can_train(db.session, project.id)
        params = train_job.training_params(current_app.config, epochs, activate)
        job = services.submit(db.session, train_job.KIND, params, project_id=project.id)
        job_id = job.id
    click.echo(f"job {job_id} queued: train a model of {project_name}")
    queue.enqueue(job_id)
    if wait:
        follow(job_id)


def follow(job_id: int) -> None:
    """Print the job's progress as it changes until it ends; fail unless it is done."""
    shown = None
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        db.session.rollback()
        line = f"{100 * (job.progress or 0):3.0f}%  {job.message}"
        if line != shown:
            click.echo(line, err=True)
            shown = line
        if not job.active:
            break
        time.sleep(POLL_SECONDS)
    if job.state != JobState.DONE:
        fail(f"job {job_id} {job.state}: {job.error or job.message}")
    click.echo(job.message)
