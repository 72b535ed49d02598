"""The automatic adjudication pass from the command line (inline, or queued as a job)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from annotator.adjudication import auto_job
from annotator.adjudication.automatic import auto_adjudicate
from annotator.commands.outcome import DB_INT, committed
from annotator.extensions import db
from annotator.jobs import queue, services
from annotator.projects.services import get_project_by_name


@click.command("adjudicate")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--batch", "batch_id", type=DB_INT, help="Only the sentences of this batch (id).")
@click.option("--min-agree", "min_agree", type=DB_INT, required=True,
              help="Accept a span (or an event argument) when at least this many annotators "
                   "marked it exactly alike.")
@click.option("--background", is_flag=True,
              help="Queue the pass as a background job (run by `annotator worker`, written in "
                   "chunks) and print its id, instead of running it here in one transaction.")
@with_appcontext
def adjudicate_command(project_name: str, batch_id: int | None, min_agree: int,
                       background: bool) -> None:
    """Accept agreed spans and event arguments into gold; close sentences with no conflict left."""
    if background:
        with committed(db.session):
            project = get_project_by_name(db.session, project_name)
            auto_job.check_start(db.session, project.id, batch_id, min_agree)
            job = services.submit(db.session, auto_job.KIND,
                                  {"min_agree": min_agree, "batch_id": batch_id},
                                  project_id=project.id)
        queue.enqueue(job.id)
        click.echo(f"queued job {job.id}: automatic adjudication of {project.name} "
                   f"(follow it with `annotator jobs --project {project.name}`)")
        return
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        result = auto_adjudicate(db.session, project.id, batch_id=batch_id, min_agree=min_agree)
    click.echo(f"adjudicated {project.name}: {result.summary()}")
