"""Reads for adjudication pages: a sentence's gold state and what a curator sees of it.

The queue (``queue.py``) and an annotator's feedback (``feedback.py``) have rooms of their
own; the pages reach every read through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.arguments import ArgumentConflict, argument_open
from annotator.adjudication.conflicts import ConflictRegion, Outcome, display_order, is_open
from annotator.adjudication.input import sentence_frames, sentence_outcome, user_names
from annotator.adjudication.models import AdjudicationSetting, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation
from annotator.annotation.queries import get_schema
from annotator.auth.models import Role, User
from annotator.corpus.models import Sentence
from annotator.relations import Relation
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


def sees_names(session: Session, viewer: User, project_id: int) -> bool:
    """Whether ``viewer`` sees annotators' names in the project: admins always, curators only
    where an admin turned names on (else the project's pseudonyms, "Annotator 1, 2, ...")."""
    return viewer.role == Role.ADMIN or get_show_names(session, project_id)


@dataclass(frozen=True)
class Names:
    """How one viewer sees a project's annotators: their names, or their pseudonyms."""

    shown: bool
    numbers: Mapping[str, int]  # user name -> pseudonym number in the project

    def label(self, name: str) -> str:
        """The name, or "Annotator <number>" while names are hidden from the viewer."""
        if self.shown:
            return name
        number = self.numbers.get(name)
        # A name without a user any more (deleted after the gold was made) stays hidden too.
        return f"Annotator {number}" if number is not None else "a former annotator"

    def order(self, names: Iterable[str]) -> list[str]:
        """The names in display order (by pseudonym, whatever the viewer sees)."""
        return display_order(names, self.numbers)


def finished_annotators(session: Session, sentence_id: int) -> list[str]:
    """The names of the users whose annotation of the sentence is finished (counted)."""
    return list(session.scalars(
        select(User.username).join(Annotation, Annotation.annotator_id == User.id)
        .where(Annotation.sentence_id == sentence_id, Annotation.status == COUNTED_STATUS)
    ))


def blind_state(state: dict[str, Any], names: Names) -> dict[str, Any]:
    """A ``gold_state`` whose spans name their annotators as ``names`` shows them."""
    if names.shown:
        return state
    return {**state, **{key: [
        {**s, "annotators": [names.label(n) for n in s["annotators"]]} for s in state[key]
    ] for key in ("spans", "relations")}}


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


RELATION_COLUMNS = (
    "head_start", "head_end", "role", "child_start", "child_end", "source", "votes", "voters",
    "annotators", "curator_id", "reason", "note",
)
def relation_json(row: Any, curator: str | None) -> dict[str, Any]:
    """One gold relation with its provenance (a row or a dict with RELATION_COLUMNS), as the
    gold API and the audit trail show it: the saving API's shape plus provenance."""
    r = row if isinstance(row, dict) else {c: getattr(row, c) for c in RELATION_COLUMNS}
    return {
        "head": {"start": r["head_start"], "end": r["head_end"]},
        "child": {"start": r["child_start"], "end": r["child_end"]},
        "role": r["role"],
        "source": r["source"],
        "votes": r["votes"],
        "voters": r["voters"],
        "annotators": list(r["annotators"] or []),
        "curator": curator,
        "curator_id": r["curator_id"],
        "reason": r["reason"],
        "note": r["note"],
    }


def gold_state(session: Session, gold: GoldSentence | None) -> dict[str, Any]:
    """The gold of a sentence as the API returns it (version 0 and no spans before any)."""
    if gold is None:
        return {"spans": [], "relations": [], "status": None, "version": 0, "min_agree": None}
    names = user_names(session, {s.curator_id for s in [*gold.spans, *gold.relations]
                                 if s.curator_id})
    return {
        "spans": [
            gold_span_json(s, names.get(s.curator_id))
            for s in sorted(gold.spans, key=lambda s: (s.start, s.end))
        ],
        "relations": [
            relation_json(r, names.get(r.curator_id))
            for r in sorted(gold.relations, key=lambda r: (r.head_start, r.role, r.child_start))
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
    number: int  # the key that picks this version (its place in display order, from 1)
    annotator: str  # the name, or the pseudonym while names are hidden from the viewer
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
class ArgumentVersionView:
    number: int  # the key that picks this version
    annotator: str  # the name, or the pseudonym while names are hidden from the viewer
    relations: tuple[Relation, ...]  # the annotator's arguments of the event

    def to_json(self) -> dict[str, Any]:
        """The version as the API sends it."""
        return {"number": self.number, "annotator": self.annotator,
                "relations": [r.to_json() for r in self.relations]}


@dataclass(frozen=True)
class ArgumentView:
    conflict: ArgumentConflict
    versions: list[ArgumentVersionView]  # in display order

    def to_json(self) -> dict[str, Any]:
        """The argument conflict and its versions as the API sends them."""
        c = self.conflict
        return {
            "start": c.start, "end": c.end, "kind": c.kind, "kinds": list(c.kinds),
            "labels": list(c.labels), "roles": list(c.roles),
            "versions": [v.to_json() for v in self.versions],
        }


@dataclass(frozen=True)
class SentenceView:
    gold: GoldSentence | None
    state: dict[str, Any]  # gold_state(), its annotators as the viewer sees them
    outcome: Outcome
    order: list[str]  # annotators in display order
    names: Names
    annotations: dict[str, list[Span]]
    open_conflicts: list[ConflictView]
    # open argument conflicts, and every finished annotator's relations
    open_arguments: list[ArgumentView]
    relations: dict[str, list[Relation]]

    @property
    def show_names(self) -> bool:
        return self.names.shown

    def name_of(self, annotator: str) -> str:
        """The annotator's name, or their pseudonym while names are hidden."""
        return self.names.label(annotator)

    def find(self, start: int, end: int) -> ConflictView | None:
        """The open conflict with exactly this region, if any."""
        return next(
            (v for v in self.open_conflicts if (v.conflict.start, v.conflict.end) == (start, end)),
            None,
        )

    def find_arguments(self, start: int, end: int) -> ArgumentView | None:
        """The open argument conflict of the event at exactly these offsets, if any."""
        return next(
            (v for v in self.open_arguments if (v.conflict.start, v.conflict.end) == (start, end)),
            None,
        )


def conflict_view(session: Session, sentence: Sentence, names: Names) -> SentenceView:
    """Everything the curator's pages show for one sentence, annotators shown as ``names``.

    ``names`` must know every finished annotator of the sentence (``blinding.sentence_view``).
    """
    gold = get_gold(session, sentence.id)
    outcome, decided, annotations = sentence_outcome(session, sentence.id, gold)
    order = names.order(outcome.voters)
    conflicts = [
        ConflictView(
            c,
            [
                VersionView(i + 1, names.label(name), c.version_of(name))
                for i, name in enumerate(order)
            ],
        )
        for c in outcome.conflicts
        if gold is not None and gold.status == "partial" and is_open(c, decided)
    ]
    frames, events, relations = sentence_frames(
        session, sentence.id, gold, outcome.voters, get_schema(session, sentence.project_id)
    )
    arguments = [
        ArgumentView(
            c,
            [
                ArgumentVersionView(i + 1, names.label(name), c.version_of(name))
                for i, name in enumerate(order)
            ],
        )
        for c in frames.conflicts
        if gold is not None and gold.status == "partial" and argument_open(c, events)
    ]
    return SentenceView(
        gold=gold, state=blind_state(gold_state(session, gold), names), outcome=outcome,
        order=order, names=names, annotations=annotations, open_conflicts=conflicts,
        open_arguments=arguments, relations=relations,
    )
