"""Suggestions: gazetteer lists for a project."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from annotator.commands.outcome import committed, fail
from annotator.extensions import db
from annotator.projects.services import get_project_by_name
from annotator.suggestions.services import import_gazetteer

MAX_FILE_BYTES = 50 * 1024 * 1024


@click.command("import-gazetteer")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--name", help="The list's name, shown on its suggestions (default: the file's "
                             "name without .csv).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_gazetteer_command(project_name: str, name: str | None, file: Path) -> None:
    """Import a gazetteer list FILE.csv (text,label[,event_type]) for a project's suggestions.

    A header line is optional. Every bad line is named, and then nothing is stored.
    """
    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"{file.name} is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file.name} is not UTF-8 text")
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        imported = import_gazetteer(db.session, project.id, name or file.stem, text)
    click.echo(f"list {imported.name!r}: {imported.entries} entries imported "
               f"into project {project_name!r}")
