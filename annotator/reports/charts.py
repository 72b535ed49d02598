"""Geometry and colours of the agreement dashboard's SVG charts, from report data (pure).

Templates draw the shapes; everything numeric (positions, widths, colours) is decided here so
it can be tested without a browser. Colours are returned as ``#rrggbb`` strings for SVG
presentation attributes (``fill="..."``), which the strict CSP allows (unlike ``style=""``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
}

# Figures the per-label bars show (report key -> words), and which carry a bootstrap interval.
LABEL_METRICS: dict[str, str] = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "cohen_kappa": "Cohen's kappa",
    "span_f1": "span F1, exact",
    "span_f1_partial": "span F1, partial",
}

UNDEFINED_FILL = "#eef1f5"
# Agreement colour scale: red at 0 (and below), amber at Krippendorff's 0.667 minimum for
# tentative conclusions, green from his 0.8 "reliable" threshold up to 1.
SCALE = ((0.0, (217, 45, 32)), (0.667, (247, 176, 34)), (0.8, (102, 198, 128)),
         (1.0, (18, 128, 76)))


def agreement_colour(value: float | None) -> str:
    """Return the heatmap colour of an agreement figure (grey when undefined)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNDEFINED_FILL
    v = min(max(float(value), SCALE[0][0]), SCALE[-1][0])
    for (x0, c0), (x1, c1) in zip(SCALE, SCALE[1:]):
        if v <= x1:
            t = (v - x0) / (x1 - x0)
            return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1))
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
        return "" if self.diagonal else fmt(self.value)


@dataclass
class Heatmap:
    metric: str
    names: list[str]
    width: float
    height: float
    left: float
    top: float
    size: float
    cells: list[HeatCell] = field(default_factory=list)


def pair_heatmap(annotators: Sequence[str], per_pair: Sequence[Mapping[str, Any]],
                 metric: str = "cohen_kappa", size: float = 54.0) -> Heatmap:
    """Lay out the annotators x annotators matrix of one pair figure (symmetric)."""
    names = list(annotators)
    values: dict[tuple[str, str], tuple[float | None, str | None]] = {}
    for block in per_pair:
        a, b = block["annotators"]
        value = block.get(metric)
        reason = block.get("undefined", {}).get(metric)
        values[(a, b)] = values[(b, a)] = (value, reason)
    label_w = max((_text_width(n) for n in names), default=0.0) + 12
    left, top = label_w, label_w * 0.72 + 8
    heat = Heatmap(metric, names, left + size * len(names) + 8, top + size * len(names) + 8,
                   left, top, size)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            diagonal = i == j
            value, reason = (None, None) if diagonal else values.get((a, b), (None, None))
            fill = "#f8f9fb" if diagonal else agreement_colour(value)
            heat.cells.append(HeatCell(a, b, left + j * size, top + i * size, size, value,
                                       reason, fill, text_colour(fill), diagonal))
    return heat


# --- per-label bars --------------------------------------------------------------------------


@dataclass
class Bar:
    metric: str
    x: float
    y: float
    width: float
    height: float
    value: float | None
    reason: str | None
    ci: list[float] | None
    ci_x: tuple[float, float] | None
    value_x: float


@dataclass
class BarRow:
    label: str
    y: float
    height: float
    bars: list[Bar]


@dataclass
class BarChart:
    width: float
    height: float
    left: float
    plot_width: float
    zero_x: float
    ticks: list[tuple[float, str]]
    rows: list[BarRow]
    metrics: list[str]


def label_bars(labels: Sequence[str], per_label: Mapping[str, Mapping[str, Any]],
               metrics: Sequence[str] = tuple(LABEL_METRICS), plot_width: float = 420.0,
               bar_h: float = 11.0) -> BarChart:
    """Horizontal grouped bars: one group per label, one bar per figure, 95% whiskers."""
    values = [per_label[lb].get(m) for lb in labels for m in metrics]
    lows = [v for v in values if v is not None] + [
        ci[0] for lb in labels for ci in (per_label[lb].get("ci") or {}).values() if ci]
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
        block = per_label[lb]
        bars = []
        for k, m in enumerate(metrics):
            value = block.get(m)
            reason = block.get("undefined", {}).get(m)
            ci = (block.get("ci") or {}).get(m)
            by = y + k * (bar_h + 2)
            if value is None:
                x, w = x_of(0.0), 0.0
            else:
                x0, x1 = sorted((x_of(0.0), x_of(value)))
                x, w = x0, x1 - x0
            ci_x = (x_of(ci[0]), x_of(ci[1])) if ci else None
            value_x = max(x + w, ci_x[1] if ci_x else 0.0, x_of(0.0)) + 4
            bars.append(Bar(m, x, by, w, bar_h, value, reason, ci, ci_x, value_x))
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


# --- stacked disagreement bars ---------------------------------------------------------------


@dataclass
class Segment:
    kind: str
    x: float
    width: float
    count: int


@dataclass
class StackRow:
    key: Any  # what a click filters on: a label, a pair (a, b) or None for everything
    title: str
    y: float
    total: int
    segments: list[Segment]


@dataclass
class StackChart:
    width: float
    height: float
    left: float
    plot_width: float
    bar_h: float
    maximum: int
    rows: list[StackRow]


def stacked_bars(rows: Sequence[tuple[Any, str, Mapping[str, int]]], plot_width: float = 440.0,
                 bar_h: float = 18.0) -> StackChart:
    """One horizontal bar per row, split into disagreement kinds; lengths share one scale."""
    totals = [sum(counts.get(k, 0) for k in KIND_NAMES) for _, _, counts in rows]
    maximum = max(totals, default=0)
    left = max((_text_width(title) for _, title, _ in rows), default=40.0) + 14
    out: list[StackRow] = []
    y = 8.0
    for (key, title, counts), total in zip(rows, totals):
        x = left
        segments = []
        for kind in KIND_NAMES:
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
)


@dataclass
class SummaryRow:
    key: str
    words: str
    value: float | None
    ci: list[float] | None
    reason: str | None
    n: int | None
    n_of: str


def _lookup(block: Mapping[str, Any], dotted: str) -> tuple[Any, str | None]:
    *path, key = dotted.split(".")
    for part in path:
        block = block.get(part, {})
    return block.get(key), block.get("undefined", {}).get(key)


def summary_rows(report: Mapping[str, Any]) -> list[SummaryRow]:
    """The headline figures of a report, each with its interval, size and undefined reason."""
    overall = report["overall"]
    counts = report["counts"]
    ci = overall.get("ci") or {}
    spans = sum(b.get("spans_compared", 0) for b in report["per_label"].values())
    sizes = {
        "krippendorff_alpha": (counts["tokens_compared"], "tokens"),
        "fleiss_kappa": (overall.get("fleiss_units"), "tokens"),
        "cohen_kappa": (counts["tokens_compared"], "tokens"),
        "inside_spans.krippendorff_alpha": (counts["tokens_inside_spans"], "tokens"),
        "inside_spans.cohen_kappa": (counts["tokens_inside_spans"], "tokens"),
        "span_f1": (spans, "spans"),
        "span_f1_partial": (spans, "spans"),
        "unitizing_alpha": (overall.get("unitizing_sentences"), "sentences"),
        "event_type.strict_agreement": (overall.get("event_type", {}).get("pairs"),
                                        "matched event pairs"),
        "event_type.hierarchical_agreement": (overall.get("event_type", {}).get("pairs"),
                                              "matched event pairs"),
    }
    rows = []
    for key, words in SUMMARY:
        value, reason = _lookup(overall, key)
        n, n_of = sizes[key]
        rows.append(SummaryRow(key, words, value, ci.get(key), reason, n, n_of))
    return rows


def breakdown_rows(report: Mapping[str, Any]) -> tuple[list[tuple[Any, str, Mapping[str, int]]],
                                                        list[tuple[Any, str, Mapping[str, int]]]]:
    """Rows for the stacked disagreement bars: (overall + each label), and each pair."""
    by_label: list[tuple[Any, str, Mapping[str, int]]] = [
        (None, "all labels", report["overall"].get("disagreements", {}))]
    by_label += [(lb, lb, block.get("disagreements", {}))
                 for lb, block in report["per_label"].items()]
    by_pair = [(tuple(p["annotators"]), " / ".join(p["annotators"]), p.get("disagreements", {}))
               for p in report["per_pair"]]
    return by_label, by_pair
