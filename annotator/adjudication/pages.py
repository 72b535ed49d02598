"""What the adjudication queue and the "my labels vs gold" pages show, one call per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.adjudication.conflicts import segments
from annotator.adjudication.feedback import Feedback, annotator_feedback, project_annotators
from annotator.adjudication.queries import GoldCounts, get_show_names, gold_counts
from annotator.adjudication.queue import Queue, QueueItem, list_queue, with_texts
from annotator.assignments.models import Batch
from annotator.auth.models import User

PER_PAGE = 50


@dataclass(frozen=True)
class QueuePage:
    queue: Queue
    items: list[QueueItem]  # this page's, with their texts
    page: int
    pages: int
    counts: GoldCounts
    batches: list[Batch]
    show_names: bool


def queue_page(session: Session, project_id: int, filters: dict[str, str],
               page: int) -> QueuePage:
    """One page of the project's conflict queue under ``filters``, with the gold counts."""
    queue = list_queue(session, project_id, **filters)
    shown = queue.items[(page - 1) * PER_PAGE : page * PER_PAGE]
    return QueuePage(
        queue=queue,
        items=with_texts(session, shown),
        page=page,
        pages=max((len(queue.items) + PER_PAGE - 1) // PER_PAGE, 1),
        counts=gold_counts(session, project_id),
        batches=list(session.scalars(
            select(Batch).where(Batch.project_id == project_id).order_by(Batch.id))),
        show_names=get_show_names(session, project_id),
    )


@dataclass(frozen=True)
class FeedbackPage:
    feedback: Feedback
    differences: list[dict[str, Any]]  # each sentence's own spans and gold, cut for display
    people: list[User]  # whose feedback an admin may open instead


def feedback_page(session: Session, project_id: int, user_id: int, *,
                  list_people: bool) -> FeedbackPage:
    """An annotator's scores against gold and the sentences where they differ."""
    feedback = annotator_feedback(session, project_id, user_id)
    return FeedbackPage(
        feedback=feedback,
        differences=[
            {"sentence_id": d.sentence_id, "mine": segments(d.text, d.mine),
             "gold": segments(d.text, d.gold)}
            for d in feedback.differences
        ],
        people=project_annotators(session, project_id) if list_people else [],
    )
