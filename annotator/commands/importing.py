"""Bringing text in: articles into a project (import-articles), and spans made elsewhere
(import-annotations)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import committed, fail
from annotator.corpus.importing import plan_import
from annotator.errors import DomainError
from annotator.export.importing import ImportRefused, import_annotations
from annotator.extensions import db
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
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "mode", type=click.Choice(["pre", "gold"]), default="pre", show_default=True,
              help="pre: an annotator's in-progress annotation; gold: curated gold spans.")
@click.option("--annotator", help="Whose pre-annotations these are (with --as pre).")
@click.option("--curator", help="Curator or admin recorded on imported gold (optional).")
@with_appcontext
def import_annotations_command(project_name: str, file: Path, mode: str,
                               annotator: str | None, curator: str | None) -> None:
    """Load spans and relations from a JSONL FILE ({"text", "spans", "relations"?, "meta"?}
    per line); all or nothing.

    Lines are matched to sentences by meta.sentence_id (our exports) or by exact sentence text.
    Relations take the API's shape ({"head": {"start", "end"}, "child": {...}, "role"}) or
    Prodigy's (head_span, child_span, label), and are checked as the annotation API checks them.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if file.stat().st_size > limit:
        fail(f"{file}: {file.stat().st_size} bytes is over the {limit}-byte limit; nothing stored")
    with unit_of_work(db.session, catch=DomainError) as work:
        project = get_project_by_name(db.session, project_name)
        result = import_annotations(
            db.session, project, file.read_bytes(), mode=mode, annotator=annotator,
            curator=curator, source_name=file.name,
        )
    if isinstance(work.error, ImportRefused):
        for line in work.error.details["errors"]:
            click.echo(f"{file}: {line}", err=True)
        fail(f"{file}: {work.message}")
    if work.failed:
        fail(work.message)
    what = "gold sentences" if mode == "gold" else f"pre-annotations for {annotator}"
    relations = f" and {result.relations} relations" if result.relations else ""
    click.echo(
        f"imported {result.sentences} {what} with {result.spans} spans{relations} "
        f"({result.matched_by_id} matched by id, {result.matched_by_text} by text)"
    )
