"""The gold standard out: gold-json, JSONL, CoNLL, event records, Label Studio, brat or spaCy,
with the dataset card (and Label Studio's labelling config)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.commands.outcome import fail
from annotator.errors import DomainError
from annotator.export import services
from annotator.export.agreement_summary import bootstrap_setting
from annotator.export.card import render_card
from annotator.export.formats import BINARY, FORMATS
from annotator.export.labelstudio import labelstudio_config
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from annotator.extensions import db
from annotator.projects.services import get_project_by_name
from annotator.transactions import start_consistent_read


@click.command("export")
@click.option("--project", "project_name", required=True, help="Project name.")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS),
              help="gold-json, jsonl (spaCy/Prodigy), conll (BIO), events-jsonl or events-csv "
                   "(one record per gold event with its arguments), labelstudio (Label Studio "
                   "tasks), brat (a zip of .txt/.ann files) or spacy (a DocBin for spacy "
                   "train).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (stdout when omitted); the dataset card goes to FILE.card.md "
                   "and, for labelstudio, the labelling config to FILE.config.xml.")
@click.option("--labelstudio-config", "config_out",
              type=click.Path(dir_okay=False, path_type=Path),
              help="labelstudio only: write the Label Studio labelling config (XML) to this "
                   "file (default with --out: FILE.config.xml).")
@click.option("--split", help="Split by document, e.g. 80/10/10 (train/dev/test) or 90/10.")
@click.option("--seed", type=int, help="Seed of the split (default 0).")
@click.option("--part", type=click.Choice(["train", "dev", "test"]),
              help="Write only this part of the split.")
@click.option("--include-annotations", is_flag=True,
              help="Add every annotator's own spans and relations.")
@click.option("--complete-only", is_flag=True, help="Leave out sentences with open conflicts.")
@with_appcontext
def export_command(project_name: str, fmt: str, out: Path | None, config_out: Path | None,
                   split: str | None, seed: int | None, part: str | None,
                   include_annotations: bool, complete_only: bool) -> None:
    """Export the gold standard as gold-json, jsonl (spaCy/Prodigy), conll (BIO), event
    records, or for Label Studio, brat or spaCy.

    events-jsonl and events-csv: one record per gold EVENT with its actors and location;
    labelstudio: tasks with the gold as predictions (and the labelling config); brat: standoff
    files with annotation.conf, zipped; spacy: a DocBin (.spacy) for spacy train."""
    if config_out is not None and fmt != "labelstudio":
        fail("--labelstudio-config goes with --format labelstudio")
    if out is None and fmt in BINARY and sys.stdout.isatty():
        fail(f"{fmt} is a binary file: give --out FILE or redirect the output")
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
    if fmt == "labelstudio" and out is not None and config_out is None:
        config_out = out.with_name(out.name + ".config.xml")
    if out is None:
        stream = sys.stdout.buffer  # bytes: UTF-8 whatever the terminal's encoding
        for chunk in chunks:
            stream.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        stream.flush()
        if config_out is not None:
            write_atomically(config_out, [labelstudio_config(prepared.header.label_schema)])
        summary = services.summary_line(prepared, tally.counts())
        click.echo(summary + (f"; wrote {config_out}" if config_out else ""), err=True)
        return
    write_atomically(out, chunks)
    card = out.with_name(out.name + ".card.md")
    card.write_text(render_card(prepared.header, tally.counts()), encoding="utf-8")
    written = f"{out} and {card}"
    if config_out is not None:
        write_atomically(config_out, [labelstudio_config(prepared.header.label_schema)])
        written = f"{out}, {card} and {config_out}"
    click.echo(f"{services.summary_line(prepared, tally.counts())}; wrote {written}")


def write_atomically(out: Path, chunks: Iterable[str] | Iterable[bytes]) -> None:
    """Write beside the target and rename, so a failed export never leaves half a file."""
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        partial.replace(out)
    except OSError as err:
        partial.unlink(missing_ok=True)
        fail(f"{out}: cannot write: {err.strerror or err}")
