"""Token value patterns: the distinct combinations of values the annotators gave a token (pure).

Every token-level figure is a sum over tokens of a function of the token's pattern (the value
each annotator gave it: -1 missing, 0 O, 1..L a label), so millions of tokens reduce to a few
hundred distinct patterns and their frequencies.
"""

from __future__ import annotations

import numpy as np

from annotator.agreement.data import Corpus


def pattern_counts(patterns: np.ndarray, width: int) -> np.ndarray:
    """How many annotators gave each value (columns 0..width-1) in each value pattern."""
    counts = np.zeros((patterns.shape[0], width), dtype=np.int64)
    for k in range(patterns.shape[1]):
        given_k = patterns[:, k] >= 0
        np.add.at(counts, (np.flatnonzero(given_k), patterns[given_k, k]), 1)
    return counts


def token_patterns(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct value patterns of a coders x tokens matrix (-1 missing, 0..width-1) and
    each token's pattern: (patterns: P x coders, index of each token's pattern)."""
    v = np.asarray(values)
    m, n = v.shape
    if n == 0:
        return np.zeros((0, m), dtype=np.int64), np.zeros(0, dtype=np.int64)
    radix = width + 1
    if radix**m >= 2**62:
        patterns, inverse = np.unique(np.maximum(v, -1).T, axis=0, return_inverse=True)
        return patterns.astype(np.int64), inverse.reshape(-1).astype(np.int64)
    codes = np.zeros(n, dtype=np.int64)
    for k in range(m - 1, -1, -1):
        codes *= radix
        codes += np.maximum(v[k], -1) + 1
    if radix**m <= 4 * n + 65536:
        tally = np.bincount(codes, minlength=radix**m)
        distinct = np.flatnonzero(tally)
        lookup = np.zeros(tally.size, dtype=np.int64)
        lookup[distinct] = np.arange(distinct.size)
        inverse = lookup[codes]
    else:
        distinct, inverse = np.unique(codes, return_inverse=True)
    powers = radix ** np.arange(m, dtype=np.int64)
    return (distinct[:, None] // powers[None, :]) % radix - 1, inverse.reshape(-1)


def sentence_patterns(corpus: Corpus) -> tuple[np.ndarray, ...]:
    """The corpus's token patterns, per sentence.

    Returns (patterns: P x annotators, tokens per pattern, and for every sentence and pattern
    with two or more values: the sentence, the pattern, its number of tokens there).
    """
    patterns, inverse = token_patterns(corpus.values, corpus.width)
    freq = np.bincount(inverse, minlength=patterns.shape[0])
    pairable = (patterns >= 0).sum(axis=1) >= 2
    keep = pairable[inverse]
    n_patterns = max(patterns.shape[0], 1)
    keys, per_sentence = np.unique(corpus.tok_sentence[keep] * n_patterns + inverse[keep],
                                   return_counts=True)
    return patterns, freq, keys // n_patterns, keys % n_patterns, per_sentence
