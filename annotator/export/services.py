"""Build an export: decide its documents, splits and header, then stream it or its card."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence
from annotator.corpus.models import Sentence, any_staged, published_sentence
from annotator.export.agreement_summary import AGREEMENT_BOOTSTRAP, agreement_summary
from annotator.export.card import render_card
from annotator.export.formats import write
from annotator.export.options import ExportOptions, PreparedExport
from annotator.export.reading import gold_filter, iter_documents
from annotator.export.records import ExportDocument, ExportHeader
from annotator.export.splits import assign_splits
from annotator.export.tally import Tally, make_tally, tally_documents
from annotator.projects.models import Project

EXTENSIONS = {"gold-json": "json", "jsonl": "jsonl", "conll": "conll",
              "events-jsonl": "jsonl", "events-csv": "csv", "labelstudio": "json",
              "brat": "zip", "spacy": "spacy"}
# Each format's media type (downloads, the export API, files prepared by a job).
MEDIA_TYPES = {
    "gold-json": "application/json; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "conll": "text/plain; charset=utf-8",
    "events-jsonl": "application/x-ndjson; charset=utf-8",
    "events-csv": "text/csv; charset=utf-8",
    "labelstudio": "application/json; charset=utf-8",
    "brat": "application/zip",
    "spacy": "application/octet-stream",
}


def prepare_export(
    session: Session,
    project: Project,
    options: ExportOptions,
    *,
    with_agreement: bool = True,
    bootstrap: int = AGREEMENT_BOOTSTRAP,
    now: datetime | None = None,
    pseudonyms: dict[str, str] | None = None,
) -> PreparedExport:
    """Decide which documents are exported, their splits, and the header.

    Reads one row per document (its number of gold sentences), never the sentences; the
    documents an unfinished import is still writing (hidden) are left out.
    ``with_agreement`` computes the agreement summary (with ``bootstrap`` replicates), which
    only the gold-json file and the card carry. ``pseudonyms`` (user name -> pseudonym)
    replaces every annotator's name in the file (``adjudication.blinding.export_names``).
    """
    counts_q = gold_filter(
        select(Sentence.document_id, func.count())
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.project_id == project.id,
               # not the documents an import is still writing (shown when it ends)
               published_sentence(project.id, staged=any_staged(session, project.id)))
        .group_by(Sentence.document_id)
        .order_by(Sentence.document_id),
        options,
    )
    plan = [(doc_id, n) for doc_id, n in session.execute(counts_q)]
    splits = None
    if options.split:
        # Split over every exported document, then keep the part: a document's part does not
        # depend on which part is asked for.
        splits = assign_splits((d for d, _ in plan), options.split, options.seed or 0)
        if options.part:
            plan = [(d, n) for d, n in plan if splits[d] == options.part]
    exported_at = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    agreement = (
        agreement_summary(session, project, bootstrap=bootstrap) if with_agreement else None
    )
    header = ExportHeader(
        project_id=project.id,
        project_name=project.name,
        label_schema=project.label_schema,
        exported_at=exported_at,
        format=options.format,
        options=options.to_json(),
        agreement=agreement,
    )
    return PreparedExport(header, options, project.id, tuple(plan), splits, pseudonyms)


def stream_export(
    session: Session, prepared: PreparedExport, tally: Tally
) -> Iterator[str] | Iterator[bytes]:
    """Yield the export file's text (bytes for ``formats.BINARY``); ``tally`` holds its counts
    once the iterator is done."""
    return write_export(prepared, iter_documents(session, prepared), tally)


def write_export(prepared: PreparedExport, documents: Iterable[ExportDocument],
                 tally: Tally) -> Iterator[str] | Iterator[bytes]:
    """Yield the export file's text (bytes for ``formats.BINARY``) for ``documents``
    (``iter_documents``, perhaps watched by a job reporting its progress); ``tally`` holds the
    counts once it is done."""
    # A million short-lived rows trigger many garbage collections, and each full one would
    # rescan every long-lived object of the app (modules, mappers, compiled statements).
    # Freezing those for the length of the export saves about a fifth of its time.
    gc.freeze()
    try:
        yield from write(prepared.header, documents, tally)
    finally:
        gc.unfreeze()


def build_card(session: Session, prepared: PreparedExport) -> str:
    """Write the dataset card alone: one counting pass over the documents an export writes."""
    tally = tally_documents(iter_documents(session, prepared), make_tally(prepared.header))
    return render_card(prepared.header, tally.counts())


def summary_line(prepared: PreparedExport, counts: dict[str, Any]) -> str:
    """Describe in one line for the command line what was written."""
    line = (
        f"exported {counts['documents']} documents, {counts['sentences']} sentences, "
        f"{counts['spans']} gold spans"
    )
    if counts.get("relations") and prepared.options.format != "conll":  # CoNLL: spans only
        line += f", {counts['relations']} gold relations"
    events = sum(frame["events"] for frame in (counts.get("frames") or {}).values())
    if prepared.options.format.startswith("events-"):
        line += f" ({events} events)"
    line += f" as {prepared.options.format}"
    if counts.get("splits"):
        line += " (" + ", ".join(
            f"{name} {b['documents']} documents / {b['sentences']} sentences"
            for name, b in counts["splits"].items()
        ) + ")"
    problems = counts["spans_off_token_boundaries"] + counts["spans_without_tokens"]
    if problems and prepared.options.format == "spacy":
        line += (f"; warning: {problems} spans off token boundaries left out of the DocBin "
                 "(see the card)")
    elif problems:
        line += f"; warning: {problems} spans off token boundaries (see the card)"
    return line


def export_filename(project: Project, options: ExportOptions, *, card: bool = False) -> str:
    """Name a download, such as ``sahel-gold-train.jsonl`` or ``sahel-card.md``."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.name.lower()).strip("-")[:60]
    slug = slug or f"project-{project.id}"
    part = f"-{options.part}" if options.part else ""
    if card:
        return f"{slug}-card{part}.md"
    what = "events" if options.format.startswith("events-") else "gold"
    if options.format in ("labelstudio", "brat"):
        what = options.format
    return f"{slug}-{what}{part}.{EXTENSIONS[options.format]}"


def labelstudio_config_filename(project: Project) -> str:
    """Name the Label Studio labelling config download: ``sahel-labelstudio-config.xml``."""
    name = export_filename(project, ExportOptions(format="labelstudio"))
    return name.removesuffix(".json") + "-config.xml"
