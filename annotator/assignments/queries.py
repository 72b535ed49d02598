"""Queues, access checks and progress figures for batches."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation, SpanRow
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.schema import LabelSchema


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
    return bool(
        session.scalar(
            select(
                exists(
                    select(Assignment.id)
                    .join(Batch, Batch.id == Assignment.batch_id)
                    .where(
                        Assignment.annotator_id == user_id,
                        Assignment.sentence_id == sentence_id,
                        Batch.archived_at.is_(None),
                    )
                )
            )
        )
    )


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
    from annotator.projects.models import Project

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


# --- spans still lacking an attribute (issue 2: "dashboards count EVENT spans that lack one") ---

# The attribute the span editor asks for as soon as a label that declares it is applied.
PROMPTED_ATTRIBUTE = "event_type"


@dataclass(frozen=True)
class ExpectedAttribute:
    label: str            # label key, e.g. "EVENT"
    attribute: str        # attribute key, e.g. "event_type"
    attribute_name: str   # display name, e.g. "Event type"


def expected_attributes(schema: LabelSchema) -> tuple[ExpectedAttribute, ...]:
    """The (label, attribute) pairs a finished span should carry a value for.

    Saving never requires an attribute (annotators often mark the trigger first), so what a
    dashboard should chase is what the editor prompts for, ``event_type`` wherever a label
    declares it, plus every attribute the schema marks ``required`` (docs/label-schema.md:
    "whether dashboards count spans that lack it"). The default schema gives EVENT/event_type.
    """
    return tuple(
        ExpectedAttribute(label.key, attr.key, attr.name)
        for label in schema.labels
        for attr in label.attributes
        if attr.key == PROMPTED_ATTRIBUTE or attr.required
    )


def describe_untyped(expected: tuple[ExpectedAttribute, ...]) -> str:
    """Words for the spans being counted: "EVENT spans without an event type"."""
    parts = []
    for e in expected:
        name = e.attribute_name.lower()
        article = "an" if name[:1] in "aeiou" else "a"
        parts.append(f"{e.label} spans without {article} {name}")
    return " or ".join(parts)


def untyped_clause(expected: tuple[ExpectedAttribute, ...]) -> ColumnElement[bool]:
    """SQL true for a span lacking one of ``expected``: key absent, JSON null or empty string.

    ``attributes[key].as_string()`` compiles to ``JSON_EXTRACT(attributes, '$."key"')`` on
    SQLite and ``attributes ->> 'key'`` on PostgreSQL; both give NULL for an absent key and
    for JSON null, hence the COALESCE. The label test comes first so that only spans of those
    labels have their JSON parsed.
    """
    if not expected:
        return false()
    return or_(*(
        and_(
            SpanRow.label == e.label,
            func.coalesce(SpanRow.attributes[e.attribute].as_string(), "") == "",
        )
        for e in expected
    ))


def project_expected_attributes(
    session: Session, project_id: int
) -> tuple[ExpectedAttribute, ...]:
    # Imported here: annotation.queries imports this module.
    from annotator.annotation.queries import get_schema

    return expected_attributes(get_schema(session, project_id))


def untyped_counts(
    session: Session, project_id: int, *, user_id: int | None = None,
    include_archived: bool = False,
) -> dict[tuple[int, int], int]:
    """(batch id, annotator id) -> that annotator's spans lacking an expected attribute on the
    batch's sentences, in one grouped query.

    Every status counts (in-progress work is where they pile up); excluded sentences do not
    (they count nowhere until included again). Pairs with no such span are absent.
    """
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return {}
    query = (
        select(Assignment.batch_id, Assignment.annotator_id, func.count(SpanRow.id))
        .select_from(SpanRow)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(
            Assignment,
            (Assignment.sentence_id == Annotation.sentence_id)
            & (Assignment.annotator_id == Annotation.annotator_id),
        )
        .join(Batch, Batch.id == Assignment.batch_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Batch.project_id == project_id, Sentence.excluded.is_(False),
               untyped_clause(expected))
        .group_by(Assignment.batch_id, Assignment.annotator_id)
    )
    if not include_archived:
        query = query.where(Batch.archived_at.is_(None))
    if user_id is not None:
        query = query.where(Assignment.annotator_id == user_id)
    return {(bid, uid): n for bid, uid, n in session.execute(query)}


def _untyped_in_project(project_id: int, expected: tuple[ExpectedAttribute, ...]) -> tuple:
    """WHERE clauses of spans (joined to annotation and sentence) lacking an expected attribute
    in the project's annotatable sentences."""
    return (Sentence.project_id == project_id, Sentence.excluded.is_(False),
            untyped_clause(expected))


def count_untyped(session: Session, project_id: int, *, user_id: int | None = None) -> int:
    """Project-wide: every annotator's (or one user's) spans lacking an expected attribute,
    whatever batch (live, archived, or none: work from before batches existed) holds the
    sentence, each span once; excluded sentences not counted."""
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return 0
    query = (
        select(func.count(SpanRow.id))
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*_untyped_in_project(project_id, expected))
    )
    if user_id is not None:
        query = query.where(Annotation.annotator_id == user_id)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class UntypedRow:
    sentence_id: int
    annotator: str
    status: str
    untyped: int  # spans of this annotation lacking an expected attribute
    text: str
    document_title: str


def list_untyped(
    session: Session, project_id: int, *, batch_id: int | None = None,
    annotator_id: int | None = None, openable_only: bool = False,
    limit: int = 100, offset: int = 0,
) -> tuple[list[UntypedRow], int]:
    """The annotations holding spans that lack an expected attribute, in reading order, and
    how many there are in all.

    Args:
        batch_id: only the sentences this batch gives to the annotation's annotator.
        annotator_id: only this annotator's annotations.
        openable_only: only sentences the annotator may open now (blind annotation: those a
            live batch assigns them), for an annotator's own list; a project without live
            batches lets them open every sentence.
    """
    expected = project_expected_attributes(session, project_id)
    if not expected:
        return [], 0
    base = (
        select(Annotation.id)
        .join(SpanRow, SpanRow.annotation_id == Annotation.id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*_untyped_in_project(project_id, expected))
    )
    if annotator_id is not None:
        base = base.where(Annotation.annotator_id == annotator_id)
    if batch_id is not None:
        base = base.where(exists(select(Assignment.id).where(
            Assignment.batch_id == batch_id,
            Assignment.sentence_id == Annotation.sentence_id,
            Assignment.annotator_id == Annotation.annotator_id,
        )))
    if openable_only and project_has_batches(session, project_id):
        base = base.where(exists(
            select(Assignment.id)
            .join(Batch, Batch.id == Assignment.batch_id)
            .where(
                Assignment.sentence_id == Annotation.sentence_id,
                Assignment.annotator_id == Annotation.annotator_id,
                Batch.archived_at.is_(None),
            )
        ))
    total = session.scalar(
        select(func.count()).select_from(base.group_by(Annotation.id).subquery())
    ) or 0
    grouped = base.add_columns(func.count(SpanRow.id).label("n")).group_by(Annotation.id).subquery()
    rows = session.execute(
        select(
            Annotation.sentence_id,
            User.username,
            Annotation.status,
            grouped.c.n,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Document.title,
        )
        .join(grouped, grouped.c.id == Annotation.id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .join(User, User.id == Annotation.annotator_id)
        .order_by(Sentence.document_id, Sentence.index, User.username)
        .limit(limit)
        .offset(offset)
    ).all()
    return [UntypedRow(*r) for r in rows], total
