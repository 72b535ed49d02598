"""An annotator's finished work: the sentences they marked done or skipped, to reopen one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation, SpanRow, Status
from annotator.assignments.models import Assignment, Batch
from annotator.corpus.models import Document, Sentence

FINISHED = (Status.DONE.value, Status.SKIPPED.value)


@dataclass(frozen=True)
class FinishedRow:
    sentence_id: int
    document_title: str
    index: int  # the sentence's place in its article, 0-based
    text: str
    status: str
    spans: int
    flagged: bool
    flag_comment: str | None
    updated_at: datetime


@dataclass(frozen=True)
class FinishedPage:
    rows: list[FinishedRow]
    total: int
    page: int
    pages: int
    batches: list[tuple[int, str]]  # the user's live batches in the project, for the filter
    counts: dict[str, int]  # done / skipped over the whole selection (status filter aside)


def list_finished(
    session: Session, user_id: int, project_id: int, *, batch_id: int | None = None,
    status: str | None = None, page: int = 1, per_page: int = 50,
) -> FinishedPage:
    """One page of the user's done or skipped sentences in the project, latest change first.

    ``batch_id`` narrows to the sentences that batch gives the user; ``status`` to one status.
    """
    where = [
        Annotation.annotator_id == user_id,
        Annotation.status.in_(FINISHED),
        Sentence.project_id == project_id,
    ]
    if batch_id is not None:
        in_batch = select(Assignment.sentence_id).where(
            Assignment.annotator_id == user_id, Assignment.batch_id == batch_id
        )
        where.append(Sentence.id.in_(in_batch))
    base = select(Annotation.id).join(Sentence, Sentence.id == Annotation.sentence_id)
    counts = dict(session.execute(
        select(Annotation.status, func.count())
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(*where).group_by(Annotation.status)
    ).all())
    if status in FINISHED:
        where.append(Annotation.status == status)
    total = session.scalar(select(func.count()).select_from(base.where(*where).subquery())) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    span_count = (
        select(func.count()).where(SpanRow.annotation_id == Annotation.id).scalar_subquery()
    )
    rows = session.execute(
        select(
            Sentence.id, Document.title, Sentence.index,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Annotation.status, span_count, Annotation.flagged, Annotation.flag_comment,
            Annotation.updated_at,
        )
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .where(*where)
        .order_by(Annotation.updated_at.desc(), Sentence.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    batches = session.execute(
        select(Batch.id, Batch.name)
        .where(
            Batch.project_id == project_id, Batch.archived_at.is_(None),
            Batch.id.in_(select(Assignment.batch_id).where(Assignment.annotator_id == user_id)),
        )
        .order_by(Batch.id)
    ).all()
    return FinishedPage(
        rows=[FinishedRow(*r) for r in rows], total=total, page=page, pages=pages,
        batches=[(b[0], b[1]) for b in batches],
        counts={s: counts.get(s, 0) for s in FINISHED},
    )
