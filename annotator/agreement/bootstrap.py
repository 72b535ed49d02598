"""Bootstrap 95% intervals of alpha and exact span F1: sentences resampled with replacement,
from small per-sentence sufficient statistics (pure).

The report gathers the statistics from its corpus (``resampling_data``); the export's chunked
summary gathers the same ones chunk by chunk. ``resample`` draws the replicates from them and
``intervals`` reads the percentile intervals off the replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.agreement.blocks import Intervals
from annotator.agreement.context import ReportContext
from annotator.agreement.matching import AGREE, SUBTYPE_ONLY, PairEvents
from annotator.agreement.metrics import Figure, alpha_from_coincidence, collapse_to_binary
from annotator.agreement.patterns import pattern_counts, sentence_patterns

# Floats in one block of bootstrap replicates (their weights, or gathered copies): 8 MB.
RESAMPLING_BLOCK = 1_000_000

Replicates = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Resampling:
    """What the bootstrap needs of the compared sentences (annotated by two or more annotators),
    numbered 0..sentences-1 in corpus order: per-sentence sufficient statistics, small next to
    the corpus.

    Tokens: each (sentence, value pattern with two or more values) and how many of the
    sentence's tokens have that pattern (``token_*``, parallel); ``pattern_counts`` says how
    many annotators gave each value in each pattern. Spans, per annotator pair in pair order
    (pairs with no span in a shared sentence left out): ``(sentence, row, rows)``, each
    sentence with spans and its row of ``rows`` (rows x 3 x width: exact matches, spans of the
    first annotator, spans of the second, per label code).
    """

    sentences: int
    token_sentence: np.ndarray
    token_pattern: np.ndarray
    token_freq: np.ndarray
    pattern_counts: np.ndarray
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def pair_rows(ev: PairEvents, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pair's span counts per sentence with spans: (sentences, row of each, rows).

    A row holds the sentence's exact matches, spans of the first annotator and spans of the
    second, per label code (3 x width); sentences share rows they have in common.
    """
    sentences, pos = np.unique(ev.sentence, return_inverse=True)
    if sentences.size == 0:
        return sentences, np.zeros(0, dtype=np.int64), np.zeros((0, 3, width), dtype=np.int64)
    exact = (ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY)
    keys = [((pos[mask] * 3 + q) * width + label[mask])
            for q, (mask, label) in enumerate(((exact, ev.a_label), (ev.a_index >= 0, ev.a_label),
                                               (ev.b_index >= 0, ev.b_label)))]
    stats = np.bincount(np.concatenate(keys), minlength=sentences.size * 3 * width).reshape(
        sentences.size, 3 * width)
    radix = int(stats.max()) + 1
    if radix ** (3 * width) < 2**62:
        # Each row as one integer (its counts as digits): a plain sort instead of a sort of rows.
        codes = stats @ (radix ** np.arange(3 * width, dtype=np.int64))
        _, first, row = np.unique(codes, return_index=True, return_inverse=True)
        rows = stats[first]
    else:
        rows, row = np.unique(stats, axis=0, return_inverse=True)
    return sentences, row.reshape(-1), rows.reshape(-1, 3, width)


def resampling_data(ctx: ReportContext) -> Resampling:
    """The bootstrap's statistics of a report's whole corpus."""
    corpus = ctx.corpus
    compared = corpus.present.sum(axis=0) >= 2
    rank = np.cumsum(compared) - 1  # number of each compared sentence among them
    patterns, _, sentence, pattern, freq = sentence_patterns(corpus)
    pairs = []
    for p in ctx.pairs:
        sentences, row, rows = pair_rows(ctx.events[p], corpus.width)
        if sentences.size:
            pairs.append((rank[sentences], row, rows))
    return Resampling(int(compared.sum()), rank[sentence], pattern, freq,
                      pattern_counts(patterns, corpus.width), pairs)


class _TokenSide:
    """The token statistics ordered for summing weighted coincidences per replicate."""

    def __init__(self, data: Resampling, width: int) -> None:
        order = np.argsort(data.token_pattern, kind="stable")
        self.sentence = data.token_sentence[order]
        self.freq = data.token_freq[order].astype(np.float64)
        used, self.starts = np.unique(data.token_pattern[order], return_index=True)
        counts = data.pattern_counts[used].astype(np.float64)
        m = counts.sum(axis=1)
        # A pattern's coincidences are n_c n_k - [c = k] n_c over m - 1 (Krippendorff 2011): the
        # integer part is summed exactly, then divided once per value of m.
        ordered_pairs = counts[:, :, None] * counts[:, None, :]
        ordered_pairs[:, np.arange(width), np.arange(width)] -= counts
        ordered_pairs = ordered_pairs.reshape(-1, width * width)
        self.groups = [(mm, np.flatnonzero(m == mm), ordered_pairs[m == mm])
                       for mm in np.unique(m)]
        self.width = width

    def coincidences(self, weights: np.ndarray) -> np.ndarray:
        """Each replicate's coincidence matrix, flattened (replicates x width**2)."""
        o_rep = np.zeros((weights.shape[0], self.width * self.width))
        if self.sentence.size:
            gathered = np.take(weights, self.sentence, axis=1)
            gathered *= self.freq
            per_pattern = np.add.reduceat(gathered, self.starts, axis=1)
            del gathered
            for mm, idx, table in self.groups:
                o_rep += (per_pattern[:, idx] @ table) / (mm - 1.0)
            del per_pattern
        return o_rep


def _pair_side(pairs: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int
               ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each pair's sentences grouped by row, with the rows as floats (rows x 3 width)."""
    out = []
    for sentence, row, rows in pairs:
        by_row = np.argsort(row, kind="stable")
        used_rows, row_starts = np.unique(row[by_row], return_index=True)
        out.append((sentence[by_row], row_starts,
                    rows[used_rows].reshape(-1, 3 * width).astype(np.float64)))
    return out


def resample(data: Resampling, width: int, replicates: int, seed: int) -> Replicates:
    """Bootstrap replicates of alpha and exact span F1, overall and per label (NaN: undefined).

    Each replicate draws the compared sentences with replacement (``rng.integers``, one call per
    replicate) and sums their statistics. Every such sum is a sum of integers below 2**53, exact
    in floating point whatever its order, so the replicates do not depend on how the statistics
    were gathered (from the whole corpus or chunk by chunk).
    """
    n_labels = width - 1
    out = (np.full(replicates, np.nan), np.full((replicates, n_labels), np.nan),
           np.full(replicates, np.nan), np.full((replicates, n_labels), np.nan))
    n = data.sentences
    if n == 0 or replicates <= 0:
        return out
    tokens = _TokenSide(data, width)
    pair_side = _pair_side(data.pairs, width)
    widest = max(n, tokens.sentence.size, *(p[0].size for p in pair_side))
    block = max(1, min(replicates, RESAMPLING_BLOCK // widest))
    rng = np.random.default_rng(seed)
    for r0 in range(0, replicates, block):
        r1 = min(replicates, r0 + block)
        weights = np.empty((r1 - r0, n))
        for r in range(r1 - r0):
            weights[r] = np.bincount(rng.integers(0, n, n), minlength=n)
        o_rep = tokens.coincidences(weights)
        reps = [(np.add.reduceat(weights[:, sentence], row_starts, axis=1) @ rows)
                for sentence, row_starts, rows in pair_side]
        del weights
        for r in range(r1 - r0):
            _score(out, r0 + r, o_rep[r].reshape(width, width), [rep[r] for rep in reps], width)
    return out


def _score(out: Replicates, i: int, o: np.ndarray, pair_stats: list[np.ndarray],
           width: int) -> None:
    """Write replicate ``i``'s figures from its coincidences ``o`` and each pair's span
    statistics (3 x width: exact matches, spans of a, spans of b)."""
    alpha_all, alpha_lab, f1_all, f1_lab = out
    alpha_all[i] = _nan(alpha_from_coincidence(o))
    for c in range(1, width):
        alpha_lab[i, c - 1] = _nan(alpha_from_coincidence(collapse_to_binary(o, c)))
    f1_pairs = []
    f1_pairs_lab = []
    for stats in pair_stats:
        st = stats.reshape(3, width)
        tot = st[1, 1:].sum() + st[2, 1:].sum()
        f1_pairs.append(2 * st[0, 1:].sum() / tot if tot else np.nan)
        den = st[1, 1:] + st[2, 1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            f1_pairs_lab.append(np.where(den > 0, 2 * st[0, 1:] / den, np.nan))
    if f1_pairs:
        f1_all[i] = _nanmean(np.array(f1_pairs))
        f1_lab[i] = _nanmean(np.array(f1_pairs_lab), axis=0)


def intervals(samples: Replicates, names: Sequence[str]) -> tuple[Intervals, dict[str, Intervals]]:
    """Percentile 95% intervals of ``resample``'s replicates: (overall, per label)."""
    alpha_all, alpha_lab, f1_all, f1_lab = samples
    overall = Intervals(_interval(alpha_all), _interval(f1_all))
    per_label = {lb: Intervals(_interval(alpha_lab[:, c]), _interval(f1_lab[:, c]))
                 for c, lb in enumerate(names)}
    return overall, per_label


def _nan(fig: Figure) -> float:
    return np.nan if fig.value is None else fig.value


def _nanmean(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    finite = np.isfinite(x)
    total = np.where(finite, x, 0.0).sum(axis=axis)
    n = finite.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _interval(samples: np.ndarray) -> tuple[float, float] | None:
    finite = samples[np.isfinite(samples)]
    if finite.size < max(10, samples.size // 2):
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return float(lo), float(hi)
