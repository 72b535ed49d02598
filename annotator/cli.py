"""The `annotator` console script: Flask's commands plus the project's own, loaded lazily.

Start-up matters here (people type `annotator --help`, scripts call it in loops), so this
module imports neither the app nor any command's module: the command list and summaries come
from ``annotator.commands.catalog``, a command's module is imported when it runs, and the app
is built only for commands that need it.
"""

from __future__ import annotations

import gc
from typing import Any

import click
from flask.cli import FlaskGroup

from annotator.commands import catalog

# Flask-Migrate's `db` group is a plugin command; importing it (Alembic) to print one line of
# help would cost more than everything else `annotator --help` does.
PLUGIN_SUMMARIES = {"db": "Perform database migrations (Flask-Migrate: `db upgrade`, ...)."}


def create_app() -> Any:
    """The app, for the commands that need one: the project's own commands get the database
    and config alone (no web layer; Alembic only for `init-db`), Flask's and plugins' (`run`,
    `routes`, `shell`, `db`) the whole app."""
    from annotator import create_app as build  # lazy: `--help` and file commands build no app

    context = click.get_current_context(silent=True)
    name = context.info_name if context is not None else None
    if name in catalog.COMMANDS:
        return build(web=False, migrations=name in catalog.SCHEMA_COMMANDS)
    return build()


class AnnotatorGroup(FlaskGroup):
    """Flask's command group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*catalog.COMMANDS, *self.commands, *PLUGIN_SUMMARIES})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in catalog.COMMANDS:
            return catalog.load(name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in catalog.COMMANDS:
                summary = catalog.COMMANDS[name].summary
            elif name in self.commands:
                summary = self.commands[name].get_short_help_str(formatter.width)
            else:
                summary = PLUGIN_SUMMARIES[name]
            rows.append((name, summary))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=AnnotatorGroup, create_app=create_app)
def main() -> None:
    """Annotate conflict-news text: manage the database, users, projects and articles."""


def run() -> None:
    """The console script: run `main`, then let the process end without the collector's last
    walk over every loaded module's objects.

    At exit the interpreter runs a full garbage collection over everything the command imported
    (SQLAlchemy, Flask, NumPy: ~0.2 s of an `annotator export` on this machine); frozen objects
    are skipped. Nothing is lost: files, the database and atexit handlers close as usual. Tests
    call `main` (through click's runner), never this.
    """
    try:
        main(prog_name="annotator")
    finally:
        gc.freeze()
