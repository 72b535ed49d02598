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
    from flask import current_app

    from annotator.corpus.importing import import_articles
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    for f in files:
        if f.stat().st_size > limit:
            _fail(f"{f}: {f.stat().st_size} bytes is over the {limit}-byte import limit; "
                  "nothing stored")
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


@click.command("create-batch")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--documents", help="Comma-separated document ids.")
@click.option("--sample", type=int, help="A seeded random sample of N unassigned sentences.")
@click.option("--remaining", is_flag=True, help="Every sentence not yet in a batch.")
@click.option("--annotators", required=True, help="Comma-separated user names.")
@click.option("--overlap", type=int, required=True,
              help="How many distinct annotators read each sentence (k).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--name", help="Batch name (default: 'Batch N').")
@with_appcontext
def create_batch_command(project_name: str, documents: str | None, sample: int | None,
                         remaining: bool, annotators: str, overlap: int, seed: int,
                         name: str | None) -> None:
    """Create a batch from documents, a sample or all remaining sentences, with overlap k."""
    from annotator.assignments.services import create_batch
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    chosen = [flag for flag, on in (("documents", documents), ("sample", sample is not None),
                                    ("remaining", remaining)) if on]
    if len(chosen) != 1:
        _fail("give exactly one of --documents, --sample N, --remaining")
    document_ids: list[int] = []
    if documents:
        try:
            document_ids = [int(x) for x in documents.split(",") if x.strip()]
        except ValueError:
            _fail("--documents takes comma-separated integer ids")
    try:
        project = get_project_by_name(db.session, project_name)
        created = create_batch(
            db.session, project.id, source=chosen[0], annotators=annotators.split(","),
            overlap=overlap, seed=seed, name=name, document_ids=document_ids, sample=sample,
        )
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    click.echo(f"batch {created.batch.id}")
    click.echo(f"{created.sentences} sentences, overlap {created.batch.overlap}")
    for username, count in created.per_annotator.items():
        click.echo(f"  {username}: {count}")


@click.command("batch-status")
@click.option("--project", "project_name", required=True, help="Project name.")
@with_appcontext
def batch_status_command(project_name: str) -> None:
    """Print the progress table: per batch and annotator ("untyped": EVENT spans still
    without an event type)."""
    from annotator.assignments.queries import batch_progress
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    try:
        project = get_project_by_name(db.session, project_name)
    except DomainError as err:
        _fail(err.message)
    rows = batch_progress(db.session, project.id)
    header = ("batch", "annotator", "assigned", "done", "skipped", "flagged", "untyped",
              "remaining", "median_s", "last_activity")
    table = [header] + [
        (f"{p.batch_id} {p.batch_name}", p.annotator, str(p.assigned), str(p.done),
         str(p.skipped), str(p.flagged), str(p.untyped),
         str(p.remaining),
         f"{p.median_seconds:.1f}" if p.median_seconds is not None else "-",
         p.last_activity.strftime("%Y-%m-%d %H:%M") if p.last_activity else "-")
        for p in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    if not rows:
        click.echo("(no batches)")


@click.command("reassign-batch")
@click.argument("batch_id", type=int)
@click.option("--from", "leaving", required=True, help="The annotator who leaves.")
@click.option("--to", "to", required=True, help="Comma-separated annotators who take over.")
@with_appcontext
def reassign_batch_command(batch_id: int, leaving: str, to: str) -> None:
    """Move an annotator's unfinished work in a batch to others, keeping the overlap."""
    from annotator.assignments.services import reassign_annotator
    from annotator.extensions import db

    try:
        moved = reassign_annotator(db.session, batch_id, leaving, to.split(","))
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    click.echo(f"moved {sum(moved.values())} sentences: "
               + (", ".join(f"{u} {n}" for u, n in moved.items()) or "nothing unfinished"))


@click.command("remove-batch")
@click.argument("batch_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm archiving a batch that has annotations.")
@with_appcontext
def remove_batch_command(batch_id: int, yes: bool) -> None:
    """Delete a batch nobody worked on, or archive one with annotations (with --yes)."""
    from annotator.assignments.services import remove_batch
    from annotator.extensions import db

    try:
        outcome = remove_batch(db.session, batch_id, confirm=yes)
    except DomainError as err:
        db.session.rollback()
        _fail(err.message + ("" if yes else " (use --yes)"))
    db.session.commit()
    click.echo(f"batch {batch_id} {outcome}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
              help="gunicorn worker processes (about 2 per core).")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(min=1),
              help="threads per worker: 1 = sync workers (fastest under load, see "
                   "docs/benchmarks.md; put a buffering proxy such as nginx in front for slow "
                   "clients); more = gthread workers (keep-alive, no proxy needed).")
@click.option("--timeout", default=120, show_default=True, type=int,
              help="seconds a request may take before its worker is restarted (a first "
                   "agreement report or a large export can take tens of seconds).")
def serve_command(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Serve the app in production with gunicorn (several worker processes)."""
    import os
    import shutil

    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    if not Path(gunicorn).exists():
        _fail("gunicorn is not installed (pip install gunicorn)")
    args = [gunicorn, "--workers", str(workers), "--threads", str(threads),
            "--bind", f"{host}:{port}", "--timeout", str(timeout), "--access-logfile", "-",
            "annotator:create_app()"]
    click.echo(" ".join(args[1:]))
    os.execv(gunicorn, args)


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (SQLite: a database file; PostgreSQL: a pg_dump archive).")
@with_appcontext
def backup_command(out: Path) -> None:
    """Make a consistent copy of the database while the app keeps running."""
    from flask import current_app

    from annotator.extensions import db
    from annotator.ops.backup import BackupError, backup_database

    # The engine's URL, not the configured string: Flask-SQLAlchemy resolves a relative
    # SQLite path against the instance folder.
    url = db.engine.url.render_as_string(hide_password=False)
    try:
        click.echo(backup_database(url, out, pg_dump_path=current_app.config.get("PG_DUMP")))
    except BackupError as err:
        _fail(str(err))


@click.command("export")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--format", "fmt", required=True, type=click.Choice(["gold-json", "jsonl", "conll"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (stdout when omitted); the dataset card goes to FILE.card.md.")
@click.option("--split", help="Split by document, e.g. 80/10/10 (train/dev/test) or 90/10.")
@click.option("--seed", type=int, help="Seed of the split (default 0).")
@click.option("--part", type=click.Choice(["train", "dev", "test"]),
              help="Write only this part of the split.")
@click.option("--include-annotations", is_flag=True, help="Add every annotator's own spans.")
@click.option("--complete-only", is_flag=True, help="Leave out sentences with open conflicts.")
@with_appcontext
def export_command(project_name: str, fmt: str, out: Path | None, split: str | None,
                   seed: int | None, part: str | None, include_annotations: bool,
                   complete_only: bool) -> None:
    """Export the gold standard as gold-json, jsonl (spaCy/Prodigy) or conll (BIO)."""
    from annotator.export import formats, services
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    try:
        options = services.parse_options(
            fmt, split=split, seed=seed, part=part, include_annotations=include_annotations,
            complete_only=complete_only,
        )
        services.begin_consistent_read(db.session)
        project = get_project_by_name(db.session, project_name)
        # Agreement (the costly part) only where it is written: gold-json and the card.
        prepared = services.prepare_export(
            db.session, project, options, with_agreement=fmt == "gold-json" or out is not None
        )
    except DomainError as err:
        _fail(err.message)
    tally = formats.make_tally(prepared.header)
    chunks = services.stream_export(db.session, prepared, tally)
    if out is None:
        stream = sys.stdout.buffer  # bytes: UTF-8 whatever the terminal's encoding
        for chunk in chunks:
            stream.write(chunk.encode("utf-8"))
        stream.flush()
        click.echo(services.summary_line(prepared, tally.counts()), err=True)
        return
    # Written beside the target and renamed, so a failed export never leaves half a file.
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
        partial.replace(out)
    except OSError as err:
        partial.unlink(missing_ok=True)
        _fail(f"{out}: cannot write: {err.strerror or err}")
    card = out.with_name(out.name + ".card.md")
    card.write_text(formats.render_card(prepared.header, tally.counts()), encoding="utf-8")
    click.echo(f"{services.summary_line(prepared, tally.counts())}; wrote {out} and {card}")


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
    """Load spans from a JSONL FILE ({"text", "spans", "meta"?} per line); all or nothing.

    Lines are matched to sentences by meta.sentence_id (our exports) or by exact sentence text.
    """
    from flask import current_app

    from annotator.export.importing import ImportRefused, import_annotations
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if file.stat().st_size > limit:
        _fail(f"{file}: {file.stat().st_size} bytes is over the {limit}-byte limit; nothing stored")
    try:
        project = get_project_by_name(db.session, project_name)
        result = import_annotations(
            db.session, project, file.read_bytes(), mode=mode, annotator=annotator,
            curator=curator, source_name=file.name,
        )
    except ImportRefused as err:
        db.session.rollback()
        for line in err.details["errors"]:
            click.echo(f"{file}: {line}", err=True)
        _fail(f"{file}: {err.message}")
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    what = "gold sentences" if mode == "gold" else f"pre-annotations for {annotator}"
    click.echo(
        f"imported {result.sentences} {what} with {result.spans} spans "
        f"({result.matched_by_id} matched by id, {result.matched_by_text} by text)"
    )


@click.command("adjudicate")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--batch", "batch_id", type=int, help="Only the sentences of this batch (id).")
@click.option("--min-agree", "min_agree", type=int, required=True,
              help="Accept a span when at least this many annotators marked it exactly alike.")
@with_appcontext
def adjudicate_command(project_name: str, batch_id: int | None, min_agree: int) -> None:
    """Accept agreed spans into gold and close sentences with no remaining conflict."""
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    try:
        project = get_project_by_name(db.session, project_name)
        result = auto_adjudicate(db.session, project.id, batch_id=batch_id, min_agree=min_agree)
    except DomainError as err:
        db.session.rollback()
        _fail(err.message)
    db.session.commit()
    click.echo(f"adjudicated {project.name}: {result.summary()}")


@click.command("agreement")
@click.option("--project", "project_name", help="Project name (reads its finished annotations).")
@click.option("--batch", "batch_id", type=int, help="Only this batch of the project.")
@click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON lines of items from any tool; needs no database.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--bootstrap", type=click.IntRange(0, 100_000), default=0, show_default=True,
              help="Bootstrap replicates for 95% intervals (0: none).")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.pass_context
def agreement_command(ctx: click.Context, project_name: str | None, batch_id: int | None,
                      input_file: Path | None, fmt: str, bootstrap: int, seed: int) -> None:
    """Measure inter-annotator agreement of a project (or one batch) or of a JSON-lines file."""
    import json

    from annotator.agreement import AgreementInputError, agreement_report
    from annotator.agreement.textio import read_items, report_table
    from annotator.projects.schema import default_schema_document, parse_schema

    if (project_name is None) == (input_file is None):
        _fail("give exactly one of --project NAME or --input FILE")
    if input_file is not None:
        if batch_id is not None:
            _fail("--batch goes with --project, not with --input")
        # No app, database or config here: the file is all there is.
        schema = parse_schema(default_schema_document())
        try:
            with input_file.open(encoding="utf-8") as lines:
                items = read_items(lines)
            used = {s["label"] for it in items for spans in it["annotations"].values()
                    for s in spans or ()}
            known = used <= set(schema.keys)
            groups = {v.value: v.group for lb in schema.labels for a in lb.attributes
                      for v in a.values if v.group}
            report = agreement_report(items, schema=schema if known else None,
                                      hierarchy=groups, bootstrap=bootstrap, seed=seed)
        except OSError as err:
            _fail(f"{input_file}: cannot read: {err.strerror or err}")
        except UnicodeDecodeError:
            _fail(f"{input_file}: not UTF-8 text")
        except AgreementInputError as err:
            _fail(f"{input_file}: {err}")
    else:
        from flask.cli import ScriptInfo

        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            from annotator.assignments.models import Batch
            from annotator.extensions import db
            from annotator.projects.services import get_project_by_name
            from annotator.reports.input import agreement_columns

            try:
                project = get_project_by_name(db.session, project_name)
            except DomainError as err:
                _fail(err.message)
            if batch_id is not None:
                batch = db.session.get(Batch, batch_id)
                if batch is None or batch.project_id != project.id:
                    _fail(f"batch {batch_id} is not a batch of project {project.name}")
            report = agreement_report(
                agreement_columns(db.session, project.id, batch_id=batch_id),
                schema=project.schema, bootstrap=bootstrap, seed=seed)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(report_table(report))


def register_commands(app: Flask) -> None:
    for command in (
        init_db_command,
        create_user_command,
        create_project_command,
        import_articles_command,
        load_demo_command,
        create_batch_command,
        batch_status_command,
        reassign_batch_command,
        remove_batch_command,
        serve_command,
        backup_command,
        export_command,
        import_annotations_command,
        adjudicate_command,
        agreement_command,
    ):
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=create_app)
def main() -> None:
    """Annotate conflict-news text: manage the database, users, projects and articles."""


# Also on the group itself, so `annotator agreement --input FILE` resolves without building the
# app (no database, instance folder or config needed).
main.add_command(agreement_command)
