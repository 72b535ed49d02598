"""The gold standard out: gold-json, JSONL, CoNLL or event records, with the dataset card."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import fail
from annotator.errors import DomainError
from annotator.export import services
from annotator.export.agreement_summary import bootstrap_setting
from annotator.export.card import render_card
from annotator.export.formats import FORMATS
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from annotator.extensions import db
from annotator.projects.services import get_project_by_name
from annotator.transactions import start_consistent_read


@click.command("export")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS),
              help="gold-json, jsonl (spaCy/Prodigy), conll (BIO), events-jsonl or events-csv "
                   "(one record per gold event with its arguments).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (stdout when omitted); the dataset card goes to FILE.card.md.")
@click.option("--split", help="Split by document, e.g. 80/10/10 (train/dev/test) or 90/10.")
@click.option("--seed", type=int, help="Seed of the split (default 0).")
@click.option("--part", type=click.Choice(["train", "dev", "test"]),
              help="Write only this part of the split.")
@click.option("--include-annotations", is_flag=True,
              help="Add every annotator's own spans and relations.")
@click.option("--complete-only", is_flag=True, help="Leave out sentences with open conflicts.")
@with_appcontext
def export_command(project_name: str, fmt: str, out: Path | None, split: str | None,
                   seed: int | None, part: str | None, include_annotations: bool,
                   complete_only: bool) -> None:
    """Export the gold standard as gold-json, jsonl (spaCy/Prodigy), conll (BIO), or as event
    records (events-jsonl, events-csv: one per gold EVENT with its actors and location)."""
    try:
        options = parse_options(
            fmt, split=split, seed=seed, part=part, include_annotations=include_annotations,
            complete_only=complete_only,
        )
        start_consistent_read(db.session)
        project = get_project_by_name(db.session, project_name)
        # Agreement (the costly part) only where it is written: gold-json and the card.
        prepared = services.prepare_export(
            db.session, project, options, with_agreement=fmt == "gold-json" or out is not None,
            bootstrap=bootstrap_setting(current_app.config),
        )
    except DomainError as err:
        fail(err.message)
    tally = make_tally(prepared.header)
    chunks = services.stream_export(db.session, prepared, tally)
    if out is None:
        stream = sys.stdout.buffer  # bytes: UTF-8 whatever the terminal's encoding
        for chunk in chunks:
            stream.write(chunk.encode("utf-8"))
        stream.flush()
        click.echo(services.summary_line(prepared, tally.counts()), err=True)
        return
    write_atomically(out, chunks)
    card = out.with_name(out.name + ".card.md")
    card.write_text(render_card(prepared.header, tally.counts()), encoding="utf-8")
    click.echo(f"{services.summary_line(prepared, tally.counts())}; wrote {out} and {card}")


def write_atomically(out: Path, chunks) -> None:
    """Write beside the target and rename, so a failed export never leaves half a file."""
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
        partial.replace(out)
    except OSError as err:
        partial.unlink(missing_ok=True)
        fail(f"{out}: cannot write: {err.strerror or err}")
