"""Figures with the reasons the report gives when they are undefined, and means over pairs (pure).

Each function returns ``metrics.Figure`` values whose reason, when the value is None, says
why in the report's words (docs/agreement.md lists them): only one annotator, a label nobody
used, no variation, no sentence two annotators share. The report and the export's chunked
summary both build their figures here, so the two agree to the word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotator.agreement.metrics import (
    Figure,
    alpha_from_coincidence,
    cohen_kappa_from_table,
    collapse_to_binary,
    defined,
    prf,
    undefined,
)

ONE_ANNOTATOR = "only one annotator: nothing to compare"
NOT_SHARED = "no sentence was annotated by both"
NO_PAIRABLE_TOKEN = "no token was labelled by two or more annotators"
NO_VARIATION = ("every token has the same label for every annotator "
                "(for example nobody labelled anything): no variation, 0/0")


def nobody_used(label: str) -> str:
    """Return the reason of a figure on a label no annotator used."""
    return f"nobody used {label}"


def explain_token_figure(fig: Figure, single: bool, size: int) -> Figure:
    """Give an undefined token figure the report's reason (``size``: entries of the count
    table it was computed from)."""
    if fig.value is not None:
        return fig
    if single:
        return undefined(ONE_ANNOTATOR)
    if fig.reason and fig.reason.startswith("every pairable value is the same") and size:
        return undefined(NO_VARIATION)
    return fig


def explain_label_alpha(fig: Figure, o: np.ndarray, c: int, label: str, single: bool) -> Figure:
    """Give an undefined alpha of label code ``c`` (from coincidences ``o``) the report's
    reason."""
    if fig.value is not None:
        return fig
    if single:
        return undefined(ONE_ANNOTATOR)
    if o.sum() > 0 and o[c].sum() == 0:
        return undefined(nobody_used(label))
    if o.sum() > 0 and o[c, c] == o.sum():
        return undefined(f"every compared token is {label}: no variation, 0/0")
    return fig


def alpha_figures(o: np.ndarray, names: Sequence[str], single: bool, size: int
                  ) -> tuple[Figure, list[Figure]]:
    """Krippendorff's alpha overall and per label (that label vs the rest) from a coincidence
    matrix, with the report's reasons when undefined (``size``: entries of the count table)."""
    overall = explain_token_figure(alpha_from_coincidence(o), single, size)
    per_label = [explain_label_alpha(alpha_from_coincidence(collapse_to_binary(o, c)), o, c, lb,
                                     single)
                 for c, lb in enumerate(names, start=1)]
    return overall, per_label


def label_kappa(table: np.ndarray, c: int, label: str) -> Figure:
    """Cohen's kappa of label code ``c`` against the rest, from a pair's contingency table."""
    fig = cohen_kappa_from_table(collapse_to_binary(table, c))
    if fig.value is None and table.sum() > 0 and table[c].sum() + table[:, c].sum() == 0:
        return undefined(nobody_used(label))
    return fig


def label_prf(matched: float, n_a: float, n_b: float, label: str, no_shared: str | None
              ) -> dict[str, Figure]:
    """One pair's precision, recall and F1 on one label, with the report's reasons
    (``no_shared``: why the pair has nothing in common, or None)."""
    one = prf(float(matched), float(n_a), float(n_b))
    if no_shared:
        return {k: undefined(no_shared) for k in one}
    if n_a + n_b == 0:
        return {k: undefined(nobody_used(label)) for k in one}
    return one


def mean_over_pairs(figs: Sequence[Figure], what: str) -> Figure:
    """The mean of the pairs' defined figures (``what`` names the figure in the reason)."""
    values = [f.value for f in figs if f.value is not None]
    if not values:
        return undefined(f"no annotator pair has a defined {what}")
    return defined(sum(values) / len(values))


def label_mean_over_pairs(figs: Sequence[Figure], what: str, label: str) -> Figure:
    """``mean_over_pairs`` of one label's figures; when every pair gives the same reason for
    an undefined figure, that reason."""
    fig = mean_over_pairs(figs, what)
    if fig.value is None:
        reasons = {f.reason for f in figs}
        if reasons == {nobody_used(label)}:
            return undefined(nobody_used(label))
        if len(reasons) == 1 and None not in reasons:
            return undefined(next(iter(reasons)))
    return fig


def unless_single(fig: Figure, single: bool) -> Figure:
    """``fig``, or undefined with the one-annotator reason when there is only one annotator."""
    return undefined(ONE_ANNOTATOR) if single else fig
