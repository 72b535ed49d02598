"""Batches: creating them, their progress, moving and removing work."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from annotator.assignments.progress import Progress, batch_progress
from annotator.assignments.services import (
    ORDERS,
    create_batch,
    reassign_annotator,
    remove_batch,
)
from annotator.commands.outcome import DB_INT, committed, fail
from annotator.extensions import db
from annotator.inputs import MAX_ROW_ID, InputError, parse_int
from annotator.projects.services import get_project_by_name


@click.command("create-batch")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--documents", help="Comma-separated document ids.")
@click.option("--sample", type=DB_INT, help="A seeded random sample of N unassigned sentences.")
@click.option("--remaining", is_flag=True, help="Every sentence not yet in a batch.")
@click.option("--annotators", required=True, help="Comma-separated user names.")
@click.option("--overlap", type=DB_INT, required=True,
              help="How many distinct annotators read each sentence (k).")
@click.option("--seed", type=DB_INT, default=0, show_default=True)
@click.option("--name", help="Batch name (default: 'Batch N').")
@click.option("--suggestions", type=click.Choice(["on", "off"]), default="off", show_default=True,
              help="Show the project's suggestions (gazetteer, patterns) in the editor for this "
                   "batch; keep off for batches that measure agreement.")
@click.option("--order", type=click.Choice(ORDERS), default="reading", show_default=True,
              help="uncertain: each annotator gets first the sentences the active model is "
                   "least sure about, and --sample N takes the N most uncertain (active "
                   "learning; needs an active model).")
@with_appcontext
def create_batch_command(project_name: str, documents: str | None, sample: int | None,
                         remaining: bool, annotators: str, overlap: int, seed: int,
                         name: str | None, suggestions: str,
                         order: str) -> None:
    """Create a batch from documents, a sample or all remaining sentences, with overlap k."""
    chosen = [flag for flag, on in (("documents", documents), ("sample", sample is not None),
                                    ("remaining", remaining)) if on]
    if len(chosen) != 1:
        fail("give exactly one of --documents, --sample N, --remaining")
    document_ids: list[int] = []
    if documents:
        try:
            document_ids = [parse_int(x, "id") for x in documents.split(",") if x.strip()]
        except InputError:
            fail(f"--documents takes comma-separated integer ids (1 to {MAX_ROW_ID})")
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        created = create_batch(
            db.session, project.id, source=chosen[0], annotators=annotators.split(","),
            overlap=overlap, seed=seed, name=name, document_ids=document_ids, sample=sample,
            suggestions=suggestions == "on",
            order=order,
        )
    click.echo(f"batch {created.batch.id}" + (" (suggestions on)" if suggestions == "on" else ""))
    click.echo(f"{created.sentences} sentences, overlap {created.batch.overlap}")
    for username, count in created.per_annotator.items():
        click.echo(f"  {username}: {count}")


STATUS_HEADER = ("batch", "annotator", "assigned", "done", "skipped", "flagged", "untyped",
                 "remaining", "median_s", "last_activity")


def status_row(p: Progress) -> tuple[str, ...]:
    """One line of the progress table, as text cells."""
    return (
        f"{p.batch_id} {p.batch_name}", p.annotator, str(p.assigned), str(p.done),
        str(p.skipped), str(p.flagged), str(p.untyped), str(p.remaining),
        f"{p.median_seconds:.1f}" if p.median_seconds is not None else "-",
        p.last_activity.strftime("%Y-%m-%d %H:%M") if p.last_activity else "-",
    )


@click.command("batch-status")
@click.option("--project", "project_name", required=True, help="Project name.")
@with_appcontext
def batch_status_command(project_name: str) -> None:
    """Print the progress table: per batch and annotator ("untyped": EVENT spans still
    without an event type)."""
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
    rows = batch_progress(db.session, project.id)
    table = [STATUS_HEADER, *map(status_row, rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(STATUS_HEADER))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        click.echo("(no batches)")


@click.command("reassign-batch")
@click.argument("batch_id", type=DB_INT)
@click.option("--from", "leaving", required=True, help="The annotator who leaves.")
@click.option("--to", "to", required=True, help="Comma-separated annotators who take over.")
@with_appcontext
def reassign_batch_command(batch_id: int, leaving: str, to: str) -> None:
    """Move an annotator's unfinished work in a batch to others, keeping the overlap."""
    with committed(db.session):
        moved = reassign_annotator(db.session, batch_id, leaving, to.split(","))
    click.echo(f"moved {sum(moved.values())} sentences: "
               + (", ".join(f"{u} {n}" for u, n in moved.items()) or "nothing unfinished"))


@click.command("remove-batch")
@click.argument("batch_id", type=DB_INT)
@click.option("--yes", is_flag=True, help="Confirm archiving a batch that has annotations.")
@with_appcontext
def remove_batch_command(batch_id: int, yes: bool) -> None:
    """Delete a batch nobody worked on, or archive one with annotations (with --yes)."""
    with committed(db.session, suffix="" if yes else " (use --yes)"):
        outcome = remove_batch(db.session, batch_id, confirm=yes)
    click.echo(f"batch {batch_id} {outcome}")
