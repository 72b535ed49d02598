"""Geometry and colours of the agreement dashboard's SVG charts, from report data (pure).

Templates draw the shapes; everything numeric (positions, widths, colours) is decided here so
it can be tested without a browser. Colours are returned as ``#rrggbb`` strings for SVG
presentation attributes (``fill="..."``), which the strict CSP allows (unlike ``style=""``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.agreement.blocks import (
    AgreementReport,
    FigureBlock,
    Interval,
    LabelFigures,
    PairFigures,
)
from annotator.agreement.metrics import Figure

# Disagreement kinds in drawing order, with the words the page uses for them.
KIND_NAMES: dict[str, str] = {
    "missed": "missed",
    "boundary_only": "boundary only",
    "label_only": "label only",
    "label_and_boundary": "label and boundary",
    "subtype_only": "event type only",
}

# Figures a pair heatmap can show (report key -> words).
PAIR_METRICS: dict[str, str] = {
    "cohen_kappa": "Cohen's kappa (tokens)",
    "span_f1": "span F1, exact",
    "span_f1_partial": "span F1, partial",
    "unitizing_alpha": "unitizing alpha",
    "argument_f1": "argument F1, exact",
}

# Figures the per-label bars show (report key -> words), and which carry a bootstrap interval.
LABEL_METRICS: dict[str, str] = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "cohen_kappa": "Cohen's kappa",
    "span_f1": "span F1, exact",
    "span_f1_partial": "span F1, partial",
}

UNDEFINED_FILL = "#eef1f5"
NO_FIGURE = Figure(None)  # a pair without the figure: an undefined cell without a reason
# Agreement colour scale: red at 0 (and below), amber at Krippendorff's 0.667 minimum for
# tentative conclusions, green from his 0.8 "reliable" threshold up to 1.
SCALE = ((0.0, (217, 45, 32)), (0.667, (247, 176, 34)), (0.8, (102, 198, 128)),
         (1.0, (18, 128, 76)))


def agreement_colour(value: float | None) -> str:
    """Return the heatmap colour of an agreement figure (grey when undefined)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNDEFINED_FILL
    v = min(max(float(value), SCALE[0][0]), SCALE[-1][0])
    for (x0, c0), (x1, c1) in zip(SCALE, SCALE[1:], strict=False):
        if v <= x1:
            t = (v - x0) / (x1 - x0)
            channels = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return "#" + "".join(f"{c:02x}" for c in channels)
    return "#" + "".join(f"{c:02x}" for c in SCALE[-1][1])


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (relative luminance, WCAG 2)."""
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#1d2430" if luminance > 0.22 else "#ffffff"


def fmt(value: float | None, digits: int = 2) -> str:
    """A figure as the page prints it: two decimals, or an en dash when undefined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def short(name: str, limit: int = 16) -> str:
    """Shorten a name for a chart axis (the full name goes into the tooltip and the table)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _text_width(name: str) -> float:
    return 7.0 * len(short(name))


# --- annotator-pair heatmap ------------------------------------------------------------------


@dataclass
class HeatCell:
    """One cell of the pair heatmap: a pair's figure, its colour and place."""

    row: str
    col: str
    x: float
    y: float
    size: float
    value: float | None
    reason: str | None
    fill: str
    ink: str
    diagonal: bool

    @property
    def text(self) -> str:
        """What the cell prints: the figure, or nothing on the diagonal."""
        return "" if self.diagonal else fmt(self.value)


@dataclass
class Heatmap:
    """The annotators x annotators heatmap of one pair figure."""

    metric: str
    names: list[str]
    width: float
    height: float
    left: float
    top: float
    size: float
    cells: list[HeatCell] = field(default_factory=list)


def pair_cells(per_pair: Sequence[PairFigures], metric: str) -> dict[tuple[str, str], Figure]:
    """Each annotator pair's ``metric`` (one of ``PAIR_METRICS``), for ``pair_heatmap``."""
    return {pair.annotators: pair.figures()[metric] for pair in per_pair}


def pair_heatmap(annotators: Sequence[str], cells: Mapping[tuple[str, str], Figure],
                 metric: str = "cohen_kappa", size: float = 54.0) -> Heatmap:
    """Lay out the annotators x annotators matrix of one pair figure (symmetric; ``cells``:
    each pair's figure, in either order)."""
    names = list(annotators)
    values: dict[tuple[str, str], Figure] = {}
    for (a, b), fig in cells.items():
        values[(a, b)] = values[(b, a)] = fig
    label_w = max((_text_width(n) for n in names), default=0.0) + 12
    left, top = label_w, label_w * 0.72 + 8
    heat = Heatmap(metric, names, left + size * len(names) + 8, top + size * len(names) + 8,
                   left, top, size)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            diagonal = i == j
            fig = NO_FIGURE if diagonal else values.get((a, b), NO_FIGURE)
            reason = fig.reason if fig.value is None else None
            fill = "#f8f9fb" if diagonal else agreement_colour(fig.value)
            heat.cells.append(HeatCell(a, b, left + j * size, top + i * size, size, fig.value,
                                       reason, fill, text_colour(fill), diagonal))
    return heat


# --- per-label bars --------------------------------------------------------------------------


@dataclass
class Bar:
    """One figure's bar in a label's group, with its whisker."""

    metric: str
    x: float
    y: float
    width: float
    height: float
    value: float | None
    reason: str | None
    ci: Interval | None
    ci_x: tuple[float, float] | None
    value_x: float


@dataclass
class BarRow:
    """One label's group of bars."""

    label: str
    y: float
    height: float
    bars: list[Bar]


@dataclass
class BarChart:
    """The per-label bar chart: its axis, ticks and rows."""

    width: float
    height: float
    left: float
    plot_width: float
    zero_x: float
    ticks: list[tuple[float, str]]
    rows: list[BarRow]
    metrics: list[str]


@dataclass(frozen=True)
class Estimate:
    """A figure and its 95% interval (None when it has none)."""

    figure: Figure
    ci: Interval | None = None


NO_ESTIMATE = Estimate(NO_FIGURE)


def label_estimates(per_label: Mapping[str, LabelFigures],
                    metrics: Sequence[str] = tuple(LABEL_METRICS)
                    ) -> dict[str, dict[str, Estimate]]:
    """Each label's ``metrics`` with their intervals, for ``label_bars``."""
    return {lb: {m: Estimate(block.figures()[m], block.ci.get(m) if block.ci else None)
                 for m in metrics}
            for lb, block in per_label.items()}


def label_bars(labels: Sequence[str], estimates: Mapping[str, Mapping[str, Estimate]],
               metrics: Sequence[str] = tuple(LABEL_METRICS), plot_width: float = 420.0,
               bar_h: float = 11.0) -> BarChart:
    """Horizontal grouped bars: one group per label, one bar per figure, 95% whiskers."""
    shown = {lb: {m: estimates[lb].get(m, NO_ESTIMATE) for m in metrics} for lb in labels}
    values = [e.figure.value for lb in labels for e in shown[lb].values()]
    lows = [v for v in values if v is not None] + [
        e.ci[0] for lb in labels for e in estimates[lb].values() if e.ci]
    # The axis runs from 0 (or below, to the lowest value or interval, in steps of 0.2) to 1.
    lo = min([0.0, *lows])
    lo = max(-1.0, math.floor(lo * 5 - 1e-9) / 5) if lo < 0 else 0.0
    hi = 1.0
    left = max((_text_width(lb) for lb in labels), default=40.0) + 14

    def x_of(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_width

    rows: list[BarRow] = []
    gap = 14.0
    y = 12.0
    for lb in labels:
        bars = [_bar(m, e, y + k * (bar_h + 2), bar_h, x_of)
                for k, (m, e) in enumerate(shown[lb].items())]
        height = len(metrics) * (bar_h + 2)
        rows.append(BarRow(lb, y, height, bars))
        y += height + gap
    ticks = []
    t = lo
    while t <= hi + 1e-9:
        ticks.append((x_of(t), f"{t:.1f}"))
        t = round(t + 0.2, 10)
    return BarChart(left + plot_width + 48, y + 16, left, plot_width, x_of(0.0), ticks, rows,
                    list(metrics))


def _bar(metric: str, estimate: Estimate, y: float, bar_h: float,
         x_of: Callable[[float], float]) -> Bar:
    """One bar from 0 to the value (leftwards when negative), its whisker and label place."""
    value = estimate.figure.value
    reason = estimate.figure.reason if value is None else None
    if value is None:
        x, w = x_of(0.0), 0.0
    else:
        x0, x1 = sorted((x_of(0.0), x_of(value)))
        x, w = x0, x1 - x0
    ci = estimate.ci
    ci_x = (x_of(ci[0]), x_of(ci[1])) if ci else None
    value_x = max(x + w, ci_x[1] if ci_x else 0.0, x_of(0.0)) + 4
    return Bar(metric, x, y, w, bar_h, value, reason, ci, ci_x, value_x)


# --- stacked disagreement bars ---------------------------------------------------------------


@dataclass
class Segment:
    """One disagreement kind's part of a stacked bar."""

    kind: str
    x: float
    width: float
    count: int


@dataclass
class StackRow:
    """One stacked bar: a row of the disagreement breakdown."""

    key: Any  # what a click filters on: a label, a pair (a, b) or None for everything
    title: str
    y: float
    total: int
    segments: list[Segment]


@dataclass
class StackChart:
    """Stacked disagreement bars sharing one scale."""

    width: float
    height: float
    left: float
    plot_width: float
    bar_h: float
    maximum: int
    rows: list[StackRow]


def stacked_bars(rows: Sequence[tuple[Any, str, Mapping[str, int]]], plot_width: float = 440.0,
                 bar_h: float = 18.0, kinds: Mapping[str, str] = KIND_NAMES) -> StackChart:
    """One horizontal bar per row, split into disagreement ``kinds``; lengths share one scale."""
    totals = [sum(counts.get(k, 0) for k in kinds) for _, _, counts in rows]
    maximum = max(totals, default=0)
    left = max((_text_width(title) for _, title, _ in rows), default=40.0) + 14
    out: list[StackRow] = []
    y = 8.0
    for (key, title, counts), total in zip(rows, totals, strict=True):
        x = left
        segments = []
        for kind in kinds:
            n = int(counts.get(kind, 0))
            w = plot_width * n / maximum if maximum else 0.0
            if n:
                segments.append(Segment(kind, x, w, n))
            x += w
        out.append(StackRow(key, title, y, total, segments))
        y += bar_h + 8
    return StackChart(left + plot_width + 56, y + 4, left, plot_width, bar_h, maximum, out)


# --- confusion matrix ------------------------------------------------------------------------


@dataclass
class ConfusionCell:
    """One cell of the span confusion matrix."""

    row: str
    col: str
    x: float
    y: float
    size: float
    count: int
    opacity: float
    diagonal: bool
    ink: str


@dataclass
class ConfusionGrid:
    """The span confusion matrix laid out."""

    labels: list[str]
    width: float
    height: float
    left: float
    top: float
    size: float
    cells: list[ConfusionCell]


def confusion_grid(labels: Sequence[str], matrix: Sequence[Sequence[int]],
                   size: float = 58.0) -> ConfusionGrid:
    """Lay out the span confusion matrix; shade grows with the square root of the count."""
    names = list(labels)
    peak = max((c for row in matrix for c in row), default=0)
    left = max((_text_width(n) for n in names), default=20.0) + 12
    top = left * 0.72 + 8
    cells = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            count = int(matrix[i][j])
            # sqrt: a few confusions stay visible next to thousands of agreements.
            opacity = 0.0 if not peak or not count else 0.12 + 0.88 * math.sqrt(count / peak)
            ink = "#ffffff" if opacity > 0.55 else "#1d2430"
            cells.append(ConfusionCell(a, b, left + j * size, top + i * size, size, count,
                                       round(opacity, 3), i == j, ink))
    return ConfusionGrid(names, left + size * len(names) + 8, top + size * len(names) + 8,
                         left, top, size, cells)


# --- the whole dashboard ---------------------------------------------------------------------

SUMMARY: tuple[tuple[str, str], ...] = (
    ("krippendorff_alpha", "Krippendorff's alpha (tokens, nominal)"),
    ("fleiss_kappa", "Fleiss' kappa (tokens)"),
    ("cohen_kappa", "Cohen's kappa (tokens, mean over pairs)"),
    ("inside_spans.krippendorff_alpha", "alpha on tokens inside someone's span"),
    ("inside_spans.cohen_kappa", "Cohen's kappa on tokens inside someone's span"),
    ("span_f1", "span F1, exact match (mean over pairs)"),
    ("span_f1_partial", "span F1, partial match (overlap, same label)"),
    ("unitizing_alpha", "unitizing alpha (spans as units on the text)"),
    ("event_type.strict_agreement", "event type agreement on matched EVENT spans, strict"),
    ("event_type.hierarchical_agreement", "event type agreement, hierarchy-aware"),
    ("argument_f1", "argument F1, exact (event, role, argument; mean over pairs)"),
    ("argument_f1_partial", "argument F1, partial (head and child overlapping)"),
    ("argument_f1_given_event", "argument F1 given an exactly matched event"),
)


@dataclass
class SummaryRow:
    """One headline figure of the summary table."""

    key: str
    words: str
    value: float | None
    ci: Interval | None
    reason: str | None
    n: int | None
    n_of: str


def _lookup(block: FigureBlock, dotted: str) -> Figure:
    *path, key = dotted.split(".")
    for part in path:
        block = getattr(block, part)
    return block.figures()[key]


def summary_rows(report: AgreementReport) -> list[SummaryRow]:
    """The headline figures of a report, each with its interval, size and undefined reason."""
    overall = report.overall
    counts = report.counts
    spans = sum(b.spans_compared for b in report.per_label.values())
    event_pairs = overall.event_type.pairs
    arguments = sum(b.arguments_compared for b in report.per_role.values())
    sizes = {
        "argument_f1": (arguments, "arguments"),
        "argument_f1_partial": (arguments, "arguments"),
        "argument_f1_given_event": (arguments, "arguments"),
        "krippendorff_alpha": (counts.tokens_compared, "tokens"),
        "fleiss_kappa": (overall.fleiss_units, "tokens"),
        "cohen_kappa": (counts.tokens_compared, "tokens"),
        "inside_spans.krippendorff_alpha": (counts.tokens_inside_spans, "tokens"),
        "inside_spans.cohen_kappa": (counts.tokens_inside_spans, "tokens"),
        "span_f1": (spans, "spans"),
        "span_f1_partial": (spans, "spans"),
        "unitizing_alpha": (overall.unitizing_sentences, "sentences"),
        "event_type.strict_agreement": (event_pairs, "matched event pairs"),
        "event_type.hierarchical_agreement": (event_pairs, "matched event pairs"),
    }
    rows = []
    for key, words in SUMMARY:
        fig = _lookup(overall, key)
        n, n_of = sizes[key]
        ci = overall.ci.get(key) if overall.ci is not None else None
        if key == "argument_f1":
            ci = overall.arguments.ci
        rows.append(SummaryRow(key, words, fig.value, ci,
                               fig.reason if fig.value is None else None, n, n_of))
    return rows


BreakdownRow = tuple[Any, str, Mapping[str, int]]


def breakdown_rows(report: AgreementReport) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Rows for the stacked disagreement bars: (overall + each label), and each pair."""
    by_label: list[BreakdownRow] = [(None, "all labels", report.overall.disagreements)]
    by_label += [(lb, lb, block.disagreements) for lb, block in report.per_label.items()]
    by_pair: list[BreakdownRow] = [(p.annotators, " / ".join(p.annotators), p.disagreements)
                                   for p in report.per_pair]
    return by_label, by_pair
