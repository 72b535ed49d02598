"""Pair two annotators' spans and classify every difference between them (pure).

For one sentence and two annotators A and B (each with flat, non-overlapping spans), spans are
paired in three passes, each one-to-one and left to right:

1. same extent (start and end): ``agree`` when label and subtype match, ``subtype_only`` when
   only the subtype (EVENT's event_type) differs, ``label_only`` when the label differs;
2. overlapping with the same label: ``boundary_only``;
3. overlapping with different labels: ``label_and_boundary``.

Spans left over are ``missed`` when nothing of the other annotator overlaps them; otherwise
(a span the other annotator split or merged) ``boundary_only`` when an overlapping span has
the same label, else ``label_and_boundary``; such left-over spans are unpaired.

Exact span matches are the pairs of pass 1 with the same label (``agree`` and
``subtype_only``); partial matches add the pairs of pass 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.agreement.data import Corpus, SpanArrays

AGREE, SUBTYPE_ONLY, BOUNDARY_ONLY, LABEL_ONLY, LABEL_AND_BOUNDARY, MISSED = range(6)
KINDS = ("agree", "subtype_only", "boundary_only", "label_only", "label_and_boundary", "missed")
DISAGREEMENT_KINDS = KINDS[1:]

# (start, end, label, subtype) with label/subtype as any comparable values
SpanTuple = tuple[int, int, object, object]


def disagreement_counts(per_kind: np.ndarray) -> dict[str, int]:
    """Name the counts of a row indexed by kind code, disagreements only (``agree`` left out)."""
    return {name: int(per_kind[i]) for i, name in enumerate(KINDS) if name in DISAGREEMENT_KINDS}


@dataclass(frozen=True)
class Event:
    """One outcome of matching: a pair of spans, or one span left unpaired.

    ``a``/``b`` index the span on each side (-1 when that side has none). ``overlapping`` lists,
    for an unpaired span, the other side's spans that overlap it.
    """

    kind: int
    a: int
    b: int
    paired: bool
    overlapping: tuple[int, ...] = ()


def match_sentence(a: Sequence[SpanTuple], b: Sequence[SpanTuple]) -> list[Event]:
    """Match two annotators' spans of one sentence; both lists sorted by start, flat."""
    pa = [-1] * len(a)
    pb = [-1] * len(b)
    events: list[Event] = []
    by_extent = {(s[0], s[1]): j for j, s in enumerate(b)}
    for i, s in enumerate(a):
        j = by_extent.get((s[0], s[1]))
        if j is None:
            continue
        pa[i], pb[j] = j, i
        if s[2] != b[j][2]:
            kind = LABEL_ONLY
        elif s[3] != b[j][3]:
            kind = SUBTYPE_ONLY
        else:
            kind = AGREE
        events.append(Event(kind, i, j, True))
    for same_label, kind in ((True, BOUNDARY_ONLY), (False, LABEL_AND_BOUNDARY)):
        left_a = [i for i in range(len(a)) if pa[i] < 0]
        left_b = [j for j in range(len(b)) if pb[j] < 0]
        x = y = 0
        while x < len(left_a) and y < len(left_b):
            i, j = left_a[x], left_b[y]
            sa, sb = a[i], b[j]
            if sa[1] <= sb[0]:
                x += 1
            elif sb[1] <= sa[0]:
                y += 1
            elif (sa[2] == sb[2]) == same_label:
                pa[i], pb[j] = j, i
                events.append(Event(kind, i, j, True))
                x += 1
                y += 1
            elif sa[1] <= sb[1]:
                x += 1
            else:
                y += 1
    for i, s in enumerate(a):
        if pa[i] < 0:
            events.append(_leftover(s, b, i, a_side=True))
    for j, s in enumerate(b):
        if pb[j] < 0:
            events.append(_leftover(s, a, j, a_side=False))
    events.sort(key=lambda e: (_first(e, a, b), e.a, e.b))
    return events


def _leftover(span: SpanTuple, other: Sequence[SpanTuple], index: int, *, a_side: bool) -> Event:
    hits = tuple(k for k, o in enumerate(other) if o[0] < span[1] and span[0] < o[1])
    if not hits:
        kind = MISSED
    elif any(other[k][2] == span[2] for k in hits):
        kind = BOUNDARY_ONLY
    else:
        kind = LABEL_AND_BOUNDARY
    if a_side:
        return Event(kind, index, -1, False, hits)
    return Event(kind, -1, index, False, hits)


def _first(e: Event, a: Sequence[SpanTuple], b: Sequence[SpanTuple]) -> int:
    starts = [a[e.a][0]] if e.a >= 0 else []
    if e.b >= 0:
        starts.append(b[e.b][0])
    return min(starts)


@dataclass
class PairEvents:
    """All match events of one annotator pair, sorted by sentence (arrays of equal length)."""

    sentence: np.ndarray
    kind: np.ndarray
    paired: np.ndarray
    a_index: np.ndarray  # index into the first annotator's SpanArrays, -1 if none
    b_index: np.ndarray
    a_label: np.ndarray  # label code, 0 (O) if none
    b_label: np.ndarray
    a_subtype: np.ndarray
    b_subtype: np.ndarray
    shared: np.ndarray  # bool per sentence: both annotators annotated it

    def slice(self, lo: int, hi: int) -> PairEvents:
        """The events of sentences lo..hi-1 (the arrays are sorted by sentence)."""
        i, j = np.searchsorted(self.sentence, [lo, hi], side="left")
        return PairEvents(*(arr[i:j] for arr in (
            self.sentence, self.kind, self.paired, self.a_index, self.b_index, self.a_label,
            self.b_label, self.a_subtype, self.b_subtype)), shared=self.shared)


def pair_events(corpus: Corpus, ka: int, kb: int) -> PairEvents:
    """Match annotators ``ka`` and ``kb`` on every sentence both annotated, vectorised.

    A span overlapping at most one span of the other side, which overlaps only it in turn (by
    far the common case), is classified with array operations; sentences with a split or merge
    (a span overlapping two or more) go through ``match_sentence``. Both paths follow the same
    rules, which the tests check against each other.
    """
    shared = corpus.present[ka] & corpus.present[kb]
    A = corpus.spans[ka]
    B = corpus.spans[kb]
    a_idx = np.flatnonzero(shared[A.sentence])
    b_idx = np.flatnonzero(shared[B.sentence])
    a, b = A.take(a_idx), B.take(b_idx)
    parts = _easy_events(a, b, corpus.present.shape[1])
    sentence = np.concatenate([p[0] for p in parts]).astype(np.int64)
    kinds = np.concatenate([p[1] for p in parts]).astype(np.int8)
    paired = np.concatenate([p[2] for p in parts]).astype(bool)
    ai = np.concatenate([p[3] for p in parts]).astype(np.int64)
    bi = np.concatenate([p[4] for p in parts]).astype(np.int64)
    order = np.argsort(sentence, kind="stable")
    sentence, kinds, paired, ai, bi = (x[order] for x in (sentence, kinds, paired, ai, bi))
    has_a = ai >= 0
    has_b = bi >= 0
    a_label = np.where(has_a, a.label[np.where(has_a, ai, 0)] if len(a) else 0, 0)
    b_label = np.where(has_b, b.label[np.where(has_b, bi, 0)] if len(b) else 0, 0)
    a_sub = np.where(has_a, a.subtype[np.where(has_a, ai, 0)] if len(a) else 0, 0)
    b_sub = np.where(has_b, b.subtype[np.where(has_b, bi, 0)] if len(b) else 0, 0)
    # Report indices into the annotators' full span arrays.
    ai = np.where(has_a, a_idx[np.where(has_a, ai, 0)] if len(a) else -1, -1)
    bi = np.where(has_b, b_idx[np.where(has_b, bi, 0)] if len(b) else -1, -1)
    return PairEvents(sentence, kinds, paired, ai, bi, a_label.astype(np.int64),
                      b_label.astype(np.int64), a_sub.astype(np.int64), b_sub.astype(np.int64),
                      shared)


def _easy_events(a: SpanArrays, b: SpanArrays, n_sentences: int) -> list[tuple[np.ndarray, ...]]:
    """The events of two annotators' spans in the sentences both annotated, in parts:
    one-to-one overlaps, spans nothing overlaps, then the sentences with a split or merge.

    Each part: (sentence, kind, paired, index into ``a`` or -1, index into ``b`` or -1).
    """
    lo_a = np.searchsorted(b.end, a.start, side="right")
    n_a = np.searchsorted(b.start, a.end, side="left") - lo_a
    lo_b = np.searchsorted(a.end, b.start, side="right")
    n_b = np.searchsorted(a.start, b.end, side="left") - lo_b
    partner_b = np.where(n_a == 1, lo_a, 0)
    partner_a = np.where(n_b == 1, lo_b, 0)
    complex_a = (n_a >= 2) | ((n_a == 1) & (n_b[partner_b] >= 2) if len(b) else False)
    complex_b = (n_b >= 2) | ((n_b == 1) & (n_a[partner_a] >= 2) if len(a) else False)
    hard = np.zeros(n_sentences, dtype=bool)
    hard[a.sentence[complex_a]] = True
    hard[b.sentence[complex_b]] = True
    easy_a = ~hard[a.sentence]
    easy_b = ~hard[b.sentence]

    parts: list[tuple[np.ndarray, ...]] = []
    # One-to-one overlaps.
    one = np.flatnonzero(easy_a & (n_a == 1))
    j = lo_a[one]
    same_extent = (a.start[one] == b.start[j]) & (a.end[one] == b.end[j])
    same_label = a.label[one] == b.label[j]
    same_sub = a.subtype[one] == b.subtype[j]
    kind = np.where(
        same_extent,
        np.where(same_label, np.where(same_sub, AGREE, SUBTYPE_ONLY), LABEL_ONLY),
        np.where(same_label, BOUNDARY_ONLY, LABEL_AND_BOUNDARY),
    )
    parts.append((a.sentence[one], kind, np.ones(one.size, bool), one, j))
    # Spans nothing overlaps.
    lone_a = np.flatnonzero(easy_a & (n_a == 0))
    parts.append((a.sentence[lone_a], np.full(lone_a.size, MISSED), np.zeros(lone_a.size, bool),
                  lone_a, np.full(lone_a.size, -1)))
    lone_b = np.flatnonzero(easy_b & (n_b == 0))
    parts.append((b.sentence[lone_b], np.full(lone_b.size, MISSED), np.zeros(lone_b.size, bool),
                  np.full(lone_b.size, -1), lone_b))
    # Sentences with splits or merges: the general matcher.
    hard_sentences = np.flatnonzero(hard)
    if hard_sentences.size:
        parts.append(_match_hard(a, b, hard_sentences))
    return parts


def _match_hard(a: SpanArrays, b: SpanArrays, sentences: np.ndarray) -> tuple[np.ndarray, ...]:
    out: list[list[int]] = [[], [], [], [], []]
    a_lo = np.searchsorted(a.sentence, sentences, side="left")
    a_hi = np.searchsorted(a.sentence, sentences, side="right")
    b_lo = np.searchsorted(b.sentence, sentences, side="left")
    b_hi = np.searchsorted(b.sentence, sentences, side="right")
    for s, i0, i1, j0, j1 in zip(sentences.tolist(), a_lo.tolist(), a_hi.tolist(),
                                 b_lo.tolist(), b_hi.tolist(), strict=True):
        sa = list(zip(a.start[i0:i1].tolist(), a.end[i0:i1].tolist(), a.label[i0:i1].tolist(),
                      a.subtype[i0:i1].tolist(), strict=True))
        sb = list(zip(b.start[j0:j1].tolist(), b.end[j0:j1].tolist(), b.label[j0:j1].tolist(),
                      b.subtype[j0:j1].tolist(), strict=True))
        for e in match_sentence(sa, sb):
            out[0].append(s)
            out[1].append(e.kind)
            out[2].append(e.paired)
            out[3].append(i0 + e.a if e.a >= 0 else -1)
            out[4].append(j0 + e.b if e.b >= 0 else -1)
    return tuple(np.array(x, dtype=np.int64) for x in out)
