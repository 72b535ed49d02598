"""Importing articles into a project."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import committed, fail
from annotator.corpus.importing import import_articles
from annotator.extensions import db
from annotator.projects.services import get_project_by_name


@click.command("import-articles")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_articles_command(project_name: str, files: tuple[Path, ...]) -> None:
    """Import article FILES (.txt: title line then body; .jsonl: title, text, url, published).

    All or nothing: if any file is refused, nothing is stored.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    for f in files:
        if f.stat().st_size > limit:
            fail(f"{f}: {f.stat().st_size} bytes is over the {limit}-byte import limit; "
                 "nothing stored")
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        payload = [(str(f), f.read_bytes()) for f in files]
        result = import_articles(db.session, project.id, payload)
    for source in result.skipped:
        click.echo(f"skipped (already imported): {source}")
    click.echo(
        f"added {result.documents_added} documents, {result.sentences_added} sentences "
        f"({result.excluded_sentences} excluded as boilerplate); skipped {len(result.skipped)}"
    )
