"""The `annotator` console script: Flask's commands plus the project's own."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from annotator import create_app
from annotator.errors import DomainError


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the current version (runs the migrations)."""
    from annotator.demo.loading import upgrade_database

    upgrade_database()
    click.echo("database is at the current schema")


@click.command("create-user")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["admin", "curator", "annotator"]), default="annotator",
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password as one line from stdin.")
@with_appcontext
def create_user_command(name: str, role: str, password_stdin: bool) -> None:
    """Create a user NAME with a role; the password is prompted for (or read from stdin)."""
    from annotator.auth.services import create_user
    from annotator.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, name, password, role)
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    click.echo(f"user {user.username} ({user.role}) created")


@click.command("create-project")
@click.argument("name")
@click.option("--schema", "schema_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Label schema JSON file (default: the conflict-events schema).")
@with_appcontext
def create_project_command(name: str, schema_file: Path | None) -> None:
    """Create a project NAME with a label schema."""
    import json

    from annotator.extensions import db
    from annotator.projects.services import create_project

    schema = None
    if schema_file is not None:
        try:
            schema = json.loads(schema_file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            _fail(f"{schema_file}: cannot read schema: {err}")
    try:
        project = create_project(db.session, name, schema)
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    click.echo(f"project {project.name} created (id {project.id})")


@click.command("import-articles")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_articles_command(project_name: str, files: tuple[Path, ...]) -> None:
    """Import article FILES (.txt: title line then body; .jsonl: title, text, url, published).

    All or nothing: if any file is refused, nothing is stored.
    """
    from annotator.corpus.importing import import_articles
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    try:
        project = get_project_by_name(db.session, project_name)
        payload = [(str(f), f.read_bytes()) for f in files]
        result = import_articles(db.session, project.id, payload)
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    for source in result.skipped:
        click.echo(f"skipped (already imported): {source}")
    click.echo(
        f"added {result.documents_added} documents, {result.sentences_added} sentences "
        f"({result.excluded_sentences} excluded as boilerplate); skipped {len(result.skipped)}"
    )


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Create the demo project, articles and users if missing, and print the log-ins."""
    from annotator.demo.loading import load_demo

    for line in load_demo():
        click.echo(line)


def register_commands(app: Flask) -> None:
    for command in (
        init_db_command,
        create_user_command,
        create_project_command,
        import_articles_command,
        load_demo_command,
    ):
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Annotate conflict-news text: manage the database, users, projects and articles."""
