"""Reads for adjudication pages: a sentence's gold state and what a curator sees of it.

The queue (``queue.py``) and an annotator's feedback (``feedback.py``) have rooms of their
own; the pages reach every read through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.conflicts import ConflictRegion, Outcome, display_order, is_open
from annotator.adjudication.input import sentence_outcome, user_names
from annotator.adjudication.models import AdjudicationSetting, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation
from annotator.corpus.models import Sentence
from annotator.reports.counted import COUNTED_SENTENCE, COUNTED_STATUS
from annotator.spans import Span


def get_gold(session: Session, sentence_id: int) -> GoldSentence | None:
    """The sentence's gold record, if it has one."""
    return session.scalar(select(GoldSentence).where(GoldSentence.sentence_id == sentence_id))


def get_show_names(session: Session, project_id: int) -> bool:
    """Whether curators of the project see annotators' names."""
    return bool(
        session.scalar(
            select(AdjudicationSetting.show_names).where(
                AdjudicationSetting.project_id == project_id
            )
        )
    )


@dataclass(frozen=True)
class GoldCounts:
    complete: int
    partial: int
    awaiting: int  # sentences with finished annotations but no gold record yet


def gold_counts(session: Session, project_id: int) -> GoldCounts:
    """Gold records of the project by status, and annotated sentences still without one."""
    by_status = dict(
        session.execute(
            select(GoldSentence.status, func.count())
            .join(Sentence, Sentence.id == GoldSentence.sentence_id)
            .where(Sentence.project_id == project_id, COUNTED_SENTENCE)
            .group_by(GoldSentence.status)
        ).all()
    )
    annotated = session.scalar(
        select(func.count(func.distinct(Annotation.sentence_id)))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .outerjoin(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(
            Sentence.project_id == project_id,
            Annotation.status == COUNTED_STATUS,
            GoldSentence.id.is_(None),
            COUNTED_SENTENCE,
        )
    )
    return GoldCounts(by_status.get("complete", 0), by_status.get("partial", 0), annotated or 0)


def gold_state(session: Session, gold: GoldSentence | None) -> dict[str, Any]:
    """The gold of a sentence as the API returns it (version 0 and no spans before any)."""
    if gold is None:
        return {"spans": [], "status": None, "version": 0, "min_agree": None}
    names = user_names(session, {s.curator_id for s in gold.spans if s.curator_id})
    return {
        "spans": [
            gold_span_json(s, names.get(s.curator_id))
            for s in sorted(gold.spans, key=lambda s: (s.start, s.end))
        ],
        "status": gold.status,
        "version": gold.version,
        "min_agree": gold.min_agree,
    }


def gold_span_json(span: GoldSpanRow, curator: str | None) -> dict[str, Any]:
    """One gold span with its provenance, as the API and the audit trail show it."""
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "attributes": dict(span.attributes or {}),
        "source": span.source,
        "votes": span.votes,
        "voters": span.voters,
        "annotators": list(span.annotators or []),
        "curator": curator,
        "curator_id": span.curator_id,
        "reason": span.reason,
        "note": span.note,
    }


# ---------------------------------------------------------------------------- a sentence's view


@dataclass(frozen=True)
class VersionView:
    number: int  # "Annotator <number>" and the key that picks this version
    annotator: str | None  # None while names are hidden from curators
    spans: tuple[Span, ...]

    def to_json(self) -> dict[str, Any]:
        """The version as the API sends it."""
        return {
            "number": self.number,
            "annotator": self.annotator,
            "spans": [s.to_json() for s in self.spans],
        }


@dataclass(frozen=True)
class ConflictView:
    conflict: ConflictRegion
    versions: list[VersionView]  # in display order

    def to_json(self) -> dict[str, Any]:
        """The conflict and its versions as the API sends them."""
        c = self.conflict
        return {
            "start": c.start, "end": c.end, "kind": c.kind, "kinds": list(c.kinds),
            "labels": list(c.labels), "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True)
class SentenceView:
    gold: GoldSentence | None
    state: dict[str, Any]  # gold_state()
    outcome: Outcome
    order: list[str]  # annotators in display order
    show_names: bool
    annotations: dict[str, list[Span]]
    open_conflicts: list[ConflictView]

    def name_of(self, annotator: str) -> str:
        """The annotator's name, or "Annotator k" while names are hidden."""
        return annotator if self.show_names else f"Annotator {self.order.index(annotator) + 1}"

    def find(self, start: int, end: int) -> ConflictView | None:
        """The open conflict with exactly this region, if any."""
        return next(
            (v for v in self.open_conflicts if (v.conflict.start, v.conflict.end) == (start, end)),
            None,
        )


def conflict_view(session: Session, sentence: Sentence) -> SentenceView:
    """Everything the curator's pages show for one sentence."""
    gold = get_gold(session, sentence.id)
    outcome, decided, annotations = sentence_outcome(session, sentence.id, gold)
    order = display_order(sentence.id, outcome.voters)
    show = get_show_names(session, sentence.project_id)
    conflicts = [
        ConflictView(
            c,
            [
                VersionView(i + 1, name if show else None, c.version_of(name))
                for i, name in enumerate(order)
            ],
        )
        for c in outcome.conflicts
        if gold is not None and gold.status == "partial" and is_open(c, decided)
    ]
    return SentenceView(
        gold=gold, state=gold_state(session, gold), outcome=outcome, order=order,
        show_names=show, annotations=annotations, open_conflicts=conflicts,
    )
