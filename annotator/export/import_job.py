"""Annotation import as a background job ("import-annotations"): the uploaded files are the
job's input files, the options its parameters; the worker reads, matches, places and checks
everything, then stores it, all in one transaction that it leaves uncommitted.

The runner commits those writes together with the job's "done", and only if this attempt still
holds the job, so the import is published exactly once: a worker killed half-way has its
transaction rolled back by the database (nothing was ever visible), and the retry imports from
scratch, with no duplicate annotation, gold span or document. Nothing is staged before that
last write, so there is nothing to undo. A refused import (a label the schema lacks, a span
across sentences...) fails the job with every problem named, one per line, and stores nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from annotator.export.foreign_import import FORMATS, import_files
from annotator.export.importing import MODES, ImportRefused
from annotator.jobs.context import JobContext, JobRefused
from annotator.jobs.queries import read_inputs
from annotator.projects.models import Project

KIND = "import-annotations"
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
    try:
        outcome = import_files(
            session, project, files, fmt=params["format"], mode=params["mode"],
            annotator=params.get("annotator"), curator=params.get("curator"),
            skip_invalid=bool(params.get("skip_invalid")), text_key=params.get("text_key"),
            progress=ctx.report,
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
