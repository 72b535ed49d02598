"""Article import as a background job: the uploaded files are read from the job's input, the
documents and sentences are staged in chunks (hidden, tagged with the job's key), and the last
write makes them visible in the same transaction that marks the job done.

A retried attempt (its worker was killed) first deletes whatever an earlier attempt staged
under the same key, so the import is published once, with no duplicate document or sentence.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from annotator.corpus.importing import discard_staged, plan_import
from annotator.jobs.context import JobContext, JobRefused
from annotator.jobs.queries import read_inputs
from annotator.transactions import committed_chunks

KIND = "import-articles"


def run(session: Session, ctx: JobContext) -> dict[str, object]:
    """Stage every article of the job's files, then publish them (left uncommitted)."""
    if ctx.project_id is None:
        raise JobRefused("the project of this import no longer exists")
    config = current_app.config
    ctx.report(0.0, "Reading the files")
    files = read_inputs(session, ctx.id)
    work = plan_import(session, ctx.project_id, files, chunk_rows=config["IMPORT_CHUNK_ROWS"])
    work.import_id = ctx.key
    total = len(work.articles) or 1
    for _ in committed_chunks(session, work.stage(), pause=config["IMPORT_PAUSE_SECONDS"]):
        done = work.result.documents_added + len(work.result.skipped)
        ctx.report(0.98 * done / total,
                   f"Imported {work.result.sentences_added:,} sentences "
                   f"({done:,} of {total:,} articles)")
    result = work.publish()
    text, tone = result.message()
    return {
        "documents_added": result.documents_added, "sentences_added": result.sentences_added,
        "excluded_sentences": result.excluded_sentences, "skipped": result.skipped,
        "tone": tone, "message": text,
    }


def undo(session: Session, ctx: JobContext) -> None:
    """Delete what an attempt staged under the job's key (nothing when it staged nothing)."""
    if ctx.project_id is None:
        return
    discard_staged(session, ctx.project_id, ctx.key, current_app.config["IMPORT_CHUNK_ROWS"])
