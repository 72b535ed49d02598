"""Setting up: users, projects and the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from annotator.auth.services import create_user
from annotator.commands.outcome import committed, fail
from annotator.demo.loading import DEFAULT_URL, load_demo
from annotator.extensions import db
from annotator.inputs import InputError, loads_json
from annotator.projects.schema import SchemaError, default_schema_document
from annotator.projects.schema_changes import add_default_roles
from annotator.projects.schema_edits import edit_schema
from annotator.projects.services import create_project, get_project_by_name


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
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with committed(db.session):
        user = create_user(db.session, name, password, role)
    click.echo(f"user {user.username} ({user.role}) created")


@click.command("create-project")
@click.argument("name")
@click.option("--schema", "schema_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Label schema JSON file (default: the conflict-events schema).")
@with_appcontext
def create_project_command(name: str, schema_file: Path | None) -> None:
    """Create a project NAME with a label schema."""
    schema = None
    if schema_file is not None:
        try:
            schema = loads_json(schema_file.read_bytes())
        except (OSError, InputError) as err:
            fail(f"{schema_file}: cannot read schema: {err}")
    with committed(db.session):
        project = create_project(db.session, name, schema)
    click.echo(f"project {project.name} created (id {project.id})")


@click.command("edit-schema")
@click.option("--project", "project_name", required=True, help="The project's name.")
@click.argument("schema_file", metavar="[FILE]", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--map", "mappings", multiple=True, metavar="OLD=NEW",
              help="Move the spans of a removed key to a key of the new schema: ACTOR=AGENT, "
                   "or EVENT.event_type.riot=EVENT.event_type.protest; move the relations of "
                   "a removed role to another role of its label: EVENT.actor2=EVENT.target "
                   "(repeatable).")
@click.option("--drop-relations", is_flag=True,
              help="Delete the stored relations the new schema no longer allows (a role "
                   "removed, a label taken off a role's targets) instead of refusing.")
@click.option("--default-roles", is_flag=True,
              help="Add the default event roles (EVENT: actor1, actor2, location) to FILE's "
                   "schema, or to the project's current schema when no FILE is given.")
@with_appcontext
def edit_schema_command(project_name: str, schema_file: Path | None, mappings: tuple[str, ...],
                        drop_relations: bool, default_roles: bool) -> None:
    """Replace a project's label schema with FILE; spans of removed keys need --map OLD=NEW.

    The file is checked as an upload in the browser is; a key removed while spans still use
    it is refused with their count unless mapped, and so is a role or a role's target that
    stored relations use unless mapped or --drop-relations confirms deleting them. A renamed
    label (--map ACTOR=AGENT) is renamed in every role's targets too. Mapped spans and
    relations are rewritten (annotations and gold, audited, their versions bumped) and the
    schema's version is bumped, all in one transaction.
    """
    document = None
    if schema_file is not None:
        try:
            document = loads_json(schema_file.read_bytes())
        except OSError as err:
            fail(f"{schema_file}: cannot read schema: {err.strerror or err}")
        except InputError as err:
            fail(f"{schema_file}: cannot read schema: {err}")
    elif not default_roles:
        fail("give a schema FILE, or --default-roles to add the default event roles")
    added: list[str] | None = None
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        if document is None:
            document = project.label_schema
        if default_roles:
            try:
                document, added = add_default_roles(document, default_schema_document())
            except SchemaError as err:
                fail(f"cannot add the default roles: {err}")
        edited = edit_schema(db.session, project, None, document, mappings, drop_relations)
    if added is not None:
        click.echo("default roles added: " + (", ".join(added) or "none (all present)"))
    if not edited.diff.changed:
        click.echo(f"schema of {project_name} unchanged (version {edited.version})")
        return
    dropped = f"; {edited.dropped} relations deleted" if edited.dropped else ""
    click.echo(f"schema of {project_name} is now version {edited.version}: "
               f"{edited.annotations} annotations and {edited.gold} gold records rewritten"
               f"{dropped}")


@click.command("load-demo")
@click.option("--url", default=DEFAULT_URL, show_default=True,
              help="The address the app will be served at, printed with the log-ins.")
@with_appcontext
def load_demo_command(url: str) -> None:
    """Create the demo project, articles and users if missing, and print the log-ins."""
    with committed(db.session):
        lines = load_demo(db.session, url)
    for line in lines:
        click.echo(line)
