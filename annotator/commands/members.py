"""Project membership: who may see a project, and with which role."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from annotator.commands.outcome import committed
from annotator.extensions import db
from annotator.projects.membership import add_member, remove_member
from annotator.projects.services import get_project_by_name


@click.command("add-member")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("user")
@click.option("--role", default="annotator", show_default=True,
              help="Role in the project: annotator, curator or admin.")
@with_appcontext
def add_member_command(project_name: str, user: str, role: str) -> None:
    """Make USER a member of a project with a role there (or change a member's role)."""
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        member = add_member(db.session, project.id, user, role)
        role = member.role
    click.echo(f"{user.strip()} is {role} of {project_name}")


@click.command("remove-member")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.argument("user")
@with_appcontext
def remove_member_command(project_name: str, user: str) -> None:
    """End USER's membership of a project (their annotations and gold stay)."""
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
        remove_member(db.session, project.id, user)
    click.echo(f"{user.strip()} is no longer a member of {project_name}")
