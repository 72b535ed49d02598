"""Create batches, assign them with overlap, reassign work, archive or remove batches."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation
from annotator.assignments.allocation import AllocationError, allocate, reassign
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Sentence, published_sentence
from annotator.db import utcnow
from annotator.errors import Conflict, Invalid, NotFound
from annotator.learning.uncertainty import most_uncertain_first, uncertainties
from annotator.projects.membership import ensure_members
from annotator.wording import plural

SOURCES = ("documents", "sample", "remaining")
ORDERS = ("reading", "uncertain")  # how each annotator's queue is ordered
FINISHED = ("done", "skipped")


@dataclass(frozen=True)
class BatchCreated:
    batch: Batch
    sentences: int
    per_annotator: dict[str, int]

    def summary(self) -> str:
        """What was created, in one line for the person who asked."""
        counts = ", ".join(f"{u}: {n}" for u, n in self.per_annotator.items())
        return (f"Created {self.batch.name} with {plural(self.sentences, 'sentence')} "
                f"(overlap {self.batch.overlap}; {counts}).")


def resolve_annotators(
    session: Session, usernames: Sequence[str], *, allow_inactive: bool = False
) -> list[User]:
    """Users by name, in the given order; unknown (or, unless allowed, deactivated) names
    are refused."""
    names = [n.strip() for n in usernames if n.strip()]
    if not names:
        raise Invalid("no annotators given")
    if len(set(names)) != len(names):
        raise Invalid("an annotator is listed twice")
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    unknown = [n for n in names if n not in users]
    if unknown:
        raise Invalid(f"unknown user(s): {', '.join(unknown)}")
    inactive = [n for n in names if not users[n].active]
    if inactive and not allow_inactive:
        raise Invalid(f"deactivated user(s) cannot be assigned: {', '.join(inactive)}")
    return [users[n] for n in names]


def _unbatched(project_id: int):
    """Annotatable sentences of the project that no live batch holds yet."""
    in_batch = (
        select(BatchSentence.id)
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(BatchSentence.sentence_id == Sentence.id, Batch.archived_at.is_(None))
    )
    return select(Sentence.id).where(
        Sentence.project_id == project_id,
        Sentence.excluded.is_(False),
        ~exists(in_batch),
        published_sentence(project_id),
    )


def _in_ranges(column, ids: Sequence[int]):
    """``column`` among ``ids``, written as ranges of consecutive ids (``7-12`` is one BETWEEN
    rather than six parameters: a typed range of thousands stays one condition)."""
    ordered = sorted(set(ids))
    ranges: list[tuple[int, int]] = []
    for i in ordered:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1] = (ranges[-1][0], i)
        else:
            ranges.append((i, i))
    singles = [low for low, high in ranges if low == high]
    spans = [column.between(low, high) for low, high in ranges if low != high]
    if not singles:
        return or_(*spans)
    # rendered inline: many scattered ids would pass SQLite's limit of bound parameters
    listed = column.in_(bindparam("chosen_ids", singles, expanding=True, literal_execute=True))
    return or_(listed, *spans)


def select_sentences(
    session: Session,
    project_id: int,
    source: str,
    *,
    document_ids: Sequence[int] = (),
    sample: int | None = None,
    seed: int = 0,
) -> list[int]:
    """The sentence ids a new batch would hold, in reading order (document, index)."""
    if source not in SOURCES:
        raise Invalid(f"source must be one of {', '.join(SOURCES)}")
    query = _unbatched(project_id).order_by(Sentence.document_id, Sentence.index)
    if source == "documents":
        if not document_ids:
            raise Invalid("no documents chosen")
        chosen = _in_ranges(Sentence.document_id, document_ids)
        ids = list(session.scalars(query.where(chosen)))
        known = set(
            session.scalars(
                select(Sentence.document_id)
                .distinct()
                .where(chosen)
                .where(Sentence.project_id == project_id, published_sentence(project_id))
            )
        )
        missing = sorted(set(document_ids) - known)
        if missing:
            shown = ", ".join(map(str, missing[:20])) + (
                f" and {len(missing) - 20} more" if len(missing) > 20 else "")
            raise Invalid(f"document(s) not in this project or without sentences: {shown}")
        return ids
    ids = list(session.scalars(query))
    if source == "sample":
        if sample is None or sample < 1:
            raise Invalid("sample size must be a positive number")
        if sample > len(ids):
            raise Invalid(f"sample of {sample} asked, only {len(ids)} unassigned sentences left")
        chosen = set(random.Random(seed).sample(ids, sample))
        ids = [i for i in ids if i in chosen]  # back to reading order
    return ids


def create_batch(
    session: Session,
    project_id: int,
    *,
    source: str,
    annotators: Sequence[str],
    overlap: int,
    seed: int = 0,
    name: str | None = None,
    document_ids: Sequence[int] = (),
    sample: int | None = None,
    created_by: User | None = None,
    suggestions: bool = False,
    order: str = "reading",
) -> BatchCreated:
    """Create a batch and assign every sentence to exactly ``overlap`` annotators.

    ``order="uncertain"`` (active learning) hands each annotator first the sentences the
    project's active model is least sure about (``learning/uncertainty.py``), and a sample is
    then the ``sample`` most uncertain unassigned sentences instead of a random one; who reads
    which sentence (overlap, balance) is allocated exactly as in reading order.

    Raises:
        Invalid: bad overlap or order, unknown or deactivated user, an empty selection, or
            the uncertain order without an active model.
    """
    if order not in ORDERS:
        raise Invalid(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    users = resolve_annotators(session, annotators)
    if overlap < 1 or overlap > len(users):
        raise Invalid(f"overlap must be between 1 and the number of annotators ({len(users)})")
    uncertain = order == "uncertain" and source == "sample"
    sentence_ids = select_sentences(
        session, project_id, "remaining" if uncertain else source, document_ids=document_ids,
        sample=sample, seed=seed
    )
    scores: dict[int, float] = {}
    if order == "uncertain" and sentence_ids:
        scores = uncertainties(session, project_id, sentence_ids)
    if uncertain:
        if sample is None or sample < 1:
            raise Invalid("sample size must be a positive number")
        if sample > len(sentence_ids):
            raise Invalid(f"sample of {sample} asked, only {len(sentence_ids)} unassigned "
                          "sentences left")
        chosen = set(most_uncertain_first(sentence_ids, scores)[:sample])
        sentence_ids = [i for i in sentence_ids if i in chosen]  # back to reading order
    if not sentence_ids:
        raise Invalid("the selection holds no unassigned sentence")
    try:
        queues = allocate(sentence_ids, [u.id for u in users], overlap, seed=seed)
    except AllocationError as err:
        raise Invalid(str(err)) from None
    count = session.scalar(
        select(func.count()).select_from(Batch).where(Batch.project_id == project_id)
    )
    batch = Batch(
        project_id=project_id,
        name=(name or f"Batch {count + 1}").strip()[:200],
        overlap=overlap,
        seed=seed,
        source=source,
        created_by_id=created_by.id if created_by else None,
        suggestions=suggestions,
    )
    session.add(batch)
    session.flush()
    # Queues are served by position: reading order, or the most uncertain first.
    ranked = most_uncertain_first(sentence_ids, scores) if scores else sentence_ids
    position = {sid: i for i, sid in enumerate(ranked)}
    bulk_insert(
        session, BatchSentence.__table__, ("batch_id", "sentence_id", "position"),
        [(batch.id, sid, i) for i, sid in enumerate(ranked)],
    )
    _insert_assignments(
        session, [(batch.id, uid, sid, position[sid]) for uid, queue in queues.items()
                  for sid in queue],
    )
    _mark_already_finished(session, batch.id)
    # Work in a project makes its annotators members of it (docs/access.md).
    ensure_members(session, project_id, [u.id for u in users])
    names = {u.id: u.username for u in users}
    return BatchCreated(
        batch=batch,
        sentences=len(sentence_ids),
        per_annotator={names[uid]: len(q) for uid, q in queues.items()},
    )


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows with the driver's executemany, skipping SQLAlchemy's per-row work.

    A batch of 100,000 sentences with overlap 3 is 400,000 rows: building and type-processing
    a parameter dict per row cost more than SQLite's own inserting. The statement is compiled
    for the session's dialect (SQLite's ``?`` or psycopg's ``%(name)s`` placeholders), and the
    values must already be in the driver's form (see ``driver_value``).
    """
    if not rows:
        return
    connection = session.connection()
    statement = insert(table).values({c: bindparam(c) for c in columns})
    compiled = statement.compile(dialect=connection.dialect)
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        connection.exec_driver_sql(compiled.string, list(rows))
    else:
        named = [dict(zip(columns, r, strict=True)) for r in rows]
        connection.exec_driver_sql(compiled.string, named)


def driver_value(session: Session, column: Column, value: Any) -> Any:
    """``value`` as the column's type would hand it to the database driver."""
    dialect = session.connection().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


def _insert_assignments(session: Session, rows: list[tuple[int, int, int, int]]) -> None:
    """Insert (batch, annotator, sentence, position) rows, unfinished, created now."""
    table = Assignment.__table__
    finished = driver_value(session, table.c.finished, False)
    created = driver_value(session, table.c.created_at, utcnow())
    bulk_insert(
        session, table,
        ("batch_id", "annotator_id", "sentence_id", "position", "finished", "created_at"),
        [(*row, finished, created) for row in rows],
    )


def _mark_already_finished(session: Session, batch_id: int) -> None:
    """Sentences an annotator already finished before the batch count as finished in it."""
    done = exists(
        select(Annotation.id).where(
            Annotation.sentence_id == Assignment.sentence_id,
            Annotation.annotator_id == Assignment.annotator_id,
            Annotation.status.in_(FINISHED),
        )
    )
    session.execute(
        update(Assignment)
        .where(Assignment.batch_id == batch_id, done)
        .values(finished=True)
        .execution_options(synchronize_session=False)
    )


def sync_finished(session: Session, annotator_id: int, sentence_id: int, status: str) -> None:
    """Keep the queue's ``finished`` flag in step with an annotation's status."""
    session.execute(_SET_FINISHED, {
        "of_annotator": annotator_id, "of_sentence": sentence_id,
        "new_finished": status in FINISHED,
    })


# Built once (every "done" runs it): a request only binds its values. Core, on the table:
# no ORM object to synchronise. (Bind names may not repeat a column's name in an UPDATE.)
_assignment = Assignment.__table__
_SET_FINISHED = (
    update(_assignment)
    .where(_assignment.c.annotator_id == bindparam("of_annotator"),
           _assignment.c.sentence_id == bindparam("of_sentence"))
    .values(finished=bindparam("new_finished"))
)


def get_batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} does not exist")
    return batch


def reassign_annotator(
    session: Session, batch_id: int, leaving: str, to: Sequence[str]
) -> dict[str, int]:
    """Move ``leaving``'s unfinished sentences of the batch to the annotators ``to``.

    Finished work and every annotation stay where they are; each moved sentence goes to
    someone who does not have it yet, so the overlap stays exactly k.

    Returns:
        username -> number of sentences they received.
    """
    batch = get_batch(session, batch_id)
    if batch.archived_at is not None:
        raise Invalid("this batch is archived")
    # The one who leaves has often been deactivated already: that must not block the move.
    leaver = resolve_annotators(session, [leaving], allow_inactive=True)[0]
    targets = resolve_annotators(session, to)
    if leaver.id in {t.id for t in targets}:
        raise Invalid("cannot reassign work to the annotator who leaves")
    rows = session.execute(
        select(Assignment.annotator_id, Assignment.sentence_id, Assignment.finished,
               Assignment.position)
        .where(Assignment.batch_id == batch_id)
        .order_by(Assignment.position)
    ).all()
    if not any(r.annotator_id == leaver.id for r in rows):
        raise Invalid(f"{leaving} has no work in this batch")
    queues: dict[int, list[int]] = {}
    unfinished: dict[int, set[int]] = {}
    position: dict[int, int] = {}
    for r in rows:
        queues.setdefault(r.annotator_id, []).append(r.sentence_id)
        position[r.sentence_id] = r.position
        if not r.finished:
            unfinished.setdefault(r.annotator_id, set()).add(r.sentence_id)
    try:
        moved = reassign(queues, unfinished, leaver.id, [t.id for t in targets])
    except AllocationError as err:
        raise Invalid(str(err)) from None
    session.execute(
        delete(Assignment).where(
            Assignment.batch_id == batch_id,
            Assignment.annotator_id == leaver.id,
            Assignment.finished.is_(False),
        )
    )
    new_rows = [(batch_id, uid, sid, position[sid]) for uid, sids in moved.items() for sid in sids]
    if new_rows:
        _insert_assignments(session, new_rows)
        _mark_already_finished(session, batch_id)
    ensure_members(session, batch.project_id, moved)
    names = {t.id: t.username for t in targets}
    return {names[uid]: len(sids) for uid, sids in moved.items()}


def batch_has_annotations(session: Session, batch_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(
                Annotation,
                (Annotation.sentence_id == Assignment.sentence_id)
                & (Annotation.annotator_id == Assignment.annotator_id),
            )
            .where(Assignment.batch_id == batch_id)
        )
    )


def remove_batch(session: Session, batch_id: int, *, confirm: bool = False) -> str:
    """Delete a batch that nobody has worked on; archive one with annotations (on confirm).

    Archiving keeps every annotation (still exportable) and frees the sentences for new batches.

    Returns:
        "deleted" or "archived".

    Raises:
        Conflict: the batch has annotations and ``confirm`` was not given.
    """
    batch = get_batch(session, batch_id)
    if batch_has_annotations(session, batch_id):
        if not confirm:
            raise Conflict(
                "this batch has annotations; confirm to archive it (annotations are kept)"
            )
        batch.archived_at = utcnow()
        session.flush()
        return "archived"
    session.execute(delete(Assignment).where(Assignment.batch_id == batch_id))
    session.execute(delete(BatchSentence).where(BatchSentence.batch_id == batch_id))
    session.delete(batch)
    session.flush()
    return "deleted"
