"""Building an export file as a background job: the export page's "Prepare the file".

The job writes exactly what the page's download would stream (format, split, seed, part,
options; the viewer's pseudonyms when the project hides annotators' names) into a spooled
temporary file while it reads (one consistent read, no write transaction held), then stores the
file in the job's ``output`` files in the transaction that marks the job done: a killed attempt
leaves no file, a retry writes it once. The page then offers the download
(``/api/jobs/<id>/files/<name>``) until the reaper deletes it, JOB_FILES_KEEP_HOURS after.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from annotator.errors import Invalid
from annotator.export import services
from annotator.export.agreement_summary import bootstrap_setting
from annotator.export.options import ExportOptions, parse_options
from annotator.export.reading import iter_documents
from annotator.export.records import ExportDocument
from annotator.export.tally import make_tally
from annotator.jobs.context import JobContext, JobRefused
from annotator.jobs.files import delete_files, write_file
from annotator.projects.models import Project
from annotator.transactions import start_consistent_read

KIND = "export-file"
OPTION_NAMES = ("format", "split", "seed", "part", "include_annotations", "complete_only")
SPOOL_BYTES = 16 * 1024 * 1024  # a larger file goes to a temporary file on disk meanwhile
READ_BYTES = 1024 * 1024


def job_options(options: dict[str, Any]) -> ExportOptions:
    """The export's options from the job's parameters (the page's fields, as text).

    Raises:
        Invalid: a bad option, named.
    """
    values = {name: options.get(name) for name in OPTION_NAMES}
    return parse_options(values.pop("format"), **values)


def run(session: Session, ctx: JobContext) -> dict[str, Any]:
    """Write the export into the job's output file (stored with the job's "done")."""
    if ctx.project_id is None:
        raise JobRefused("the project of this export no longer exists")
    try:
        options = job_options(dict(ctx.params.get("options") or {}))
    except Invalid as err:
        raise JobRefused(err.message) from None
    ctx.report(0.0, "Reading the gold standard")
    start_consistent_read(session)
    project = session.get(Project, ctx.project_id)
    if project is None:
        raise JobRefused("the project of this export no longer exists")
    prepared = services.prepare_export(
        session, project, options, with_agreement=options.format == "gold-json",
        bootstrap=bootstrap_setting(current_app.config),
        pseudonyms=ctx.params.get("pseudonyms"),
    )
    name = services.export_filename(project, options)
    tally = make_tally(prepared.header)
    total = len(prepared.plan)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        documents = _reported(ctx, iter_documents(session, prepared), total)
        for piece in services.write_export(prepared, documents, tally):
            spool.write(piece if isinstance(piece, bytes) else piece.encode())  # brat, spacy
        session.rollback()  # the read ends; the file is stored in a short write
        ctx.report(0.99, "Storing the file")
        spool.seek(0)
        size = write_file(session, ctx.id, "output", name, iter(lambda: spool.read(READ_BYTES),
                                                                b""))
    counts = tally.counts()
    return {
        "file": name, "media_type": services.MEDIA_TYPES[options.format], "bytes": size,
        "format": options.format, "documents": counts["documents"],
        "sentences": counts["sentences"], "spans": counts["spans"],
        "message": f"Ready: {name} ({services.summary_line(prepared, counts)})",
    }


def _reported(ctx: JobContext, documents: Iterator[ExportDocument],
              total: int) -> Iterator[ExportDocument]:
    """The documents, reporting progress as each one is written."""
    for done, document in enumerate(documents, start=1):
        yield document
        ctx.report(0.98 * done / (total or 1), f"Written {done:,} of {total:,} documents")


def undo(session: Session, ctx: JobContext) -> None:
    """Remove the file, should an attempt have stored it (it is stored only with "done")."""
    delete_files(session, ctx.id, "output")
