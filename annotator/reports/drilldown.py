"""Which sentences hold the disagreements a drill-down asks for, and how many each (pure).

``agreement.list_disagreements`` describes every disagreement in full (texts and spans), one
Python dict at a time: on a large project that takes many seconds and a lot of memory, while a
page shows twenty sentences. This index counts them per sentence with array operations over
the library's own matching (``pair_events``) and filters (``disagreement_mask``); the page
then asks ``list_disagreements`` for its twenty sentences only. tests/reports/test_drilldown.py
checks the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.argument_disagreements import argument_mask, corpus_pairs
from annotator.agreement.arguments import ARGUMENT_DISAGREEMENT_KINDS
from annotator.agreement.build import build_corpus
from annotator.agreement.data import Corpus, ItemColumns
from annotator.agreement.disagreements import disagreement_mask, label_codes
from annotator.agreement.matching import DISAGREEMENT_KINDS, pair_events


@dataclass(frozen=True)
class Hit:
    """A sentence with ``count`` disagreements matching the filters."""

    sentence_id: Any
    group: Any
    count: int


def corpus_of(items: Iterable[Mapping[str, Any]] | ItemColumns,
              labels: Sequence[str] | None, roles: Sequence[str] | None = None) -> Corpus:
    """The library's array form of ``items`` or columns (kept by the caller for further
    drill-downs)."""
    return build_corpus(items, labels=labels, roles=roles)


def matching_argument_sentences(corpus: Corpus, *, pair: Sequence[str] | None = None,
                                role: str | None = None, kind: str | None = None) -> list[Hit]:
    """The sentences with argument disagreements matching every given filter (as in
    ``list_argument_disagreements``), in the corpus's order."""
    if role is not None and role not in corpus.roles:
        return []
    if kind is not None and kind not in ARGUMENT_DISAGREEMENT_KINDS:
        raise ValueError(f"unknown argument disagreement kind {kind!r}")
    counts = np.zeros(len(corpus.ids), dtype=np.int64)
    for _, _, args in corpus_pairs(corpus, pair):
        for side in (args.a, args.b):
            mask = argument_mask(side, corpus, role=role, kind=kind)
            counts += np.bincount(side.sentence[mask], minlength=counts.size)
    return [Hit(corpus.ids[s], corpus.groups[s], int(counts[s]))
            for s in np.flatnonzero(counts).tolist()]


def matching_sentences(corpus: Corpus, *, pair: Sequence[str] | None = None,
                       label: str | None = None, kind: str | None = None,
                       cell: Sequence[str] | None = None) -> list[Hit]:
    """The sentences with disagreements matching every given filter, in the corpus's order.

    Filters mean what they mean in ``list_disagreements``: ``pair`` two annotators (either
    order), ``label`` involved on either side, ``kind`` a disagreement kind, ``cell`` (row
    label, column label) of the span confusion matrix in either orientation, "O" for no span.
    """
    names = corpus.annotators
    code = label_codes(corpus)
    pairs = list(combinations(range(len(names)), 2))
    if pair is not None:
        if len(pair) != 2 or any(p not in names for p in pair) or pair[0] == pair[1]:
            return []
        pairs = [tuple(sorted(names.index(p) for p in pair))]
    if (label is not None and label not in code) or (
            cell is not None and any(c not in code for c in cell)):
        return []
    if kind is not None and kind not in DISAGREEMENT_KINDS:
        raise ValueError(f"unknown disagreement kind {kind!r}")
    counts = np.zeros(len(corpus.ids), dtype=np.int64)
    for ka, kb in pairs:
        ev = pair_events(corpus, ka, kb)
        mask = disagreement_mask(ev, code, label=label, kind=kind, cell=cell)
        counts += np.bincount(ev.sentence[mask], minlength=counts.size)
    return [Hit(corpus.ids[s], corpus.groups[s], int(counts[s]))
            for s in np.flatnonzero(counts).tolist()]
