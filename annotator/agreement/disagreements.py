"""The concrete disagreements behind a figure, listed with both annotators' spans (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.build import build_corpus
from annotator.agreement.data import OUTSIDE, Corpus, SpanArrays
from annotator.agreement.matching import AGREE, DISAGREEMENT_KINDS, KINDS, PairEvents, pair_events


def list_disagreements(
    items: Iterable[Mapping[str, Any]],
    *,
    pair: Sequence[str] | None = None,
    label: str | None = None,
    kind: str | None = None,
    cell: Sequence[str] | None = None,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    subtype_attribute: str = "event_type",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List the concrete disagreements between annotator pairs, in sentence order.

    Filters (all optional, combined with AND): ``pair`` (two annotator names, either order),
    ``label`` (a disagreement involving that label on either side), ``kind`` (one of
    ``DISAGREEMENT_KINDS``), ``cell`` ((row label, column label) of the span confusion matrix,
    "O" for no span, either orientation). Each entry: ``{"sentence_id", "text", "group",
    "annotators": [a, b], "kind", "labels": [a's label | None, b's label | None],
    "a_spans": [...], "b_spans": [...]}`` with spans relative to the sentence; for a span left
    unpaired the other side lists the spans overlapping it.
    """
    if kind is not None and kind not in DISAGREEMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DISAGREEMENT_KINDS)}")
    if labels is None and schema is not None:
        labels = list(schema.keys)
    corpus = build_corpus(items, labels=labels, subtype_attribute=subtype_attribute)
    code = label_codes(corpus)
    wanted_pairs = _wanted_pairs(corpus.annotators, pair)
    if (label is not None and label not in code) or (
            cell is not None and any(c not in code for c in cell)):
        return []
    found: list[tuple[int, int, int, dict[str, Any]]] = []
    for ka, kb in wanted_pairs:
        ev = pair_events(corpus, ka, kb)
        chosen = np.flatnonzero(disagreement_mask(ev, code, label=label, kind=kind, cell=cell))
        if limit is not None:
            chosen = chosen[:limit]  # events are in sentence order: each pair's first ones
        for e in chosen.tolist():
            s = int(ev.sentence[e])
            found.append((s, ka, kb, _describe(corpus, ka, kb, ev, e, subtype_attribute)))
    found.sort(key=lambda x: (x[0], x[1], x[2]))
    out = [f[3] for f in found]
    return out[:limit] if limit is not None else out


def _wanted_pairs(names: Sequence[str], pair: Sequence[str] | None) -> list[tuple[int, int]]:
    """The annotator pairs to look at: every one, or the one named (none if unknown)."""
    if pair is None:
        return list(combinations(range(len(names)), 2))
    if len(pair) != 2 or any(p not in names for p in pair):
        return []
    ka, kb = sorted(names.index(p) for p in pair)
    return [(ka, kb)]


def label_codes(corpus: Corpus) -> dict[str, int]:
    """The code of each of the corpus's labels, and 0 for O (no span)."""
    code = {lb: c for c, lb in enumerate(corpus.labels, start=1)}
    code[OUTSIDE] = 0
    return code


def disagreement_mask(ev: PairEvents, code: Mapping[str, int], *, label: str | None = None,
                      kind: str | None = None, cell: Sequence[str] | None = None) -> np.ndarray:
    """Which of a pair's events are disagreements passing the filters of
    ``list_disagreements`` (``code``: ``label_codes``; labels and cell must be known)."""
    mask = ev.kind != AGREE
    if kind is not None:
        mask &= ev.kind == KINDS.index(kind)
    if label is not None:
        mask &= (ev.a_label == code[label]) | (ev.b_label == code[label])
    if cell is not None:
        x, y = code[cell[0]], code[cell[1]]
        forward = (ev.a_label == x) & (ev.b_label == y)
        mask &= forward | ((ev.a_label == y) & (ev.b_label == x))
    return mask


def _describe(corpus: Corpus, ka: int, kb: int, ev: PairEvents, e: int,
              subtype_attribute: str) -> dict[str, Any]:
    s = int(ev.sentence[e])
    A, B = corpus.spans[ka], corpus.spans[kb]
    ai, bi = int(ev.a_index[e]), int(ev.b_index[e])
    a_list = [ai] if ai >= 0 else _overlapping(A, B, bi)
    b_list = [bi] if bi >= 0 else _overlapping(B, A, ai)
    if ai >= 0 and bi < 0:
        b_list = _overlapping(B, A, ai)
    if bi >= 0 and ai < 0:
        a_list = _overlapping(A, B, bi)
    return {
        "sentence_id": corpus.ids[s],
        "text": corpus.texts[s],
        "group": corpus.groups[s],
        "annotators": [corpus.annotators[ka], corpus.annotators[kb]],
        "kind": KINDS[int(ev.kind[e])],
        "labels": [corpus.labels[ev.a_label[e] - 1] if ev.a_label[e] else None,
                   corpus.labels[ev.b_label[e] - 1] if ev.b_label[e] else None],
        "a_spans": [_span_json(corpus, A, i, subtype_attribute) for i in a_list],
        "b_spans": [_span_json(corpus, B, i, subtype_attribute) for i in b_list],
    }


def _overlapping(side: SpanArrays, other: SpanArrays, index: int) -> list[int]:
    if index < 0:
        return []
    start, end = other.start[index], other.end[index]
    lo = int(np.searchsorted(side.end, start, side="right"))
    hi = int(np.searchsorted(side.start, end, side="left"))
    return list(range(lo, hi))


def _span_json(corpus: Corpus, arr: SpanArrays, i: int, subtype_attribute: str
               ) -> dict[str, Any]:
    s = int(arr.sentence[i])
    start = int(arr.start[i] - corpus.base[s])
    end = int(arr.end[i] - corpus.base[s])
    sub = corpus.subtypes[int(arr.subtype[i])]
    return {"start": start, "end": end, "label": corpus.labels[int(arr.label[i]) - 1],
            "attributes": {subtype_attribute: sub} if sub is not None else {},
            "text": corpus.texts[s][start:end]}
