"""The automatic adjudication pass as a background job, written in chunks of sentences.

The pass reads the project's finished annotations once, then writes gold a chunk of
``AUTO_CHUNK_SENTENCES`` sentences at a time, each chunk in one short transaction (it reads
its sentences' gold afresh, plans, writes gold, relations and audit records, and commits), so
annotators' saves keep flowing between chunks, on SQLite too. A sentence's gold is written
whole in one chunk: users see the sentences done so far with their gold, never one half-written.

Exactly once: the pass is idempotent (a sentence whose gold is what the vote gives is left
alone and gets no audit record), so a retried attempt after a crash simply runs the whole pass
again and the chunks already written are no-ops (the kind is ``resumable``: the runner does not
undo before a retry). Each chunk also writes, in its own transaction, a ledger entry (a job file
of role ``undo``: the sentence ids and gold versions it wrote), so a cancel, or a failure after
the last attempt, can put every gold record the job wrote back as it was, as long as nobody has
changed it since.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from annotator.adjudication.automatic import AutoPass, Plan, check_scope
from annotator.adjudication.bulk import insert_relations, insert_spans
from annotator.adjudication.models import (
    GoldRelationRow,
    GoldSentence,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.requests import check_min_agree
from annotator.agreement.data import gc_paused
from annotator.audit.models import AuditEvent
from annotator.db import utcnow
from annotator.errors import Conflict
from annotator.jobs.context import JobContext, JobRefused
from annotator.jobs.files import write_file
from annotator.jobs.models import JobFile
from annotator.jobs.queries import file_names, list_jobs, read_file
from annotator.transactions import long_lived, yield_to_writers

KIND = "auto-adjudicate"
LEDGER = "undo"  # the role of the job files that list what each chunk wrote
CHUNK_TRIES = 3  # a chunk whose gold a curator changed under it is read and planned again


def check_start(session: Session, project_id: int, batch_id: int | None,
                min_agree: int) -> None:
    """Refuse a pass that cannot run, before it is queued: a bad min-agree, an unknown batch,
    or a pass of this project queued or running already.

    Raises:
        Invalid: bad min-agree.  NotFound: the batch is not in the project.
        Conflict: a pass is already under way in this project.
    """
    check_min_agree(min_agree)
    check_scope(session, project_id, batch_id)
    if list_jobs(session, project_id=project_id, state="active", kind=KIND, limit=1):
        raise Conflict("an automatic pass is already running in this project: "
                       "wait for it to end")


def run(session: Session, ctx: JobContext) -> dict[str, Any]:
    """Run the pass over the job's project (params: ``min_agree``, ``batch_id``), chunk by
    chunk; the result's figures are those of ``AutoResult``."""
    if ctx.project_id is None:
        raise JobRefused("the project of this pass no longer exists")
    config = current_app.config
    size = max(1, int(config["AUTO_CHUNK_SENTENCES"]))
    pause = float(config["AUTO_PAUSE_SECONDS"])
    ctx.report(0.0, "Reading the finished annotations")
    work = AutoPass(session, ctx.project_id, ctx.params.get("batch_id"),
                    ctx.params.get("min_agree", 2), ctx.user_id)
    session.commit()  # ends the read: the chunks' writes start from a fresh snapshot
    total = len(work.items)
    ctx.report(0.05, f"Adjudicating {total:,} sentences")
    timings: list[float] = []  # seconds per chunk, its read, writes and commit
    with long_lived():  # the annotations read above stay till the end
        for number, start in enumerate(range(0, total, size)):
            began = time.perf_counter()
            with gc_paused():  # no collection pause while the chunk holds the lock
                plan = _write_chunk(session, ctx, work, work.items[start:start + size],
                                    number)
            timings.append(time.perf_counter() - began)
            work.count(plan)
            done = min(total, start + size)
            ctx.report(0.05 + 0.95 * done / total,
                       f"Adjudicated {done:,} of {total:,} sentences "
                       f"({work.changed:,} gold records written)")
            yield_to_writers(session, pause)
    result = work.result()
    return {**{name: getattr(result, name) for name in result.__dataclass_fields__},
            "chunks": _timing(timings),
            "message": f"Automatic adjudication done: {result.summary()}."}


def _timing(seconds: list[float]) -> dict[str, float]:
    """How long the chunks' transactions took (milliseconds): what saves may wait behind."""
    ordered = sorted(seconds) or [0.0]

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"count": len(seconds), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)}


def _write_chunk(session: Session, ctx: JobContext, work: AutoPass,
                 items: list[dict[str, Any]], number: int) -> Plan:
    """Write one chunk and its ledger entry, committed together; retried when a curator
    changed one of its gold records between the read and the write."""
    for attempt in range(1, CHUNK_TRIES + 1):
        try:
            plan = work.write(items)
            written = plan.written()
            if written:
                write_file(session, ctx.id, LEDGER, f"{ctx.attempt:03d}-{number:06d}",
                           [json.dumps(written).encode()])
            session.commit()
            return plan
        except Conflict:
            session.rollback()
            if attempt == CHUNK_TRIES:
                raise
    raise AssertionError("unreachable")


def undo(session: Session, ctx: JobContext) -> None:
    """Put back every gold record the job's chunks wrote, newest first, unless someone has
    changed it since (then it is theirs and stays); remove the job's audit records with it."""
    names = file_names(session, ctx.id, LEDGER)
    for name in reversed(names):
        written = json.loads(b"".join(read_file(session, ctx.id, LEDGER, name)))
        for sentence_id, version in reversed(written):
            _put_back(session, sentence_id, version)
        session.execute(delete(JobFile).where(JobFile.job_id == ctx.id, JobFile.role == LEDGER,
                                              JobFile.name == name))
        session.commit()  # chunk by chunk, as written: an undo cut short goes on next time


def _put_back(session: Session, sentence_id: int, version: int) -> None:
    """Undo one gold write (the record at ``version``, written by the pass)."""
    gold = session.execute(
        select(GoldSentence.id, GoldSentence.version)
        .where(GoldSentence.sentence_id == sentence_id)).one_or_none()
    event = session.execute(
        select(AuditEvent.id, AuditEvent.before)
        .where(AuditEvent.sentence_id == sentence_id, AuditEvent.target == "gold",
               AuditEvent.action == "auto", AuditEvent.version == version)
        .order_by(AuditEvent.id.desc()).limit(1)).one_or_none()
    if gold is None or gold.version != version or event is None:
        return  # changed since (or already put back): left as it is
    session.execute(delete(GoldSpanRow).where(GoldSpanRow.gold_id == gold.id))
    session.execute(delete(GoldRelationRow).where(GoldRelationRow.gold_id == gold.id))
    before = event.before
    if before is None:
        session.execute(delete(GoldSentence).where(GoldSentence.id == gold.id))
    else:
        now = utcnow()
        complete = before["status"] == GoldStatus.COMPLETE
        session.execute(
            update(GoldSentence).where(GoldSentence.id == gold.id)
            .values(status=before["status"], version=before["version"],
                    min_agree=before["min_agree"], updated_at=now,
                    closed_at=now if complete else None, closed_by_id=None))
        insert_spans(session, [(gold.id, [
            {key: value for key, value in span.items() if key != "curator"}
            for span in before["spans"]])], now)
        insert_relations(session, [(gold.id, [_relation_row(r) for r in before["relations"]])],
                         now)
    session.execute(delete(AuditEvent).where(AuditEvent.id == event.id))


def _relation_row(shown: dict[str, Any]) -> dict[str, Any]:
    """A gold relation as the audit trail shows it, back to its columns."""
    return {
        "head_start": shown["head"]["start"], "head_end": shown["head"]["end"],
        "role": shown["role"], "child_start": shown["child"]["start"],
        "child_end": shown["child"]["end"], "source": shown["source"],
        "votes": shown["votes"], "voters": shown["voters"],
        "annotators": list(shown["annotators"] or []), "curator_id": shown["curator_id"],
        "reason": shown["reason"], "note": shown["note"],
    }
