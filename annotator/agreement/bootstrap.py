"""Bootstrap 95% intervals of alpha, exact span F1 and argument F1: sentences resampled with
replacement, from small per-sentence sufficient statistics (pure).

The report gathers the statistics from its corpus (``resampling_data``); the export's chunked
summary gathers the same ones chunk by chunk. ``resample`` draws the replicates from them and
``intervals`` reads the percentile intervals off the replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from annotator.agreement.arguments import ARG_AGREE, PairArguments
from annotator.agreement.blocks import Interval, Intervals
from annotator.agreement.context import ReportContext
from annotator.agreement.matching import AGREE, SUBTYPE_ONLY, PairEvents
from annotator.agreement.metrics import Figure, alpha_from_coincidence, collapse_to_binary
from annotator.agreement.patterns import pattern_counts, sentence_patterns

# Floats in one block of bootstrap replicates (their weights, or gathered copies): 8 MB.
RESAMPLING_BLOCK = 1_000_000

# alpha overall, per label; span F1 overall, per label; argument F1 overall, per role
Replicates = tuple[np.ndarray, ...]
PairRows = tuple[np.ndarray, np.ndarray, np.ndarray]


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
    first annotator, spans of the second, per label code). Arguments likewise per pair
    (``arguments``, rows x 3 x ``roles``: exact matches and each side's arguments per role).
    """

    sentences: int
    token_sentence: np.ndarray
    token_pattern: np.ndarray
    token_freq: np.ndarray
    pattern_counts: np.ndarray
    pairs: list[PairRows]
    arguments: list[PairRows] = field(default_factory=list)
    roles: int = 0


def _distinct_rows(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row index of each statistics row, the distinct rows) of a sentences x k table."""
    radix = int(stats.max()) + 1 if stats.size else 1
    if radix ** stats.shape[1] < 2**62:
        # Each row as one integer (its counts as digits): a plain sort instead of a sort of rows.
        codes = stats @ (radix ** np.arange(stats.shape[1], dtype=np.int64))
        _, first, row = np.unique(codes, return_index=True, return_inverse=True)
        return row.reshape(-1), stats[first]
    rows, row = np.unique(stats, axis=0, return_inverse=True)
    return row.reshape(-1), rows


def argument_rows(pair: PairArguments, roles: int) -> PairRows:
    """One pair's argument counts per sentence with arguments: (sentences, row of each, rows
    R x 3 x roles: exact matches, arguments of the first annotator, of the second)."""
    a, b = pair.a, pair.b
    sentences, pos = np.unique(np.concatenate([a.sentence, b.sentence]), return_inverse=True)
    if sentences.size == 0 or roles == 0:
        return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                np.zeros((0, 3, roles), dtype=np.int64))
    pa, pb = pos[:a.sentence.size], pos[a.sentence.size:]
    exact = a.kind == ARG_AGREE
    keys = np.concatenate([(pa[exact] * 3) * roles + a.role[exact], (pa * 3 + 1) * roles + a.role,
                           (pb * 3 + 2) * roles + b.role])
    stats = np.bincount(keys, minlength=sentences.size * 3 * roles).reshape(
        sentences.size, 3 * roles)
    row, rows = _distinct_rows(stats)
    return sentences, row, rows.reshape(-1, 3, roles)


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
    row, rows = _distinct_rows(stats)
    return sentences, row, rows.reshape(-1, 3, width)


def resampling_data(ctx: ReportContext) -> Resampling:
    """The bootstrap's statistics of a report's whole corpus."""
    corpus = ctx.corpus
    compared = corpus.present.sum(axis=0) >= 2
    rank = np.cumsum(compared) - 1  # number of each compared sentence among them
    patterns, _, sentence, pattern, freq = sentence_patterns(corpus)
    pairs, arguments = [], []
    roles = len(corpus.roles)
    for p in ctx.pairs:
        sentences, row, rows = pair_rows(ctx.events[p], corpus.width)
        if sentences.size:
            pairs.append((rank[sentences], row, rows))
        sentences, row, rows = argument_rows(ctx.arguments[p], roles)
        if sentences.size:
            arguments.append((rank[sentences], row, rows))
    return Resampling(int(compared.sum()), rank[sentence], pattern, freq,
                      pattern_counts(patterns, corpus.width), pairs, arguments, roles)


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


def _pair_side(pairs: Sequence[PairRows], width: int) -> list[PairRows]:
    """Each pair's sentences grouped by row, with the rows as floats (rows x 3 width)."""
    out = []
    for sentence, row, rows in pairs:
        by_row = np.argsort(row, kind="stable")
        used_rows, row_starts = np.unique(row[by_row], return_index=True)
        out.append((sentence[by_row], row_starts,
                    rows[used_rows].reshape(-1, 3 * width).astype(np.float64)))
    return out


def resample(data: Resampling, width: int, replicates: int, seed: int) -> Replicates:
    """Bootstrap replicates of alpha and exact span F1, overall and per label, and of argument
    F1, overall and per role (NaN: undefined).

    Each replicate draws the compared sentences with replacement (``rng.integers``, one call per
    replicate) and sums their statistics. Every such sum is a sum of integers below 2**53, exact
    in floating point whatever its order, so the replicates do not depend on how the statistics
    were gathered (from the whole corpus or chunk by chunk).
    """
    n_labels = width - 1
    out = (np.full(replicates, np.nan), np.full((replicates, n_labels), np.nan),
           np.full(replicates, np.nan), np.full((replicates, n_labels), np.nan),
           np.full(replicates, np.nan), np.full((replicates, data.roles), np.nan))
    n = data.sentences
    if n == 0 or replicates <= 0:
        return out
    tokens = _TokenSide(data, width)
    pair_side = _pair_side(data.pairs, width)
    argument_side = _pair_side(data.arguments, data.roles) if data.roles else []
    widest = max(n, tokens.sentence.size, *(p[0].size for p in pair_side + argument_side))
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
        arg_reps = [(np.add.reduceat(weights[:, sentence], row_starts, axis=1) @ rows)
                    for sentence, row_starts, rows in argument_side]
        del weights
        for r in range(r1 - r0):
            _score(out, r0 + r, o_rep[r].reshape(width, width), [rep[r] for rep in reps], width)
            if arg_reps:
                _score_arguments(out, r0 + r, [rep[r] for rep in arg_reps], data.roles)
    return out


def _score_arguments(out: Replicates, i: int, pair_stats: list[np.ndarray], roles: int) -> None:
    """Write replicate ``i``'s argument F1, overall and per role, from each pair's argument
    statistics (3 x roles: exact matches, arguments of a, arguments of b)."""
    f1_pairs, f1_roles = [], []
    for stats in pair_stats:
        st = stats.reshape(3, roles)
        tot = st[1].sum() + st[2].sum()
        f1_pairs.append(2 * st[0].sum() / tot if tot else np.nan)
        den = st[1] + st[2]
        with np.errstate(invalid="ignore", divide="ignore"):
            f1_roles.append(np.where(den > 0, 2 * st[0] / den, np.nan))
    out[4][i] = _nanmean(np.array(f1_pairs))
    out[5][i] = _nanmean(np.array(f1_roles), axis=0)


def _score(out: Replicates, i: int, o: np.ndarray, pair_stats: list[np.ndarray],
           width: int) -> None:
    """Write replicate ``i``'s figures from its coincidences ``o`` and each pair's span
    statistics (3 x width: exact matches, spans of a, spans of b)."""
    alpha_all, alpha_lab, f1_all, f1_lab = out[:4]
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
    alpha_all, alpha_lab, f1_all, f1_lab = samples[:4]
    overall = Intervals(_interval(alpha_all), _interval(f1_all))
    per_label = {lb: Intervals(_interval(alpha_lab[:, c]), _interval(f1_lab[:, c]))
                 for c, lb in enumerate(names)}
    return overall, per_label


def argument_intervals(samples: Replicates, roles: Sequence[str]
                       ) -> tuple[Interval | None, dict[str, Interval | None]]:
    """Percentile 95% intervals of argument F1 from ``resample``'s replicates: (overall, per
    role)."""
    arg_all, arg_role = samples[4], samples[5]
    return _interval(arg_all), {r: _interval(arg_role[:, c]) for c, r in enumerate(roles)}


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
