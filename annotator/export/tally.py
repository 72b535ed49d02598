"""Counting what an export writes: per label, split, gold status and source (pure).

Each writer feeds a ``Tally`` as documents stream past; its ``counts()`` are gold-json's
``counts`` object and the dataset card's source once the writer is exhausted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.export.alignment import boundary_problems
from annotator.export.records import (
    GOLD_STATUSES,
    SOURCES,
    ExportDocument,
    ExportHeader,
    ExportSentence,
    sorted_spans,
)
from annotator.projects.schema import LabelSchema, SchemaError, parse_schema


@dataclass
class _Bucket:
    documents: int = 0
    sentences: int = 0
    spans: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "spans": self.spans,
            "labels": dict(self.labels),
        }


class Tally:
    """Counts what an export wrote: per label, split, gold status and provenance source."""

    def __init__(
        self, labels: Sequence[str], split_names: Sequence[str] | None = None,
        frames: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._labels = list(labels)
        # Labels that declare roles (events) -> their role keys, in schema order.
        self._frames = {label: list(roles) for label, roles in (frames or {}).items()}
        self.events: Counter[str] = Counter()  # gold spans of those labels
        self.filled: dict[str, Counter[str]] = {label: Counter() for label in self._frames}
        self.relations = 0
        self.total = _Bucket()
        self.splits: dict[str, _Bucket] | None = (
            {name: _Bucket() for name in split_names} if split_names else None
        )
        self.gold_status: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.off_boundary = 0
        self.dropped = 0

    def _buckets(self, split: str | None) -> list[_Bucket]:
        if self.splits is None or split is None:
            return [self.total]
        return [self.total, self.splits[split]]

    def add_document(self, document: ExportDocument) -> None:
        for bucket in self._buckets(document.split):
            bucket.documents += 1

    def add_sentence(
        self, document: ExportDocument, sentence: ExportSentence, off_boundary: int, dropped: int
    ) -> None:
        """Count one sentence; ``off_boundary`` and ``dropped`` come from ``align``."""
        spans = sentence.spans
        self.gold_status[sentence.gold_status] += 1
        sources = self.sources
        buckets = self._buckets(document.split)
        for bucket in buckets:
            bucket.sentences += 1
            bucket.spans += len(spans)
        # Plain loops: Counter.update's Python-level checks cost more than the counting for
        # the handful of spans a sentence has (this runs for every exported sentence).
        total = self.total.labels
        if len(buckets) == 1:
            for span in spans:
                total[span[2]] += 1
                sources[span[4]] += 1
        else:
            part = buckets[1].labels
            for span in spans:
                total[span[2]] += 1
                part[span[2]] += 1
                sources[span[4]] += 1
        self.off_boundary += off_boundary
        self.dropped += dropped
        if self._frames:
            self._add_frames(sentence)

    def _add_frames(self, sentence: ExportSentence) -> None:
        """Count the sentence's events and, per role, the events with that role filled."""
        frames, events = self._frames, self.events
        labels = {}
        for span in sentence.spans:
            if span[2] in frames:
                events[span[2]] += 1
                labels[span[0], span[1]] = span[2]
        relations = sentence.relations
        if not relations:
            return
        self.relations += len(relations)
        filled = {(r[0], r[1], r[2]) for r in relations}
        for head_start, head_end, role in filled:
            label = labels.get((head_start, head_end))
            if label is not None:
                self.filled[label][role] += 1

    def _ordered_labels(self, labels: dict[str, int]) -> dict[str, int]:
        # Schema order first, then labels the schema no longer has, sorted.
        extra = sorted(k for k in labels if k not in self._labels)
        return {k: labels.get(k, 0) for k in [*self._labels, *extra]}

    def counts(self) -> dict[str, Any]:
        """Return the ``counts`` object of gold-json (also the card's source)."""
        total = self.total.to_json()
        total["labels"] = self._ordered_labels(self.total.labels)
        splits = None
        if self.splits is not None:
            splits = {}
            for name, bucket in self.splits.items():
                splits[name] = bucket.to_json()
                splits[name]["labels"] = self._ordered_labels(bucket.labels)
        return {
            **total,
            "gold_status": {s: self.gold_status[s] for s in GOLD_STATUSES},
            "sources": {s: self.sources[s] for s in SOURCES},
            "splits": splits,
            "spans_off_token_boundaries": self.off_boundary,
            "spans_without_tokens": self.dropped,
            "relations": self.relations,
            "frames": {
                label: {
                    "events": self.events[label],
                    "roles": {role: self.filled[label][role] for role in roles},
                }
                for label, roles in self._frames.items()
            },
        }


def make_tally(header: ExportHeader) -> Tally:
    """Return an empty tally for ``header``'s schema labels, split names and event roles."""
    return Tally(schema_labels(header.label_schema), header.split_names,
                 schema_frames(header.label_schema))


def schema_frames(label_schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return each label that declares roles with its role keys, in schema order."""
    schema = parse_label_schema(label_schema)
    if schema is None:
        return {}
    return {
        label.key: [role.key for role in label.roles] for label in schema.labels if label.roles
    }


def schema_labels(label_schema: Mapping[str, Any]) -> list[str]:
    """Return a schema document's label keys in schema order (none if it does not parse)."""
    schema = parse_label_schema(label_schema)
    return list(schema.keys) if schema else []


def parse_label_schema(label_schema: Mapping[str, Any]) -> LabelSchema | None:
    """Parse a stored schema document; None if it no longer parses."""
    try:
        return parse_schema(dict(label_schema))
    except SchemaError:
        return None


def tally_documents(documents: Iterable[ExportDocument], tally: Tally) -> Tally:
    """Count ``documents`` without writing them (the card on its own)."""
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            spans = sorted_spans(sentence.spans)
            tally.add_sentence(document, sentence, *boundary_problems(sentence.text, spans))
    return tally
