"""The figures of one annotator pair: token kappa, span P/R/F1, unitizing alpha, event types,
per label, and the tallies a section pools over every pair (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.agreement.argument_blocks import PairArgumentFigures
from annotator.agreement.blocks import (
    Matches,
    PairFigures,
    PairInsideSpans,
    PairLabelFigures,
)
from annotator.agreement.context import ReportContext
from annotator.agreement.event_types import event_type_agreement, matched_event_pairs
from annotator.agreement.matching import (
    AGREE,
    BOUNDARY_ONLY,
    KINDS,
    SUBTYPE_ONLY,
    PairEvents,
    disagreement_counts,
)
from annotator.agreement.metrics import (
    Figure,
    cohen_kappa_from_table,
    contingency_table,
    prf,
    undefined,
)
from annotator.agreement.reasons import NOT_SHARED, label_kappa, label_prf
from annotator.agreement.unitizing import unitizing_figures


@dataclass(frozen=True)
class PairTally:
    """What a section pools over the pairs besides their blocks (never in the report)."""

    table: np.ndarray  # token contingency table, width x width
    kappa: Figure
    kappa_inside: Figure
    f1: Figure
    f1_partial: Figure
    label_kappa: dict[str, Figure]  # before "no sentence shared" is applied
    label_kappa_inside: dict[str, Figure]
    label_f1: dict[str, Figure]
    label_f1_partial: dict[str, Figure]
    confusion: np.ndarray  # span confusion, codes 0..L (0: O), width x width
    kinds: np.ndarray  # disagreements per kind code
    kinds_label: np.ndarray  # width x kinds: disagreements per label involved
    event_pairs: np.ndarray  # matched event spans' subtype codes, n x 2


@dataclass(frozen=True)
class SpanTallies:
    """A pair's span counts per label code: spans of each side, exact and partial matches,
    confusion, and disagreements per kind (overall and per label involved)."""

    n_a: np.ndarray
    n_b: np.ndarray
    exact: np.ndarray
    partial: np.ndarray
    confusion: np.ndarray
    kinds: np.ndarray
    kinds_label: np.ndarray


def span_tallies(ev: PairEvents, width: int) -> SpanTallies:
    """Count a pair's matching events by label code (``width``: labels + 1 for O)."""
    n_a = np.bincount(ev.a_label[ev.a_index >= 0], minlength=width)
    n_b = np.bincount(ev.b_label[ev.b_index >= 0], minlength=width)
    exact = np.bincount(ev.a_label[(ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY)],
                        minlength=width)
    partial = exact + np.bincount(ev.a_label[(ev.kind == BOUNDARY_ONLY) & ev.paired],
                                  minlength=width)
    confusion = np.bincount(ev.a_label * width + ev.b_label,
                            minlength=width * width).reshape(width, width)
    kinds = np.bincount(ev.kind, minlength=len(KINDS))
    # Per label: a disagreement counts for each label it involves (once if both sides agree).
    kinds_label = np.zeros((width, len(KINDS)), dtype=np.int64)
    np.add.at(kinds_label, (ev.a_label, ev.kind), 1)
    differ = ev.b_label != ev.a_label
    np.add.at(kinds_label, (ev.b_label[differ], ev.kind[differ]), 1)
    kinds_label[0] = 0
    kinds_label[:, AGREE] = 0
    kinds[AGREE] = 0
    return SpanTallies(n_a, n_b, exact, partial, confusion, kinds, kinds_label)


def token_tables(patterns: np.ndarray, freq: np.ndarray, ka: int, kb: int, width: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A pair's token contingency tables: on every token both annotated, and on those inside
    either one's span."""
    va, vb = patterns[:, ka], patterns[:, kb]
    table = contingency_table(va, vb, width, freq)
    inside = (va > 0) | (vb > 0)
    return table, contingency_table(va[inside], vb[inside], width, freq[inside])


def pair_figures(ctx: ReportContext, ka: int, kb: int, ev: PairEvents, patterns: np.ndarray,
                 freq: np.ndarray, lo: int, hi: int, frames: PairArgumentFigures
                 ) -> tuple[PairFigures, PairTally]:
    """Every figure of annotators ``ka`` < ``kb`` on sentences lo..hi-1, whose token value
    ``patterns`` (with frequencies ``freq``), matching events ``ev`` and argument figures
    ``frames`` are given."""
    corpus = ctx.corpus
    names, width = corpus.labels, corpus.width
    shared = ev.shared[lo:hi]
    no_shared = None if shared.any() else NOT_SHARED

    def unless_apart(fig: Figure) -> Figure:
        return undefined(no_shared) if no_shared else fig

    table, table_in = token_tables(patterns, freq, ka, kb, width)
    kappa = unless_apart(cohen_kappa_from_table(table))
    kappa_in = unless_apart(cohen_kappa_from_table(table_in))
    spans = span_tallies(ev, width)
    total = prf(float(spans.exact[1:].sum()), float(spans.n_a[1:].sum()),
                float(spans.n_b[1:].sum()))
    total_p = prf(float(spans.partial[1:].sum()), float(spans.n_a[1:].sum()),
                  float(spans.n_b[1:].sum()))
    u_all, u_label, _ = unitizing_figures(ctx, [ka, kb], lo, hi, shared)
    a_name, b_name = corpus.annotators[ka], corpus.annotators[kb]
    kappas = {lb: label_kappa(table, c, lb) for c, lb in enumerate(names, start=1)}
    per_label, label_f1, label_f1_partial = _label_blocks(
        names, spans, kappas, u_label, no_shared, (a_name, b_name))
    event_pairs = matched_event_pairs(ctx, ev)
    order = [*range(1, width), 0]
    block = PairFigures(
        annotators=(a_name, b_name), sentences=int(shared.sum()), tokens=int(table.sum()),
        cohen_kappa=kappa, span_f1=unless_apart(total["f1"]),
        precision=unless_apart(total["precision"]), recall=unless_apart(total["recall"]),
        span_f1_partial=unless_apart(total_p["f1"]),
        precision_partial=unless_apart(total_p["precision"]),
        recall_partial=unless_apart(total_p["recall"]),
        spans={a_name: int(spans.n_a[1:].sum()), b_name: int(spans.n_b[1:].sum())},
        matches=Matches(int(spans.exact[1:].sum()), int(spans.partial[1:].sum())),
        disagreements=disagreement_counts(spans.kinds), unitizing_alpha=unless_apart(u_all),
        inside_spans=PairInsideSpans(int(table_in.sum()), kappa_in), per_label=per_label,
        event_type=event_type_agreement(ctx, event_pairs, False),
        confusion=spans.confusion[np.ix_(order, order)].tolist(), frames=frames)
    tally = PairTally(
        table=table, kappa=kappa, kappa_inside=kappa_in, f1=block.span_f1,
        f1_partial=block.span_f1_partial, label_kappa=kappas,
        label_kappa_inside={lb: label_kappa(table_in, c, lb)
                            for c, lb in enumerate(names, start=1)},
        label_f1=label_f1, label_f1_partial=label_f1_partial, confusion=spans.confusion,
        kinds=spans.kinds, kinds_label=spans.kinds_label, event_pairs=event_pairs)
    return block, tally


def _label_blocks(names: list[str], spans: SpanTallies, kappas: dict[str, Figure],
                  unitizing: list[Figure], no_shared: str | None, who: tuple[str, str]
                  ) -> tuple[dict[str, PairLabelFigures], dict[str, Figure], dict[str, Figure]]:
    """A pair's block per label, and its exact and partial span F1 per label."""
    per_label: dict[str, PairLabelFigures] = {}
    label_f1: dict[str, Figure] = {}
    label_f1_partial: dict[str, Figure] = {}
    for c, lb in enumerate(names, start=1):
        one = label_prf(spans.exact[c], spans.n_a[c], spans.n_b[c], lb, no_shared)
        one_p = label_prf(spans.partial[c], spans.n_a[c], spans.n_b[c], lb, no_shared)
        label_f1[lb], label_f1_partial[lb] = one["f1"], one_p["f1"]
        per_label[lb] = PairLabelFigures(
            cohen_kappa=undefined(no_shared) if no_shared else kappas[lb], span_f1=one["f1"],
            precision=one["precision"], recall=one["recall"], span_f1_partial=one_p["f1"],
            unitizing_alpha=undefined(no_shared) if no_shared else unitizing[c - 1],
            spans={who[0]: int(spans.n_a[c]), who[1]: int(spans.n_b[c])},
            matches=Matches(int(spans.exact[c]), int(spans.partial[c])),
            disagreements=disagreement_counts(spans.kinds_label[c]))
    return per_label, label_f1, label_f1_partial
