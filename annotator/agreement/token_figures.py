"""Token-level figures of a set of tokens: Krippendorff's alpha and Fleiss' kappa, over all
labels and per label (that label against the rest), from the tokens' value patterns (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.agreement.metrics import (
    Figure,
    coincidence_matrix,
    fleiss_kappa_from_counts,
    fleiss_subset,
    undefined,
)
from annotator.agreement.reasons import (
    NO_PAIRABLE_TOKEN,
    alpha_figures,
    explain_token_figure,
    nobody_used,
)


@dataclass(frozen=True)
class TokenFigures:
    """Alpha and Fleiss' kappa of a set of tokens, overall and per label (in label order)."""

    krippendorff_alpha: Figure
    fleiss_kappa: Figure
    fleiss_raters_per_unit: int | None  # ratings per token Fleiss' kappa was computed on
    fleiss_units: int  # tokens Fleiss' kappa was computed on
    label_alpha: dict[str, Figure]
    label_fleiss: dict[str, Figure]


def token_figures(counts: np.ndarray, freq: np.ndarray, names: Sequence[str], single: bool
                  ) -> TokenFigures:
    """The figures of tokens given as value counts per pattern (``counts``: patterns x values,
    how many annotators gave each value) and the number of tokens of each pattern."""
    alpha, label_alpha = alpha_figures(coincidence_matrix(counts, freq), names, single,
                                       counts.size)
    sub, sub_w, raters = fleiss_subset(counts, freq)
    fig = fleiss_kappa_from_counts(sub, sub_w) if raters else undefined(NO_PAIRABLE_TOKEN)
    label_fleiss = {}
    for c, lb in enumerate(names, start=1):
        label_fleiss[lb] = explain_token_figure(_label_fleiss(sub, sub_w, raters, c, lb), single,
                                                counts.size)
    return TokenFigures(
        krippendorff_alpha=alpha,
        fleiss_kappa=explain_token_figure(fig, single, counts.size),
        fleiss_raters_per_unit=raters or None,
        fleiss_units=int(sub_w.sum()),
        label_alpha=dict(zip(names, label_alpha, strict=True)),
        label_fleiss=label_fleiss,
    )


def _label_fleiss(sub: np.ndarray, sub_w: np.ndarray, raters: int, c: int, label: str
                  ) -> Figure:
    """Fleiss' kappa of label code ``c`` against the rest, on the units ``fleiss_subset``
    kept (``raters`` ratings each; 0: none kept)."""
    if not raters:
        return undefined(NO_PAIRABLE_TOKEN)
    binary = np.stack((raters - sub[:, c], sub[:, c]), axis=1)
    fig = fleiss_kappa_from_counts(binary, sub_w)
    if fig.value is None and float(sub_w @ sub[:, c]) == 0:
        return undefined(nobody_used(label))
    return fig
