"""Unitizing alpha of the report: chosen sentences laid end to end as one continuum (pure)."""

from __future__ import annotations

import numpy as np

from annotator.agreement.context import ReportContext
from annotator.agreement.metrics import Figure, undefined, unitizing_alpha_arrays


def unitizing_figures(ctx: ReportContext, coders: list[int], lo: int, hi: int, mask: np.ndarray
                      ) -> tuple[Figure, list[Figure], int]:
    """Unitizing alpha over the sentences lo..hi-1 selected by ``mask``, laid end to end.

    Returns (overall, per label in label order, number of sentences on the continuum).
    """
    corpus = ctx.corpus
    n_labels = len(corpus.labels)
    chosen = np.flatnonzero(mask) + lo
    if chosen.size == 0:
        reason = "no sentence was annotated by all of these annotators"
        return undefined(reason), [undefined(reason)] * n_labels, 0
    lengths = corpus.lengths[chosen]
    # The overall figure and every pair usually share one continuum (every sentence seen by
    # everyone): lay each annotator's units on it once.
    continuum = ctx.continua.setdefault((lo, hi, mask.tobytes()), {})
    arrays = []
    for k in coders:
        if k not in continuum:
            continuum[k] = _units_on_continuum(ctx, k, lo, hi, chosen, lengths)
        arrays.append(continuum[k])
    overall, per, _ = unitizing_alpha_arrays(int(lengths.sum()), arrays, n_labels,
                                             corpus.labels)
    return overall, per, int(chosen.size)


def _units_on_continuum(ctx: ReportContext, k: int, lo: int, hi: int, chosen: np.ndarray,
                        lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """Annotator ``k``'s spans in the ``chosen`` sentences, shifted onto the continuum:
    (starts, ends, label codes from 0), sorted by label then start."""
    corpus = ctx.corpus
    new_base = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    shift = np.zeros(len(corpus.texts), dtype=np.int64)
    shift[chosen] = new_base - corpus.base[chosen]
    selected = np.zeros(len(corpus.texts), dtype=bool)
    selected[chosen] = True
    arr = corpus.spans[k]
    i, j = np.searchsorted(arr.sentence, [lo, hi])
    sub = arr.take(slice(i, j))
    sub = sub.take(selected[sub.sentence])
    starts = sub.start + shift[sub.sentence]
    ends = sub.end + shift[sub.sentence]
    cats = sub.label - 1
    order = np.argsort(cats, kind="stable")  # already sorted by start
    return starts[order], ends[order], cats[order]

