"""Inter-annotator agreement from the command line: of a project (or batch), or of a file."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import ScriptInfo

from annotator.agreement import AgreementInputError, agreement_report
from annotator.agreement.blocks import AgreementReport
from annotator.agreement.textio import read_items, report_table
from annotator.assignments.models import Batch
from annotator.commands.outcome import DB_INT, committed, fail
from annotator.extensions import db
from annotator.projects.schema import default_schema_document, parse_schema
from annotator.projects.services import get_project_by_name
from annotator.reports.input import SUGGESTION_SPLITS, agreement_columns


@click.command("agreement")
@click.option("--project", "project_name", help="Project name (reads its finished annotations).")
@click.option("--batch", "batch_id", type=DB_INT, help="Only this batch of the project.")
@click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON lines of items (spans and optional relations) from any tool; "
                   "needs no database.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--bootstrap", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Bootstrap replicates for 95% intervals (0: none).")
@click.option("--seed", type=DB_INT, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--suggestions", type=click.Choice(SUGGESTION_SPLITS),
              help="Only annotations made with suggestions shown (a batch with suggestions "
                   "on) or without them.")
@click.pass_context
def agreement_command(ctx: click.Context, project_name: str | None, batch_id: int | None,
                      input_file: Path | None, fmt: str, bootstrap: int, seed: int,
                      suggestions: str | None) -> None:
    """Measure inter-annotator agreement of a project (or one batch) or of a JSON-lines file."""
    if (project_name is None) == (input_file is None):
        fail("give exactly one of --project NAME or --input FILE")
    if input_file is not None:
        if batch_id is not None or suggestions is not None:
            fail("--batch and --suggestions go with --project, not with --input")
        report = file_report(input_file, bootstrap=bootstrap, seed=seed)
    else:
        # The app (database, config) is built only on this path: a file needs none of it.
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            report = project_report(project_name, batch_id, bootstrap=bootstrap, seed=seed,
                                    suggestions=suggestions)
    if fmt == "json":
        body = report.to_json()
        if suggestions is not None:  # which annotations the figures read
            body = {"suggestions": suggestions, **body}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(report_table(report))


def file_report(input_file: Path, *, bootstrap: int, seed: int) -> AgreementReport:
    """The report of a JSON-lines file of items (with their relations), labels and roles read
    with the default schema."""
    schema = parse_schema(default_schema_document())
    try:
        with input_file.open(encoding="utf-8") as lines:
            items = read_items(lines)
        used = {s["label"] for it in items for spans in it["annotations"].values()
                for s in spans or ()}
        known = used <= set(schema.keys)
        groups = {v.value: v.group for lb in schema.labels for a in lb.attributes
                  for v in a.values if v.group}
        return agreement_report(items, schema=schema if known else None,
                                hierarchy=groups, bootstrap=bootstrap, seed=seed)
    except OSError as err:
        fail(f"{input_file}: cannot read: {err.strerror or err}")
    except UnicodeDecodeError:
        fail(f"{input_file}: not UTF-8 text")
    except AgreementInputError as err:
        fail(f"{input_file}: {err}")


def project_report(project_name: str, batch_id: int | None, *, bootstrap: int,
                   seed: int, suggestions: str | None = None) -> AgreementReport:
    """The report of a project's finished annotations (or one batch's; or those made with or
    without suggestions), inside an app."""
    with committed(db.session):
        project = get_project_by_name(db.session, project_name)
    if batch_id is not None:
        batch = db.session.get(Batch, batch_id)
        if batch is None or batch.project_id != project.id:
            fail(f"batch {batch_id} is not a batch of project {project.name}")
    return agreement_report(
        agreement_columns(db.session, project.id, batch_id=batch_id, suggestions=suggestions),
        schema=project.schema, bootstrap=bootstrap, seed=seed)
