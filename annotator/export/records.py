"""The plain records an export is made of: documents, sentences, spans, header (pure).

The reader (``export/reading.py``) builds them from the database; every writer takes them
from any iterable. ``sorted_spans`` gives spans their one exported order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

SOURCES = ("unanimous", "majority", "curator")
GOLD_STATUSES = ("complete", "partial")


class GoldSpan(NamedTuple):
    """One gold span with its provenance (a NamedTuple: a million of these must be cheap)."""

    start: int  # code points, relative to the sentence, half-open
    end: int
    label: str
    attributes: Mapping[str, str]
    source: str  # unanimous | majority | curator
    votes: int  # annotators who marked exactly this span (k)
    voters: int  # annotators who finished the sentence (n)
    annotators: tuple[str, ...]  # who marked it, sorted
    curator: str | None = None
    curated_at: str | None = None  # ISO 8601 UTC, curator spans only
    reason: str | None = None
    note: str | None = None


class GoldRelation(NamedTuple):
    """One gold relation (an event's argument) with its provenance, like ``GoldSpan``'s.

    Head and child name gold spans of the same sentence by their offsets (spans never
    overlap, so offsets identify a span).
    """

    head_start: int
    head_end: int
    role: str  # a role key of the head span's label ("actor1", "location", ...)
    child_start: int
    child_end: int
    source: str  # unanimous | majority | curator
    votes: int
    voters: int
    annotators: tuple[str, ...]
    curator: str | None = None
    curated_at: str | None = None
    reason: str | None = None
    note: str | None = None


class AnnotatorSpan(NamedTuple):
    """An annotator's own span (exported with --include-annotations)."""

    start: int
    end: int
    label: str
    attributes: Mapping[str, str]
    # The suggestion accepted to make it ({"source", "name"}), or None (drawn by hand).
    origin: Mapping[str, str] | None = None


class AnnotatorRelation(NamedTuple):
    """An annotator's own relation (exported with --include-annotations), named like a gold
    relation's fields so the writers treat both alike; no provenance: it is one person's."""

    head_start: int
    head_end: int
    role: str
    child_start: int
    child_end: int


@dataclass(frozen=True, slots=True)
class AnnotatorWork:
    """One annotator's work on a sentence: its status, own spans and own relations."""

    status: str  # done | skipped | in_progress
    spans: tuple[AnnotatorSpan, ...]
    relations: tuple[AnnotatorRelation, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportSentence:
    """An exported sentence: its text, place in the document, gold status and spans."""

    id: int
    index: int  # position in the document, from 0
    start: int  # offsets of the sentence in the document text
    end: int
    text: str
    gold_status: str  # complete | partial
    spans: tuple[GoldSpan, ...]
    annotators: tuple[str, ...] = ()  # who finished (done) the sentence, sorted
    annotations: Mapping[str, AnnotatorWork] | None = None  # only with include_annotations
    relations: tuple[GoldRelation, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """An exported document with its exported sentences, in order."""

    id: int
    title: str
    url: str | None
    published: str | None  # ISO date
    split: str | None  # train | dev | test, or None without --split
    sentences: tuple[ExportSentence, ...]
    # The whole article (sentence offsets point into it): the document-level formats
    # (labelstudio, brat) write it; "" when a caller has no use for it.
    text: str = ""


@dataclass(frozen=True)
class ExportHeader:
    """What an export says about itself, known before the first document is written."""

    project_id: int
    project_name: str
    label_schema: Mapping[str, Any]  # the project's schema document, as stored
    exported_at: str  # ISO 8601 UTC
    format: str
    options: Mapping[str, Any]  # split, seed, part, include_annotations, complete_only
    agreement: Mapping[str, Any] | None = None  # see export/agreement_summary.py

    @property
    def include_annotations(self) -> bool:
        return bool(self.options.get("include_annotations"))

    @property
    def split_names(self) -> tuple[str, ...] | None:
        names = self.options.get("split_names")
        return tuple(names) if names else None


_SPAN_ORDER = itemgetter(0, 1, 2)  # start, end, label
_RELATION_ORDER = itemgetter(0, 1, 2, 3, 4)  # head, role, child
_R = TypeVar("_R", GoldRelation, AnnotatorRelation)


def sorted_spans(spans: Sequence[GoldSpan]) -> list[GoldSpan]:
    """Return ``spans`` in export order: by start, end, then label."""
    return sorted(spans, key=_SPAN_ORDER)


def sorted_relations(relations: Sequence[_R]) -> list[_R]:
    """Return ``relations`` in export order: by head, role, then child."""
    return sorted(relations, key=_RELATION_ORDER)


def relation_provenance(relation: GoldRelation) -> dict[str, Any]:
    """A gold relation's provenance as JSON (gold-json and jsonl)."""
    return {
        "source": relation.source,
        "votes": {"k": relation.votes, "n": relation.voters},
        "annotators": list(relation.annotators),
        "curator": relation.curator,
        "curated_at": relation.curated_at,
        "reason": relation.reason,
        "note": relation.note,
    }
