"""An annotator's queue in a batch: the next sentence, neighbours, and who may open what."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    Select,
    bindparam,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session

from annotator.assignments.models import Assignment, Batch


def next_sentence_query(user_id: int | BindParameter, batch_id: int | BindParameter) -> Select:
    """The statement behind ``next_sentence_id`` (bench/ shows its plan)."""
    return (
        select(Assignment.sentence_id)
        .where(
            Assignment.annotator_id == user_id,
            Assignment.batch_id == batch_id,
            Assignment.finished.is_(False),
        )
        .order_by(Assignment.position)
        .limit(1)
    )


def next_sentence_id(session: Session, user_id: int, batch_id: int) -> int | None:
    """The first unfinished sentence of the user's queue in the batch.

    One seek in ix_assignment_queue (annotator, batch, finished, position): the first entry
    with finished false is the answer, however many finished ones precede it.
    """
    return session.scalar(next_sentence_query(user_id, batch_id))


@dataclass(frozen=True)
class QueueAnswer:
    batch_exists: bool
    has_work: bool
    sentence_id: int | None


# Built once with bind parameters (every annotator asks after every sentence): SQLAlchemy
# reuses its cache key and compiled SQL, and a request only binds the two ids.
_QUEUE_NEXT = select(
    Batch.archived_at,
    exists(select(Assignment.id).where(
        Assignment.annotator_id == bindparam("user_id"),
        Assignment.batch_id == bindparam("batch_id"),
    )),
    next_sentence_query(bindparam("user_id"), bindparam("batch_id")).scalar_subquery(),
).where(Batch.id == bindparam("batch_id"))


def queue_next(session: Session, user_id: int, batch_id: int) -> QueueAnswer:
    """Whether the batch exists (and is live), whether the user has work in it, and the next
    unfinished sentence: one round trip, since every annotator asks this after every sentence.
    """
    row = session.execute(_QUEUE_NEXT, {"user_id": user_id, "batch_id": batch_id}).first()
    if row is None or row[0] is not None:  # archived batches have no queue any more
        return QueueAnswer(batch_exists=False, has_work=False, sentence_id=None)
    return QueueAnswer(batch_exists=True, has_work=bool(row[1]), sentence_id=row[2])


def is_assigned(session: Session, user_id: int, sentence_id: int) -> bool:
    """Whether a live batch gives this sentence to this user."""
    return batch_of(session, user_id, sentence_id) is not None


def project_has_batches(session: Session, project_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists(
                    select(Batch.id).where(
                        Batch.project_id == project_id, Batch.archived_at.is_(None)
                    )
                )
            )
        )
    )


def batch_of(session: Session, user_id: int, sentence_id: int) -> int | None:
    """The live batch through which this user has this sentence (the newest, if several)."""
    return session.scalar(
        select(Assignment.batch_id)
        .join(Batch, Batch.id == Assignment.batch_id)
        .where(
            Assignment.annotator_id == user_id,
            Assignment.sentence_id == sentence_id,
            Batch.archived_at.is_(None),
        )
        .order_by(Assignment.batch_id.desc())
        .limit(1)
    )


def queue_neighbours(
    session: Session, user_id: int, batch_id: int, sentence_id: int
) -> tuple[int | None, int | None]:
    """Previous and next sentence of the user's queue around ``sentence_id``."""
    position = session.scalar(
        select(Assignment.position).where(
            Assignment.annotator_id == user_id,
            Assignment.batch_id == batch_id,
            Assignment.sentence_id == sentence_id,
        )
    )
    if position is None:
        return None, None
    base = select(Assignment.sentence_id).where(
        Assignment.annotator_id == user_id, Assignment.batch_id == batch_id
    )
    prev_id = session.scalar(
        base.where(Assignment.position < position).order_by(Assignment.position.desc()).limit(1)
    )
    next_id = session.scalar(
        base.where(Assignment.position > position).order_by(Assignment.position).limit(1)
    )
    return prev_id, next_id


@dataclass(frozen=True)
class QueuePosition:
    """Where a sentence sits in a user's batch queue: "12 of 24 in batch Week 3"."""

    number: int  # 1-based
    total: int
    batch_name: str


def queue_position(
    session: Session, user_id: int, batch_id: int, sentence_id: int
) -> QueuePosition | None:
    """The sentence's place in the user's queue of the batch (None when it is not in it)."""
    mine = select(Assignment.position).where(
        Assignment.annotator_id == user_id, Assignment.batch_id == batch_id,
        Assignment.sentence_id == sentence_id,
    ).scalar_subquery()
    row = session.execute(
        select(
            func.count().filter(Assignment.position <= mine),
            func.count(),
            select(Batch.name).where(Batch.id == batch_id).scalar_subquery(),
            func.count().filter(Assignment.sentence_id == sentence_id),
        ).where(Assignment.annotator_id == user_id, Assignment.batch_id == batch_id)
    ).one()
    if not row[3]:
        return None
    return QueuePosition(number=row[0], total=row[1], batch_name=row[2] or "")
