"""Progress of batches for the dashboard and the home page: counts, times, throughput, flags."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, case, cast, exists, func, select
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
    # Seconds spent on each done sentence (the totals' median is taken over all of them).
    done_seconds: tuple[float, ...] = field(default=(), repr=False, compare=False)

    @property
    def remaining(self) -> int:
        return self.assigned - self.done - self.skipped


def batch_progress(
    session: Session, project_id: int, *, user_id: int | None = None,
    batch_id: int | None = None, include_archived: bool = False,
) -> list[Progress]:
    """Per batch and annotator: assigned, done, skipped, flagged, median time, last activity.

    Two reads instead of one outer join of every assignment with its annotation: the
    assignments are only counted (a covering index), and the figures that need an annotation
    come from the annotations, which are few where assignments are many (a batch of 200,000
    sentences x 2 of which 20,000 are annotated: about 5x less work, see docs/benchmarks.md).
    """
    batches = select(Batch.id).where(Batch.project_id == project_id)
    if not include_archived:
        batches = batches.where(Batch.archived_at.is_(None))
    if batch_id is not None:
        batches = batches.where(Batch.id == batch_id)
    assigned = (
        select(Assignment.batch_id, Assignment.annotator_id, func.count())
        .where(Assignment.batch_id.in_(batches))
        .group_by(Assignment.annotator_id, Assignment.batch_id)
    )
    if user_id is not None:
        assigned = assigned.where(Assignment.annotator_id == user_id)
    counts = session.execute(assigned).all()
    if not counts:
        return []
    names = dict(session.execute(
        select(User.id, User.username).where(User.id.in_({uid for _, uid, _ in counts}))
    ).all())
    names_of_batches = dict(session.execute(
        select(Batch.id, Batch.name).where(Batch.id.in_({bid for bid, _, _ in counts}))
    ).all())
    work = _annotated_work(session, batches, user_id)
    untyped = untyped_counts(session, project_id, user_id=user_id, batch_id=batch_id,
                             include_archived=include_archived)
    untyped_what = describe_untyped(project_expected_attributes(session, project_id))
    result = []
    for bid, uid, number in counts:
        w = work.get((bid, uid), _Work())
        result.append(
            Progress(
                batch_id=bid, batch_name=names_of_batches[bid], annotator=names[uid],
                assigned=number, done=w.done, skipped=w.skipped, flagged=w.flagged,
                in_progress=w.in_progress,
                median_seconds=statistics.median(w.spent) if w.spent else None,
                last_activity=w.last, untyped=untyped.get((bid, uid), 0),
                untyped_what=untyped_what, project_id=project_id, done_seconds=tuple(w.spent),
            )
        )
    result.sort(key=lambda p: (p.batch_id, p.annotator))
    return result


@dataclass
class _Work:
    """What one annotator did on one batch's sentences (from their annotations)."""

    done: int = 0
    skipped: int = 0
    flagged: int = 0
    in_progress: int = 0
    last: datetime | None = None
    spent: list[float] = field(default_factory=list)  # seconds, per done sentence


def _annotated_work(
    session: Session, batches: Select[Any], user_id: int | None
) -> dict[tuple[int, int], _Work]:
    """(batch id, annotator id) -> their work, read from their annotations of batch sentences
    in one grouped query: the counts, and the seconds of each done sentence joined into one
    string per group (for the medians; SQLite's ``group_concat``, PostgreSQL's
    ``string_agg``), so that the annotations are joined to their assignments once."""
    def status_is(value: str) -> Any:
        return func.sum(case((Annotation.status == value, 1), else_=0))

    # The batches are the project's, so their assignments' sentences are too: no join with
    # the sentences is needed to keep to the project.
    done_seconds = case((Annotation.status == "done", cast(Annotation.time_spent, String)))
    grouped = (
        select(
            Assignment.batch_id, Assignment.annotator_id,
            status_is("done"), status_is("skipped"), status_is("in_progress"),
            func.sum(case((Annotation.flagged.is_(True), 1), else_=0)),
            func.max(Annotation.updated_at),
            func.aggregate_strings(done_seconds, ","),
        )
        .select_from(Annotation)
        .join(
            Assignment,
            (Assignment.sentence_id == Annotation.sentence_id)
            & (Assignment.annotator_id == Annotation.annotator_id),
        )
        .where(Assignment.batch_id.in_(batches))
        .group_by(Assignment.batch_id, Assignment.annotator_id)
    )
    if user_id is not None:
        grouped = grouped.where(Annotation.annotator_id == user_id)
    out: dict[tuple[int, int], _Work] = {}
    for bid, uid, done, skipped, started, flagged, last, seconds in session.execute(grouped):
        out[bid, uid] = _Work(
            done or 0, skipped or 0, flagged or 0, started or 0,
            last if isinstance(last, datetime) else None,
            [float(x) for x in seconds.split(",")] if seconds else [],
        )
    return out


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
    spent_by_batch: dict[int, list[float]] = {}
    for p in per_annotator:
        spent_by_batch.setdefault(p.batch_id, []).extend(p.done_seconds)
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


FLAGS_SHOWN = 50  # the dashboard lists the most recent flags; the sentence list filters them all


def list_flags(
    session: Session, project_id: int, *, limit: int | None = None
) -> tuple[list[FlagRow], int]:
    """The ``limit`` most recently changed flagged annotations of the project, and how many
    are flagged in all (the dashboard's list stays the same size however many there are)."""
    flagged = (Sentence.project_id == project_id, Annotation.flagged.is_(True))
    total = session.scalar(
        select(func.count(Annotation.id))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*flagged)
    ) or 0
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
        .where(*flagged)
        .order_by(Annotation.updated_at.desc(), Annotation.id.desc())
        .limit(FLAGS_SHOWN if limit is None else limit)
    ).all()
    return [FlagRow(r[0], r[1], r[2] or "", r[3], r[4], r[5]) for r in rows], total


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
    """Batch id -> the names of everyone holding work in it (deactivated accounts included).

    The distinct (batch, annotator) pairs come from the assignments' unique index alone (a
    batch of 200,000 sentences x 2 has ten pairs, not 400,000 rows to join with users)."""
    pairs = session.execute(
        select(Assignment.batch_id, Assignment.annotator_id)
        .where(Assignment.batch_id.in_(select(Batch.id).where(Batch.project_id == project_id)))
        .distinct()
    ).all()
    names = dict(session.execute(
        select(User.id, User.username).where(User.id.in_({uid for _, uid in pairs}))
    ).all()) if pairs else {}
    out: dict[int, list[str]] = {}
    for batch_id, annotator_id in sorted(pairs, key=lambda p: (p[0], names[p[1]])):
        out.setdefault(batch_id, []).append(names[annotator_id])
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


def count_batch_sentences(session: Session, batch_id: int) -> int:
    """How many sentences the batch holds."""
    return session.scalar(
        select(func.count()).select_from(BatchSentence).where(BatchSentence.batch_id == batch_id)
    ) or 0
