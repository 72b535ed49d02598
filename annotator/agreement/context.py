"""What every part of one agreement report reads: the corpus, the annotator pairs and their
matched spans, the event labels and the credit between event types (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.arguments import PairArguments, argument_keys, pair_arguments
from annotator.agreement.data import Corpus
from annotator.agreement.matching import PairEvents, pair_events
from annotator.agreement.metrics import value_patterns

Continuum = dict[int, tuple[np.ndarray, ...]]  # annotator -> (starts, ends, label codes)


class ReportContext:
    """The shared state of one report: built once, read by every section and pair."""

    def __init__(self, corpus: Corpus, schema: Any, hierarchy: Mapping[str, str] | None,
                 subtype_attribute: str, sibling_credit: float) -> None:
        self.corpus = corpus
        self.pairs = list(combinations(range(len(corpus.annotators)), 2))
        self.events: dict[tuple[int, int], PairEvents] = {
            p: pair_events(corpus, *p) for p in self.pairs}
        # Argument matching rests on the span matching of the same pair.
        keys = argument_keys(corpus) if any(map(len, corpus.relations)) else None
        self.arguments: dict[tuple[int, int], PairArguments] = {
            p: pair_arguments(corpus, *p, self.events[p], keys) for p in self.pairs}
        self.sibling_credit = sibling_credit
        self.subtype_attribute = subtype_attribute
        groups, event_labels = _schema_event_types(corpus, schema, subtype_attribute)
        if hierarchy is not None:
            groups.update(hierarchy)
        if not event_labels:
            # No schema: the labels whose spans carry a subtype at all.
            for arr in corpus.spans:
                event_labels.update(np.unique(arr.label[arr.subtype > 0]).tolist())
        self.event_labels = sorted(event_labels)
        self.has_hierarchy = bool(groups)
        self.credit = credit_matrix(corpus.subtypes, groups, sibling_credit)
        # Unitizing continua already laid out, by (first sentence, end, sentence mask).
        self.continua: dict[tuple[int, int, bytes], Continuum] = {}

    def patterns(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
        """The distinct annotator-value patterns of tokens t0..t1-1 and their frequencies.

        Returns (patterns: P x annotators with values -1 missing, 0 O, 1..L; freq: P)."""
        return value_patterns(self.corpus.values[:, t0:t1], self.corpus.width)


def _schema_event_types(corpus: Corpus, schema: Any, subtype_attribute: str
                        ) -> tuple[dict[str, str], set[int]]:
    """The schema's top-level type of each subtype value, and the codes of the labels that
    carry the subtype attribute."""
    groups: dict[str, str] = {}
    event_labels: set[int] = set()
    if schema is None:
        return groups, event_labels
    for lb in schema.labels:
        attr = lb.attribute(subtype_attribute)
        if attr is None:
            continue
        if lb.key in corpus.labels:
            event_labels.add(corpus.labels.index(lb.key) + 1)
        for v in attr.values:
            if v.group is not None:
                groups[v.value] = v.group
    return groups, event_labels


def credit_matrix(subtypes: list[str | None], groups: Mapping[str, str],
                  sibling_credit: float) -> np.ndarray:
    """Credit between subtype codes: 1 the same, ``sibling_credit`` two subtypes of one
    top-level type, 0 otherwise."""
    n = len(subtypes)
    top = [groups.get(v) if v is not None else None for v in subtypes]
    credit = np.eye(n)
    for i in range(n):
        for j in range(n):
            if i != j and top[i] is not None and top[i] == top[j]:
                credit[i, j] = sibling_credit
    return credit
