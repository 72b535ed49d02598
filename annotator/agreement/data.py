"""The agreement library's data: items in columns, and the corpus of arrays every figure reads
(``build.build_corpus`` makes it) (pure)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OUTSIDE = "O"


class AgreementInputError(ValueError):
    """An item or span is malformed; the message names the item (and annotator)."""


@dataclass
class SpanArrays:
    """One annotator's spans, sorted by (sentence, start); offsets are global (see Corpus)."""

    sentence: np.ndarray  # sentence index
    start: np.ndarray  # global start
    end: np.ndarray  # global end
    label: np.ndarray  # 1..L (0 is O)
    subtype: np.ndarray  # index into Corpus.subtypes, 0 = no subtype given

    def __len__(self) -> int:
        return int(self.sentence.size)

    def take(self, mask_or_index: np.ndarray | slice) -> SpanArrays:
        """Return the spans a boolean mask, index array or slice selects."""
        return SpanArrays(self.sentence[mask_or_index], self.start[mask_or_index],
                          self.end[mask_or_index], self.label[mask_or_index],
                          self.subtype[mask_or_index])


@dataclass
class RelationArrays:
    """One annotator's relations (event frames' arguments), unique, sorted by sentence and
    head; head and child index the annotator's ``SpanArrays``."""

    sentence: np.ndarray  # sentence index
    head: np.ndarray  # index of the head span (the event) in the annotator's spans
    role: np.ndarray  # index into Corpus.roles
    child: np.ndarray  # index of the child span (the argument)

    def __len__(self) -> int:
        return int(self.sentence.size)

    @classmethod
    def empty(cls) -> RelationArrays:
        """No relation."""
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(4)))


@dataclass
class Corpus:
    """The items as arrays. Sentences are laid end to end with one space between them
    (``base[s]`` is the global offset of sentence s), so global offsets never collide and no
    token crosses a sentence boundary. Sentences are ordered by group, then input order."""

    ids: list[Any]
    texts: list[str]
    groups: list[Any]  # group of each sentence (None when the item has none)
    group_order: list[Any]  # distinct groups in order of first appearance
    group_bounds: list[tuple[int, int]]  # sentence index range of each group
    annotators: list[str]
    labels: list[str]  # label codes 1..L are labels[0..L-1]; code 0 is O
    subtypes: list[str | None]  # subtype codes; 0 is None (no subtype)
    base: np.ndarray  # global offset of each sentence
    lengths: np.ndarray  # length of each sentence
    present: np.ndarray  # annotators x sentences, bool: the annotator annotated the sentence
    spans: list[SpanArrays]  # per annotator
    tok_start: np.ndarray
    tok_end: np.ndarray
    tok_sentence: np.ndarray
    sentence_tokens: np.ndarray  # token index range start of each sentence (len S + 1)
    values: np.ndarray  # annotators x tokens, int8: -1 missing, 0 O, 1..L label
    unknown_labels: list[str]
    roles: list[str] = field(default_factory=list)  # role codes 0..R-1 are roles[0..R-1]
    relations: list[RelationArrays] = field(default_factory=list)  # per annotator
    unknown_roles: list[str] = field(default_factory=list)

    def relations_of(self, k: int) -> RelationArrays:
        """Annotator ``k``'s relations (none when the input had none)."""
        return self.relations[k] if self.relations else RelationArrays.empty()

    @property
    def width(self) -> int:
        """Number of value codes: the labels and O."""
        return len(self.labels) + 1


@dataclass
class ItemColumns:
    """Items in columns, as a database read yields them without one dict per span.

    Sentences: ``ids``, ``texts``, ``groups`` (parallel lists). Annotations (an annotator read
    a sentence; missing data otherwise): ``annotation_item`` (index into ``ids``) and
    ``annotation_annotator`` (name). Spans: ``span_annotation`` (index into the annotations),
    ``span_start``, ``span_end`` (sentence offsets), ``span_label``, ``span_subtype`` (the
    subtype attribute's value or None). Equivalent to the items
    ``{"id", "text", "group", "annotations": {annotator: [span, ...]}}``.
    """

    ids: Sequence[Any]
    texts: Sequence[str]
    groups: Sequence[Any]
    annotation_item: Sequence[int]
    annotation_annotator: Sequence[str]
    span_annotation: Sequence[int]
    span_start: Sequence[int]
    span_end: Sequence[int]
    span_label: Sequence[str]
    span_subtype: Sequence[str | None]
    relation_annotation: Sequence[int] = ()
    relation_head_start: Sequence[int] = ()
    relation_head_end: Sequence[int] = ()
    relation_role: Sequence[str] = ()
    relation_child_start: Sequence[int] = ()
    relation_child_end: Sequence[int] = ()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic containers.

    Allocating millions of tuples and lists triggers full collections that rescan every live
    object (the caller's items included): half the time of a large report went there.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def group_key(group: Any) -> Any:
    """The group as a dict key: itself when hashable, else its repr."""
    try:
        hash(group)
        return group
    except TypeError:
        return repr(group)
