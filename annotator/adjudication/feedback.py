"""An annotator against gold: scores per label and per role, the sentences that differ (reads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.adjudication.arguments import score_arguments
from annotator.adjudication.conflicts import PRF, score_against_gold
from annotator.adjudication.input import CHUNK, sentence_texts, to_span
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.relations import Relation
from annotator.reports.counted import COUNTED_SENTENCE, COUNTED_STATUS
from annotator.spans import Span


@dataclass(frozen=True)
class Difference:
    sentence_id: int
    text: str
    mine: list[Span]
    gold: list[Span]
    mine_relations: list[Relation] = field(default_factory=list)
    gold_relations: list[Relation] = field(default_factory=list)


@dataclass(frozen=True)
class Feedback:
    per_label: dict[str, PRF]
    overall: PRF
    sentences: int  # sentences compared: complete gold that this annotator finished
    differences: list[Difference]  # the first MAX_DIFFERENCES, in reading order
    more_differences: int
    # event arguments (relations) against gold's, per role and overall: exact tuples
    per_role: dict[str, PRF] = field(default_factory=dict)
    arguments: PRF = PRF(0, 0, 0)


MAX_DIFFERENCES = 200


def annotator_feedback(session: Session, project_id: int, user_id: int) -> Feedback:
    """One annotator's spans and event arguments scored against complete gold, with the
    sentences that differ (in spans or in arguments)."""
    rows = session.execute(
        select(Sentence.id, GoldSentence.id, Annotation.id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .join(Annotation, Annotation.sentence_id == Sentence.id)
        .where(
            Sentence.project_id == project_id,
            GoldSentence.status == "complete",
            Annotation.annotator_id == user_id,
            Annotation.status == COUNTED_STATUS,
            COUNTED_SENTENCE,
        )
        .order_by(Sentence.document_id, Sentence.index)
    ).all()
    gold_spans, mine = _spans_of(session, rows)
    gold_links, my_links = _relations_of(session, rows)
    pairs = [(gold_spans.get(g, []), mine.get(a, [])) for _, g, a in rows]
    links = [(gold_links.get(g, []), my_links.get(a, [])) for _, g, a in rows]
    per_label, overall = score_against_gold(pairs)
    per_role, arguments = score_arguments(links)
    differing = [
        (sentence_id, gold, own, gold_rel, own_rel)
        for (sentence_id, _, _), (gold, own), (gold_rel, own_rel)
        in zip(rows, pairs, links, strict=True)
        if {(s.start, s.end, s.label) for s in gold} != {(s.start, s.end, s.label) for s in own}
        or set(gold_rel) != set(own_rel)
    ]
    shown = differing[:MAX_DIFFERENCES]
    texts = sentence_texts(session, [d[0] for d in shown])
    return Feedback(
        per_label=per_label,
        overall=overall,
        sentences=len(rows),
        differences=[Difference(sid, texts[sid], own, gold, sorted(own_rel), sorted(gold_rel))
                     for sid, gold, own, gold_rel, own_rel in shown],
        more_differences=len(differing) - len(shown),
        per_role=per_role,
        arguments=arguments,
    )


def _spans_of(
    session: Session, rows: Sequence[Any]
) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    """Gold spans per gold id and the annotator's spans per annotation id, for these rows."""
    gold_spans: dict[int, list[Span]] = {}
    mine: dict[int, list[Span]] = {}
    for chunk_start in range(0, len(rows), CHUNK):
        chunk = rows[chunk_start : chunk_start + CHUNK]
        for gold_id, start, end, label, attributes in session.execute(
            select(GoldSpanRow.gold_id, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label,
                   GoldSpanRow.attributes)
            .where(GoldSpanRow.gold_id.in_([r[1] for r in chunk]))
            .order_by(GoldSpanRow.start)
        ):
            gold_spans.setdefault(gold_id, []).append(to_span(start, end, label, attributes))
        for ann_id, start, end, label, attributes in session.execute(
            select(SpanRow.annotation_id, SpanRow.start, SpanRow.end, SpanRow.label,
                   SpanRow.attributes)
            .where(SpanRow.annotation_id.in_([r[2] for r in chunk]))
            .order_by(SpanRow.start)
        ):
            mine.setdefault(ann_id, []).append(to_span(start, end, label, attributes))
    return gold_spans, mine


def _relations_of(
    session: Session, rows: Sequence[Any]
) -> tuple[dict[int, list[Relation]], dict[int, list[Relation]]]:
    """Gold relations per gold id and the annotator's relations per annotation id."""
    gold: dict[int, list[Relation]] = {}
    mine: dict[int, list[Relation]] = {}
    for chunk_start in range(0, len(rows), CHUNK):
        chunk = rows[chunk_start : chunk_start + CHUNK]
        for table, owner, ids, into in (
            (GoldRelationRow, GoldRelationRow.gold_id, [r[1] for r in chunk], gold),
            (RelationRow, RelationRow.annotation_id, [r[2] for r in chunk], mine),
        ):
            for key, head_start, head_end, role, child_start, child_end in session.execute(
                select(owner, table.head_start, table.head_end, table.role, table.child_start,
                       table.child_end).where(owner.in_(ids))
            ):
                into.setdefault(key, []).append(
                    Relation(head_start, head_end, role, child_start, child_end))
    return gold, mine


def project_annotators(session: Session, project_id: int) -> list[User]:
    """Users with at least one finished annotation in the project, by name."""
    annotated = (
        select(Annotation.annotator_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
        .distinct()
    )
    return list(session.scalars(select(User).where(User.id.in_(annotated)).order_by(User.username)))
