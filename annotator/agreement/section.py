"""One section of the report: every figure of a range of sentences (the whole set, or one
group), overall, per label and per annotator pair (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from annotator.agreement.argument_figures import (
    argument_counts,
    overall_arguments,
    pair_argument_figures,
    role_blocks,
)
from annotator.agreement.arguments import ArgumentTallies
from annotator.agreement.blocks import (
    Confusion,
    Counts,
    LabelFigures,
    LabelInsideSpans,
    OverallFigures,
    OverallInsideSpans,
    PairFigures,
    Section,
)
from annotator.agreement.context import ReportContext
from annotator.agreement.data import OUTSIDE
from annotator.agreement.event_types import event_type_agreement
from annotator.agreement.matching import KINDS, disagreement_counts
from annotator.agreement.metrics import Figure, undefined
from annotator.agreement.pair_figures import PairTally, pair_figures
from annotator.agreement.patterns import pattern_counts
from annotator.agreement.reasons import (
    NOT_SHARED,
    ONE_ANNOTATOR,
    label_mean_over_pairs,
    mean_over_pairs,
    unless_single,
)
from annotator.agreement.token_figures import TokenFigures, token_figures
from annotator.agreement.unitizing import unitizing_figures

KAPPA = "Cohen's kappa"
F1 = "span F1"


@dataclass(frozen=True)
class PairPool:
    """The pairs' tallies side by side (figures in pair order) and summed (both orders)."""

    tallies: list[PairTally]
    span_confusion: np.ndarray
    token_confusion: np.ndarray
    kinds: np.ndarray
    kinds_label: np.ndarray
    event_pairs: np.ndarray
    argument_tallies: list[ArgumentTallies] = field(default_factory=list)

    @classmethod
    def of(cls, tallies: list[PairTally], width: int) -> PairPool:
        """Pool ``tallies`` of a corpus with ``width`` label codes (O included)."""
        span_confusion = np.zeros((width, width), dtype=np.int64)
        token_confusion = np.zeros((width, width), dtype=np.int64)
        kinds = np.zeros(len(KINDS), dtype=np.int64)
        kinds_label = np.zeros((width, len(KINDS)), dtype=np.int64)
        for t in tallies:
            token_confusion += t.table + t.table.T
            span_confusion += t.confusion + t.confusion.T
            kinds += t.kinds
            kinds_label += t.kinds_label
        event_pairs = (np.concatenate([t.event_pairs for t in tallies]) if tallies
                       else np.zeros((0, 2), dtype=np.int64))
        return cls(tallies, span_confusion, token_confusion, kinds, kinds_label, event_pairs)

    def mean(self, figure: str, what: str, single: bool) -> Figure:
        """The mean over pairs of the tallies' ``figure`` (an attribute of ``PairTally``)."""
        return unless_single(mean_over_pairs([getattr(t, figure) for t in self.tallies], what),
                             single)

    def label_mean(self, figure: str, label: str, what: str, single: bool) -> Figure:
        """The mean over pairs of one label's ``figure`` (a per-label attribute)."""
        figs = [getattr(t, figure)[label] for t in self.tallies]
        return unless_single(label_mean_over_pairs(figs, what, label), single)


def section_figures(ctx: ReportContext, lo: int, hi: int) -> Section:
    """Every figure of sentences lo..hi-1 (a group is a contiguous range of the corpus)."""
    corpus = ctx.corpus
    names, width = corpus.labels, corpus.width
    t0, t1 = int(corpus.sentence_tokens[lo]), int(corpus.sentence_tokens[hi])
    single = len(corpus.annotators) < 2
    # Every token-level figure is a sum over tokens of a function of the token's pattern (the
    # value each annotator gave it), so the tokens reduce to their distinct patterns.
    patterns, freq = ctx.patterns(t0, t1)
    counts = pattern_counts(patterns, width)
    inside = (patterns > 0).any(axis=1)
    everywhere = token_figures(counts, freq, names, single)
    in_spans = token_figures(counts[inside], freq[inside], names, single)
    per_pair, pool = _pairs(ctx, lo, hi, patterns, freq)
    frames = [p.frames for p in per_pair]
    roles = corpus.roles
    arguments, arguments_compared, arguments_per_annotator = argument_counts(ctx, lo, hi)
    unitizing, label_unitizing, unitizing_sentences = _unitizing(ctx, lo, hi, single)
    tallied = _counts(ctx, lo, hi, freq, counts.sum(axis=1), inside, arguments,
                      arguments_per_annotator)
    overall = OverallFigures(
        krippendorff_alpha=everywhere.krippendorff_alpha, fleiss_kappa=everywhere.fleiss_kappa,
        fleiss_raters_per_unit=everywhere.fleiss_raters_per_unit,
        fleiss_units=everywhere.fleiss_units,
        cohen_kappa=pool.mean("kappa", KAPPA, single),
        span_f1=pool.mean("f1", F1, single), span_f1_partial=pool.mean("f1_partial", F1, single),
        unitizing_alpha=unitizing, unitizing_sentences=unitizing_sentences,
        event_type=event_type_agreement(ctx, pool.event_pairs, single),
        disagreements=disagreement_counts(pool.kinds),
        inside_spans=OverallInsideSpans(
            tokens=tallied.counts.tokens_inside_spans,
            krippendorff_alpha=in_spans.krippendorff_alpha, fleiss_kappa=in_spans.fleiss_kappa,
            fleiss_raters_per_unit=in_spans.fleiss_raters_per_unit,
            fleiss_units=in_spans.fleiss_units,
            cohen_kappa=pool.mean("kappa_inside", KAPPA, single)),
        arguments=overall_arguments(roles, frames, pool.argument_tallies, single))
    per_label = _label_blocks(names, everywhere, in_spans, pool, label_unitizing,
                              tallied.spans_compared, tallied.counts.spans, single)
    order = [*range(1, width), 0]
    confusion = Confusion(labels=[*names, OUTSIDE],
                          spans=pool.span_confusion[np.ix_(order, order)].tolist(),
                          tokens=pool.token_confusion[np.ix_(order, order)].tolist())
    per_role = role_blocks(roles, frames, pool.argument_tallies, arguments,
                           arguments_compared, single)
    return Section(tallied.counts, overall, per_label, per_pair, confusion, per_role)


def _pairs(ctx: ReportContext, lo: int, hi: int, patterns: np.ndarray, freq: np.ndarray
           ) -> tuple[list[PairFigures], PairPool]:
    """Every annotator pair's block on sentences lo..hi-1, and their pooled tallies."""
    blocks, tallies, argument_tallies = [], [], []
    corpus = ctx.corpus
    for ka, kb in ctx.pairs:
        ev = ctx.events[(ka, kb)].slice(lo, hi)
        frames, argument_tally = pair_argument_figures(
            corpus.roles, ctx.arguments[(ka, kb)].slice(lo, hi),
            (corpus.annotators[ka], corpus.annotators[kb]),
            None if ev.shared[lo:hi].any() else NOT_SHARED)
        block, tally = pair_figures(ctx, ka, kb, ev, patterns, freq, lo, hi, frames)
        blocks.append(block)
        tallies.append(tally)
        argument_tallies.append(argument_tally)
    return blocks, replace(PairPool.of(tallies, corpus.width), argument_tallies=argument_tallies)


def _unitizing(ctx: ReportContext, lo: int, hi: int, single: bool
               ) -> tuple[Figure, list[Figure], int]:
    """Unitizing alpha, overall and per label, on the sentences every annotator annotated."""
    corpus = ctx.corpus
    present = corpus.present[:, lo:hi]
    everyone = present.all(axis=0) if present.shape[0] else np.zeros(hi - lo, bool)
    u_all, u_label, sentences = unitizing_figures(ctx, list(range(len(corpus.annotators))),
                                                  lo, hi, everyone)
    if single:
        u_all = undefined(ONE_ANNOTATOR)
        u_label = [undefined(ONE_ANNOTATOR)] * len(corpus.labels)
    elif sentences == 0 and u_all.value is None:
        u_all = undefined("no sentence was annotated by every annotator; "
                          "see unitizing_alpha per annotator pair")
    if not (sentences or single):
        u_label = [u_all] * len(corpus.labels)
    return u_all, u_label, sentences


@dataclass(frozen=True)
class _Tallied:
    counts: Counts
    spans_compared: dict[str, int]  # label -> spans in sentences two or more annotated


def _counts(ctx: ReportContext, lo: int, hi: int, freq: np.ndarray, rated: np.ndarray,
            inside: np.ndarray, arguments: dict[str, int],
            arguments_per_annotator: dict[str, dict[str, int]]) -> _Tallied:
    """What the figures of sentences lo..hi-1 rest on (``rated``: annotators per pattern,
    ``inside``: the patterns inside someone's span)."""
    corpus = ctx.corpus
    names, width = corpus.labels, corpus.width
    present = corpus.present[:, lo:hi]
    compared = present.sum(axis=0) >= 2
    by_label = np.zeros(width, dtype=np.int64)
    by_label_compared = np.zeros(width, dtype=np.int64)
    per_annotator: dict[str, dict[str, int]] = {}
    for k, arr in enumerate(corpus.spans):
        i, j = np.searchsorted(arr.sentence, [lo, hi])
        labels = arr.label[i:j]
        found = np.bincount(labels, minlength=width)
        per_annotator[corpus.annotators[k]] = {lb: int(found[c])
                                               for c, lb in enumerate(names, start=1)}
        by_label += found
        by_label_compared += np.bincount(labels[compared[arr.sentence[i:j] - lo]],
                                         minlength=width)
    t0, t1 = int(corpus.sentence_tokens[lo]), int(corpus.sentence_tokens[hi])
    counts = Counts(
        sentences=hi - lo,
        sentences_compared=int(compared.sum()),
        annotations=int(present.sum()),
        annotations_per_annotator={a: int(present[k].sum())
                                   for k, a in enumerate(corpus.annotators)},
        tokens=t1 - t0,
        tokens_compared=int(freq[rated >= 2].sum()),
        tokens_inside_spans=int(freq[inside].sum()),
        spans={lb: int(by_label[c]) for c, lb in enumerate(names, start=1)},
        spans_per_annotator=per_annotator,
        arguments=arguments,
        arguments_per_annotator=arguments_per_annotator,
    )
    return _Tallied(counts, {lb: int(by_label_compared[c]) for c, lb in enumerate(names, start=1)})


def _label_blocks(names: Sequence[str], everywhere: TokenFigures, in_spans: TokenFigures,
                  pool: PairPool, unitizing: list[Figure], spans_compared: dict[str, int],
                  spans: dict[str, int], single: bool) -> dict[str, LabelFigures]:
    """Each label's block: token figures, means over pairs, unitizing alpha, counts."""
    out = {}
    for c, lb in enumerate(names, start=1):
        out[lb] = LabelFigures(
            krippendorff_alpha=everywhere.label_alpha[lb],
            fleiss_kappa=everywhere.label_fleiss[lb],
            cohen_kappa=pool.label_mean("label_kappa", lb, KAPPA, single),
            span_f1=pool.label_mean("label_f1", lb, F1, single),
            span_f1_partial=pool.label_mean("label_f1_partial", lb, F1, single),
            unitizing_alpha=unitizing[c - 1],
            disagreements=disagreement_counts(pool.kinds_label[c]),
            inside_spans=LabelInsideSpans(
                krippendorff_alpha=in_spans.label_alpha[lb],
                fleiss_kappa=in_spans.label_fleiss[lb],
                cohen_kappa=pool.label_mean("label_kappa_inside", lb, KAPPA, single)),
            spans=spans[lb],
            spans_compared=spans_compared[lb],
        )
    return out
