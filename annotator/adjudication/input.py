"""What adjudication reads: annotators' finished spans, decided regions, sentence texts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.conflicts import Outcome, adjudicate
from annotator.adjudication.models import GoldDecision, GoldSentence
from annotator.annotation.models import Annotation, SpanRow
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.reports.counted import COUNTED_STATUS
from annotator.spans import Span

CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """Split ``ids`` into runs of at most CHUNK."""
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def to_span(start: int, end: int, label: str, attributes: dict[str, Any] | None) -> Span:
    """A stored span as the pure value type (attributes without unset values, sorted)."""
    attrs = tuple(sorted((k, v) for k, v in (attributes or {}).items() if v is not None))
    return Span(start, end, label, attrs)


def sentence_annotations(
    session: Session, sentence_ids: Sequence[int]
) -> dict[int, dict[str, list[Span]]]:
    """Every finished annotation of these sentences: sentence id -> {user name: spans}."""
    result: dict[int, dict[str, list[Span]]] = {}
    for chunk in chunks(list(sentence_ids)):
        rows = session.execute(
            select(Annotation.id, Annotation.sentence_id, User.username)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.sentence_id.in_(chunk), Annotation.status == COUNTED_STATUS)
        ).all()
        owner: dict[int, tuple[int, str]] = {}
        for ann_id, sentence_id, username in rows:
            result.setdefault(sentence_id, {})[username] = []
            owner[ann_id] = (sentence_id, username)
        if not owner:
            continue
        for ann_id, start, end, label, attributes in session.execute(
            select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label,
                   SpanRow.attributes)
            .where(SpanRow.annotation_id.in_(list(owner)))
            .order_by(SpanRow.annotation_id, SpanRow.start)
        ):
            sentence_id, username = owner[ann_id]
            result[sentence_id][username].append(to_span(start, end, label, attributes))
    return result


def decided_regions(session: Session, gold_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Regions curators decided, per gold record."""
    result: dict[int, list[tuple[int, int]]] = {}
    for chunk in chunks(list(gold_ids)):
        for gold_id, start, end in session.execute(
            select(GoldDecision.gold_id, GoldDecision.start, GoldDecision.end)
            .where(GoldDecision.gold_id.in_(chunk))
            .order_by(GoldDecision.id)
        ):
            result.setdefault(gold_id, []).append((start, end))
    return result


def effective_min_agree(gold: GoldSentence | None, voters: int) -> int:
    """Votes that settle a span on this sentence: the automatic pass's M, else everyone.

    Capped at the number of annotators, since an annotation can be reopened after the pass.
    """
    wanted = gold.min_agree if gold is not None and gold.min_agree else voters
    return max(1, min(wanted, voters))


def sentence_outcome(
    session: Session, sentence_id: int, gold: GoldSentence | None
) -> tuple[Outcome, list[tuple[int, int]], dict[str, list[Span]]]:
    """The sentence's accepted spans and conflicts now, the decided regions, the annotations."""
    annotations = sentence_annotations(session, [sentence_id]).get(sentence_id, {})
    outcome = adjudicate(annotations, effective_min_agree(gold, len(annotations)))
    decided = decided_regions(session, [gold.id]).get(gold.id, []) if gold is not None else []
    return outcome, decided, annotations


def sentence_texts(session: Session, sentence_ids: Sequence[int]) -> dict[int, str]:
    """The text of each sentence, cut from its document in the database."""
    texts: dict[int, str] = {}
    for chunk in chunks(list(sentence_ids)):
        for sentence_id, text in session.execute(
            select(
                Sentence.id,
                func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            )
            .join(Document, Document.id == Sentence.document_id)
            .where(Sentence.id.in_(chunk))
        ):
            texts[sentence_id] = text
    return texts


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    """User name per id (curators named on gold spans)."""
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
