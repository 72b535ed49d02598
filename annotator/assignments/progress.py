"""Progress of batches for the dashboard and the home page: counts, times, throughput, flags."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import (
    case,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.assignments.untyped import (
    describe_untyped,
    project_expected_attributes,
    untyped_counts,
)
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project


@dataclass(frozen=True)
class Progress:
    batch_id: int
    batch_name: str
    annotator: str
    assigned: int
    done: int
    skipped: int
    flagged: int
    in_progress: int
    median_seconds: float | None
    last_activity: datetime | None
    # Spans lacking an expected attribute (EVENT without event_type): see expected_attributes.
    untyped: int = 0
    untyped_what: str = ""  # describe_untyped(): what ``untyped`` counts, for the page
    project_id: int = 0

    @property
    def remaining(self) -> int:
        return self.assigned - self.done - self.skipped


def batch_progress(
    session: Session, project_id: int, *, user_id: int | None = None,
    include_archived: bool = False,
) -> list[Progress]:
    """Per batch and annotator: assigned, done, skipped, flagged, median time, last activity."""
    query = (
        select(
            Batch.id,
            Batch.name,
            User.username,
            Assignment.annotator_id,
            func.count(Assignment.id),
            func.sum(case((Annotation.status == "done", 1), else_=0)),
            func.sum(case((Annotation.status == "skipped", 1), else_=0)),
            func.sum(case((Annotation.flagged.is_(True), 1), else_=0)),
            func.sum(case((Annotation.status == "in_progress", 1), else_=0)),
            func.max(Annotation.updated_at),
        )
        .join(Assignment, Assignment.batch_id == Batch.id)
        .join(User, User.id == Assignment.annotator_id)
        .outerjoin(
            Annotation,
            (Annotation.sentence_id == Assignment.sentence_id)
            & (Annotation.annotator_id == Assignment.annotator_id),
        )
        .where(Batch.project_id == project_id)
        .group_by(Batch.id, Batch.name, User.username, Assignment.annotator_id)
        .order_by(Batch.id, User.username)
    )
    if not include_archived:
        query = query.where(Batch.archived_at.is_(None))
    if user_id is not None:
        query = query.where(Assignment.annotator_id == user_id)
    rows = session.execute(query).all()
    times = _finished_times(session, project_id, user_id)
    untyped = untyped_counts(
        session, project_id, user_id=user_id, include_archived=include_archived
    )
    untyped_what = describe_untyped(project_expected_attributes(session, project_id))
    result = []
    for bid, bname, username, uid, assigned, done, skipped, flagged, started, last in rows:
        spent = times.get((bid, uid), [])
        result.append(
            Progress(
                batch_id=bid, batch_name=bname, annotator=username, assigned=assigned,
                done=done or 0, skipped=skipped or 0, flagged=flagged or 0,
                in_progress=started or 0,
                median_seconds=statistics.median(spent) if spent else None,
                last_activity=last if isinstance(last, datetime) else None,
                untyped=untyped.get((bid, uid), 0), untyped_what=untyped_what,
                project_id=project_id,
            )
        )
    return result


ALL_ANNOTATORS = "all annotators"


def batch_totals(
    session: Session, project_id: int, *, include_archived: bool = False,
    per_annotator: list[Progress] | None = None,
) -> list[Progress]:
    """Per batch (every annotator together): the same figures as ``batch_progress``.

    The median is taken over every done sentence of the batch, not over per-person medians.
    ``per_annotator`` is ``batch_progress``'s answer when the caller has it already (the
    dashboard shows both tables), so its queries do not run twice.
    """
    if per_annotator is None:
        per_annotator = batch_progress(session, project_id, include_archived=include_archived)
    times = _finished_times(session, project_id, None)
    spent_by_batch: dict[int, list[float]] = {}
    for (bid, _uid), spent in times.items():
        spent_by_batch.setdefault(bid, []).extend(spent)
    totals: dict[int, Progress] = {}
    for p in per_annotator:
        t = totals.get(p.batch_id)
        if t is None:
            totals[p.batch_id] = replace(p, annotator=ALL_ANNOTATORS)
            continue
        activity = [x for x in (t.last_activity, p.last_activity) if x is not None]
        totals[p.batch_id] = replace(
            t, assigned=t.assigned + p.assigned, done=t.done + p.done,
            skipped=t.skipped + p.skipped, flagged=t.flagged + p.flagged,
            in_progress=t.in_progress + p.in_progress,
            last_activity=max(activity) if activity else None,
            untyped=t.untyped + p.untyped,
        )
    return [
        replace(t, median_seconds=statistics.median(spent_by_batch[bid])
                if spent_by_batch.get(bid) else None)
        for bid, t in totals.items()
    ]


def _finished_times(
    session: Session, project_id: int, user_id: int | None
) -> dict[tuple[int, int], list[float]]:
    query = (
        select(Assignment.batch_id, Assignment.annotator_id, Annotation.time_spent)
        .join(Batch, Batch.id == Assignment.batch_id)
        .join(
            Annotation,
            (Annotation.sentence_id == Assignment.sentence_id)
            & (Annotation.annotator_id == Assignment.annotator_id),
        )
        .where(Batch.project_id == project_id, Annotation.status == "done")
    )
    if user_id is not None:
        query = query.where(Assignment.annotator_id == user_id)
    out: dict[tuple[int, int], list[float]] = {}
    for bid, uid, spent in session.execute(query):
        out.setdefault((bid, uid), []).append(spent)
    return out


def utc_day(session: Session, column):
    """The UTC calendar day of a timestamp column, as SQL, for the session's database.

    PostgreSQL stores ``timestamptz`` and ``date()`` would use the connection's time zone,
    so the value is first converted to UTC; SQLite stores the UTC time as text already.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    if dialect == "sqlite":
        return func.date(column)
    raise NotImplementedError(f"no UTC day expression for {dialect}")


def daily_throughput(session: Session, project_id: int) -> list[tuple[date, int]]:
    """Sentences finished (done or skipped) per UTC day, by the day of their last change."""
    day = utc_day(session, Annotation.updated_at)
    rows = session.execute(
        select(day, func.count())
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status.in_(["done", "skipped"]))
        .group_by(day)
        .order_by(day)
    ).all()
    return [(d if isinstance(d, date) else date.fromisoformat(str(d)), n) for d, n in rows]


@dataclass(frozen=True)
class FlagRow:
    sentence_id: int
    annotator: str
    comment: str
    text: str
    document_title: str
    updated_at: datetime


def list_flags(session: Session, project_id: int) -> list[FlagRow]:
    rows = session.execute(
        select(
            Annotation.sentence_id,
            User.username,
            Annotation.flag_comment,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Document.title,
            Annotation.updated_at,
        )
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .join(User, User.id == Annotation.annotator_id)
        .where(Sentence.project_id == project_id, Annotation.flagged.is_(True))
        .order_by(Annotation.updated_at.desc())
    ).all()
    return [FlagRow(r[0], r[1], r[2] or "", r[3], r[4], r[5]) for r in rows]


def list_batches(session: Session, project_id: int) -> list[tuple[Batch, int]]:
    """The project's batches (newest first) with their sentence counts."""
    rows = session.execute(
        select(Batch, func.count(BatchSentence.id))
        .outerjoin(BatchSentence, BatchSentence.batch_id == Batch.id)
        .where(Batch.project_id == project_id)
        .group_by(Batch.id)
        .order_by(Batch.id.desc())
    ).all()
    return [(b, n) for b, n in rows]


def batch_annotators(session: Session, project_id: int) -> dict[int, list[str]]:
    """Batch id -> the names of everyone holding work in it (deactivated accounts included)."""
    rows = session.execute(
        select(Assignment.batch_id, User.username)
        .join(Batch, Batch.id == Assignment.batch_id)
        .join(User, User.id == Assignment.annotator_id)
        .where(Batch.project_id == project_id)
        .distinct()
        .order_by(Assignment.batch_id, User.username)
    ).all()
    out: dict[int, list[str]] = {}
    for batch_id, username in rows:
        out.setdefault(batch_id, []).append(username)
    return out


def has_work_in(session: Session, user_id: int, batch_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists(
                    select(Assignment.id).where(
                        Assignment.annotator_id == user_id, Assignment.batch_id == batch_id
                    )
                )
            )
        )
    )


@dataclass(frozen=True)
class MyBatch:
    project_name: str
    progress: Progress


def list_my_batches(session: Session, user_id: int) -> list[MyBatch]:
    """The user's live batches in every project, with their progress."""
    projects = session.execute(
        select(Project.id, Project.name)
        .join(Batch, Batch.project_id == Project.id)
        .join(Assignment, Assignment.batch_id == Batch.id)
        .where(Assignment.annotator_id == user_id, Batch.archived_at.is_(None))
        .distinct()
        .order_by(Project.name)
    ).all()
    out: list[MyBatch] = []
    for pid, pname in projects:
        out.extend(MyBatch(pname, p) for p in batch_progress(session, pid, user_id=user_id))
    return out
