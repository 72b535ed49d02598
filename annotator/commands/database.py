"""The database itself: bringing its schema to the newest migration, and backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from annotator.commands.outcome import fail
from annotator.extensions import db
from annotator.ops.backup import BackupError, backup_database


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the current version (runs the migrations)."""
    upgrade()
    click.echo("database is at the current schema")


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (SQLite: a database file; PostgreSQL: a pg_dump archive). "
                   "Never the live database or its -wal/-shm/-journal file.")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@with_appcontext
def backup_command(out: Path, force: bool) -> None:
    """Make a consistent copy of the database while the app keeps running."""
    # The engine's URL, not the configured string: Flask-SQLAlchemy resolves a relative
    # SQLite path against the instance folder.
    url = db.engine.url.render_as_string(hide_password=False)
    try:
        click.echo(backup_database(url, out, pg_dump_path=current_app.config.get("PG_DUMP"),
                                   force=force))
    except BackupError as err:
        fail(str(err))
