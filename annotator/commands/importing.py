"""Bringing text in: articles into a project (import-articles), and spans made elsewhere, in
our JSONL or another tool's format (import-annotations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import committed, fail
from annotator.corpus.importing import plan_import
from annotator.errors import DomainError
from annotator.export import import_job
from annotator.export.foreign_import import FORMATS, import_files
from annotator.export.importing import MODES, ImportRefused
from annotator.extensions import db
from annotator.jobs import queue, services
from annotator.projects.services import get_project_by_name
from annotator.transactions import run_chunked, unit_of_work
from annotator.wording import plural


@click.command("import-articles")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_articles_command(project_name: str, files: tuple[Path, ...]) -> None:
    """Import article FILES (.txt: title line then body; .jsonl: title, text, url, published).

    All or nothing: if any file is refused, nothing is stored. The articles are written a
    chunk of sentences at a time (IMPORT_CHUNK_ROWS, short transactions: the app keeps saving
    meanwhile) and shown only when the last chunk is in; a failed import deletes its chunks.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    for f in files:
        if f.stat().st_size > limit:
            fail(f"{f}: {f.stat().st_size} bytes is over the {limit}-byte import limit; "
                 "nothing stored")
    config = current_app.config
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        payload = [(str(f), f.read_bytes()) for f in files]
        job = plan_import(db.session, project.id, payload, chunk_rows=config["IMPORT_CHUNK_ROWS"])
        result = run_chunked(db.session, job, pause=config["IMPORT_PAUSE_SECONDS"])
    for source in result.skipped:
        click.echo(f"skipped (already imported): {source}")
    if not result.documents_added and result.skipped:
        click.echo("already imported, nothing added")
        return
    click.echo(
        f"added {plural(result.documents_added, 'document')}, "
        f"{plural(result.sentences_added, 'sentence')} "
        f"({result.excluded_sentences} excluded as boilerplate); skipped {len(result.skipped)}"
    )


@click.command("import-annotations")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ours", show_default=True,
              help="ours: our JSONL; doccano: sequence-labelling JSONL; labelstudio: Label "
                   "Studio's JSON export; brat: .txt + .ann pairs (or a .zip); conll: BIO.")
@click.option("--as", "mode", type=click.Choice(MODES), default="pre", show_default=True,
              help="pre: an annotator's in-progress annotation; gold: curated gold spans.")
@click.option("--annotator", help="Whose pre-annotations these are (with --as pre).")
@click.option("--curator", help="Curator or admin recorded on imported gold (optional).")
@click.option("--skip-invalid", is_flag=True,
              help="Store the valid items and report each invalid one, instead of refusing "
                   "the whole import.")
@click.option("--text-key", help="Label Studio: the task data field holding the text "
                                 "(default: text, or the task's only text field).")
@click.option("--background", is_flag=True,
              help="Queue the import as a job (a worker runs it) and print its id, instead "
                   "of importing here and now.")
@with_appcontext
def import_annotations_command(project_name: str, files: tuple[Path, ...], fmt: str, mode: str,
                               annotator: str | None, curator: str | None, skip_invalid: bool,
                               text_key: str | None, background: bool) -> None:
    """Load spans and relations from FILES as pre-annotations or gold; all or nothing unless
    --skip-invalid.

    ours: JSONL, {"text", "spans", "relations"?, "meta"?} per line, matched to sentences by
    meta.sentence_id or exact sentence text; relations in the API's shape or Prodigy's. The
    other formats (docs/interop.md) hold whole documents: each is matched to a document of the
    project by its text, or created (split like an uploaded article), and its spans are placed
    on the sentences. Every span and relation is checked as the annotation API checks it; a
    label or role the schema lacks, a span crossing a sentence boundary or outside the text is
    an error naming the file and line (task, id).

    The annotations are written IMPORT_CHUNK_ROWS sentences per transaction (saves keep
    flowing; an import that creates documents writes in one); an error takes out what was
    written. If the process is killed half-way, run the same command again with
    --skip-invalid: what was already stored is skipped.

    --background queues the same import as an "import-annotations" job and prints its id:
    follow it with `annotator jobs` or GET /api/jobs/<id>; a refusal fails the job with its
    problems listed.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    for f in files:
        if f.stat().st_size > limit:
            fail(f"{f}: {f.stat().st_size} bytes is over the {limit}-byte limit; nothing stored")
    if text_key is not None and fmt != "labelstudio":
        fail("--text-key is for --format labelstudio")
    if background:
        queue_import(project_name, files, import_job.import_params(
            fmt, mode, annotator=annotator, curator=curator, skip_invalid=skip_invalid,
            text_key=text_key))
        return
    where = files[0] if fmt == "ours" and len(files) == 1 else None
    with unit_of_work(db.session, catch=DomainError) as work:
        project = get_project_by_name(db.session, project_name)
        outcome = import_files(
            db.session, project, [(f.name, f.read_bytes()) for f in files],
            fmt=fmt, mode=mode, annotator=annotator, curator=curator,
            skip_invalid=skip_invalid, text_key=text_key,
            chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
        )
    if isinstance(work.error, ImportRefused):
        # Our JSONL names lines only: the file goes first (the other formats name it).
        prefix = f"{where}: " if where is not None else ""
        for line in work.error.details["errors"]:
            click.echo(f"{prefix}{line}", err=True)
        fail(f"{prefix}{work.message}")
    if work.failed:
        fail(work.message)
    for line in outcome.skipped:
        click.echo(f"skipped: {line}")
    click.echo(outcome.summary)


def queue_import(project_name: str, files: tuple[Path, ...], params: dict[str, Any]) -> None:
    """Queue an annotation import job with these files and options; print its id."""
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        job = services.submit(db.session, import_job.KIND, params, project_id=project.id,
                              inputs=[(f.name, f.read_bytes()) for f in files])
        job_id = job.id
    queue.enqueue(job_id)
    click.echo(f"job {job_id} queued: import annotations into {project_name}")
