"""What the adjudication queue and the "my labels vs gold" pages show, one call per page.

The queue page may assign pseudonyms to annotators seen for the first time (``blinding``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.adjudication.arguments import in_words
from annotator.adjudication.blinding import names_for, resolve_annotator
from annotator.adjudication.conflicts import segments
from annotator.adjudication.feedback import (
    Feedback,
    annotator_feedback,
    project_annotators,
)
from annotator.adjudication.queries import GoldCounts, gold_counts
from annotator.adjudication.queue import Queue, QueueItem, list_queue, with_texts
from annotator.annotation.queries import get_schema
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
    annotators: list[str]  # the annotator filter's choices, as the viewer sees them


def resolved(session: Session, viewer: User, project_id: int,
             filters: dict[str, str]) -> dict[str, str]:
    """The queue filters with ``annotator`` (a name or a pseudonym) turned into a user name."""
    if "annotator" not in filters:
        return filters
    return {**filters, "annotator": resolve_annotator(session, viewer, project_id,
                                                      filters["annotator"])}


def queue_page(session: Session, viewer: User, project_id: int, filters: dict[str, str],
               page: int) -> QueuePage:
    """One page of the project's conflict queue under ``filters``, with the gold counts."""
    queue = list_queue(session, project_id, **resolved(session, viewer, project_id, filters))
    names = names_for(session, viewer, project_id, queue.annotators)
    shown = queue.items[(page - 1) * PER_PAGE : page * PER_PAGE]
    return QueuePage(
        queue=queue,
        items=with_texts(session, shown),
        page=page,
        pages=max((len(queue.items) + PER_PAGE - 1) // PER_PAGE, 1),
        counts=gold_counts(session, project_id),
        batches=list(session.scalars(
            select(Batch).where(Batch.project_id == project_id).order_by(Batch.id))),
        show_names=names.shown,
        annotators=[names.label(n) for n in names.order(queue.annotators)],
    )


@dataclass(frozen=True)
class FeedbackPage:
    feedback: Feedback
    # each sentence's own spans and gold, cut for display, and both sides' arguments in words
    differences: list[dict[str, Any]]
    people: list[User]  # whose feedback an admin may open instead


def feedback_page(session: Session, project_id: int, user_id: int, *,
                  list_people: bool) -> FeedbackPage:
    """An annotator's scores against gold and the sentences where they differ."""
    feedback = annotator_feedback(session, project_id, user_id)
    schema = get_schema(session, project_id)
    return FeedbackPage(
        feedback=feedback,
        differences=[
            {"sentence_id": d.sentence_id, "mine": segments(d.text, d.mine),
             "gold": segments(d.text, d.gold),
             "mine_links": in_words(d.mine_relations, d.mine, d.text, schema),
             "gold_links": in_words(d.gold_relations, d.gold, d.text, schema)}
            for d in feedback.differences
        ],
        people=project_annotators(session, project_id) if list_people else [],
    )

