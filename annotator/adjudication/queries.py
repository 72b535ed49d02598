"""Gather annotators' spans from the database as plain items for the agreement library."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from annotator.annotation.models import Annotation, Span
from annotator.assignments.models import Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence

# Only finished work counts: an in-progress annotation is a draft, and a skipped sentence
# was not read to the end; both are missing data (absent), never "marked nothing".
COUNTED_STATUS = "done"


def agreement_items(
    session, project_id: int, *, batch_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``{"id", "text", "annotations": {user: [span dicts]}, "group"}`` per sentence.

    A sentence appears when at least one annotator marked it done. ``group`` is the sentence's
    batch (the newest live one) or None. Reads in a few bulk queries, not one per sentence.
    """
    sentence_q = (
        select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
        .where(Sentence.project_id == project_id)
        .order_by(Sentence.document_id, Sentence.index)
    )
    if batch_id is not None:
        sentence_q = sentence_q.join(BatchSentence, BatchSentence.sentence_id == Sentence.id).where(
            BatchSentence.batch_id == batch_id
        )
    annotations_q = (
        select(Annotation.id, Annotation.sentence_id, User.username)
        .join(User, User.id == Annotation.annotator_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS)
    )
    spans_q = (
        select(Span.annotation_id, Span.start, Span.end, Span.label, Span.attributes)
        .join(Annotation, Annotation.id == Span.annotation_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS)
    )
    if batch_id is not None:
        in_batch = select(BatchSentence.sentence_id).where(BatchSentence.batch_id == batch_id)
        annotations_q = annotations_q.where(Annotation.sentence_id.in_(in_batch))
        spans_q = spans_q.where(Annotation.sentence_id.in_(in_batch))
    by_sentence: dict[int, dict[str, int]] = {}
    for ann_id, sentence_id, username in session.execute(annotations_q):
        by_sentence.setdefault(sentence_id, {})[username] = ann_id
    if not by_sentence:
        return
    spans: dict[int, list[dict[str, Any]]] = {}
    for ann_id, start, end, label, attributes in session.execute(spans_q):
        spans.setdefault(ann_id, []).append(
            {"start": start, "end": end, "label": label, "attributes": attributes or {}}
        )
    groups: dict[int, int] = {}
    group_q = (
        select(BatchSentence.sentence_id, BatchSentence.batch_id)
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(Batch.project_id == project_id)
        .order_by(BatchSentence.batch_id)
    )
    for sentence_id, bid in session.execute(group_q):
        groups[sentence_id] = bid
    texts: dict[int, str] = {
        doc_id: text
        for doc_id, text in session.execute(
            select(Document.id, Document.text).where(Document.project_id == project_id)
        )
    }
    for sentence_id, document_id, start, end in session.execute(sentence_q).all():
        annotators = by_sentence.get(sentence_id)
        if not annotators:
            continue
        yield {
            "id": sentence_id,
            "text": texts[document_id][start:end],
            "annotations": {
                user: sorted(spans.get(ann_id, []), key=lambda s: (s["start"], s["end"]))
                for user, ann_id in sorted(annotators.items())
            },
            "group": groups.get(sentence_id),
        }
