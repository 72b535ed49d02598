"""Annotation import as a background job ("import-annotations"): the uploaded files are the
job's input files, the options its parameters; the worker reads, matches, places and checks
everything before it writes anything.

Our JSONL is then written in chunks of ``IMPORT_CHUNK_ROWS`` sentences, each committed with a
ledger entry (a job file of role ``undo`` naming the sentences it wrote), so that annotators'
saves never wait long behind a large import. The import stays all or nothing: a failure or a
cancel takes out every chunk written (``storing.remove_stored``), and a retry after a worker
died half-way first undoes what the dead attempt's ledger lists, then imports from scratch:
no duplicate annotation, gold span or audit record. The other formats are written in the
same chunks; the documents they create are staged hidden under the job's key, a chunk per
commit, and shown by the last transaction, which the runner commits together with the job's
"done", only if this attempt still holds the job (the undo deletes what is still hidden
under the key). A refused import (a label
the schema lacks, a span across sentences...) fails the job with every problem named, one per
line, and stores nothing.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session

from annotator.corpus.importing import discard_staged
from annotator.export.foreign_import import FORMATS, import_files
from annotator.export.importing import MODES, ImportRefused
from annotator.export.storing import StoredChunk, remove_stored
from annotator.jobs.context import JobContext, JobRefused
from annotator.jobs.files import write_file
from annotator.jobs.models import JobFile
from annotator.jobs.queries import file_names, read_file, read_inputs
from annotator.projects.models import Project

KIND = "import-annotations"
LEDGER = "undo"  # the role of the job files that list what each committed chunk wrote
# A result lists at most this many skipped items (the job's row stays small); the count is whole.
MAX_SKIPPED_SHOWN = 2000


def import_params(fmt: str, mode: str, *, annotator: str | None, curator: str | None,
                  skip_invalid: bool, text_key: str | None) -> dict[str, Any]:
    """The job's parameters for an import with these options."""
    return {"format": fmt, "mode": mode, "annotator": annotator, "curator": curator,
            "skip_invalid": bool(skip_invalid), "text_key": text_key or None}


def refusal_lines(error: str | None) -> list[str]:
    """The problems a refused import named (the lines after the first of the job's error)."""
    return (error or "").splitlines()[1:]


def run(session: Session, ctx: JobContext) -> dict[str, object]:
    """Import the job's files (left uncommitted: the runner publishes them with "done")."""
    params = ctx.params
    if params.get("format") not in FORMATS or params.get("mode") not in MODES:
        raise JobRefused(f"unknown format or mode: {params.get('format')!r}, "
                         f"{params.get('mode')!r}")
    project = session.get(Project, ctx.project_id) if ctx.project_id is not None else None
    if project is None:
        raise JobRefused("the project of this import no longer exists")
    ctx.report(0.0, "Reading the files")
    files = read_inputs(session, ctx.id)
    numbers = itertools.count()  # the ledger entries of this attempt
    try:
        outcome = import_files(
            session, project, files, fmt=params["format"], mode=params["mode"],
            annotator=params.get("annotator"), curator=params.get("curator"),
            skip_invalid=bool(params.get("skip_invalid")), text_key=params.get("text_key"),
            progress=ctx.report, chunk_rows=current_app.config["IMPORT_CHUNK_ROWS"],
            on_chunk=lambda chunk: _record(session, ctx, next(numbers), chunk),
            import_id=ctx.key,
        )
    except ImportRefused as err:
        lines = [str(line) for line in err.details.get("errors", [])]
        if len(files) == 1 and params["format"] == "ours":
            lines = [f"{files[0][0]}: {line}" for line in lines]  # our JSONL names lines only
        raise JobRefused("\n".join([err.message, *lines]),
                         errors=lines) from None
    ctx.report(0.98, "Publishing the annotations")
    skipped = list(outcome.skipped)
    return {
        "summary": outcome.summary,
        "skipped": skipped[:MAX_SKIPPED_SHOWN],
        "skipped_count": len(skipped),
        "tone": "warning" if skipped else "success",
        "message": f"Done: {outcome.summary}",
    }


def _record(session: Session, ctx: JobContext, number: int, chunk: StoredChunk) -> None:
    """Write a chunk's ledger entry (committed with the chunk)."""
    write_file(session, ctx.id, LEDGER, f"{ctx.attempt:03d}-{number:06d}",
               [json.dumps(chunk.to_json()).encode()])


def undo(session: Session, ctx: JobContext) -> None:
    """Take out every chunk the job's ledger lists (what nobody changed since), newest first,
    each with its ledger entry in one transaction (an undo cut short goes on next time); then
    the documents still staged, hidden, under the job's key."""
    for name in reversed(file_names(session, ctx.id, LEDGER)):
        chunk = StoredChunk.from_json(json.loads(b"".join(read_file(session, ctx.id, LEDGER,
                                                                      name))))
        remove_stored(session, chunk)
        session.execute(delete(JobFile).where(JobFile.job_id == ctx.id, JobFile.role == LEDGER,
                                              JobFile.name == name))
        session.commit()
    if ctx.project_id is not None:
        discard_staged(session, ctx.project_id, ctx.key, current_app.config["IMPORT_CHUNK_ROWS"])
