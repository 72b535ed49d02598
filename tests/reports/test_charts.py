"""Chart geometry and colours of the agreement dashboard (pure, hand-worked cases)."""

from __future__ import annotations

import pytest

from annotator.agreement import agreement_report
from annotator.agreement.metrics import Figure
from annotator.reports import charts
from annotator.reports.charts import Estimate


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        (None, charts.UNDEFINED_FILL),
        (float("nan"), charts.UNDEFINED_FILL),
        (-0.5, "#d92d20"),  # below 0: as bad as 0
        (0.0, "#d92d20"),
        (0.667, "#f7b022"),
        (0.8, "#66c680"),
        (1.0, "#12804c"),
        (1.7, "#12804c"),
    ],
)
def test_agreement_colour_scale(value, colour) -> None:
    assert charts.agreement_colour(value) == colour


def test_agreement_colour_moves_from_red_towards_green() -> None:
    reds = [int(charts.agreement_colour(v / 10)[1:3], 16) for v in range(0, 7)]
    greens = [int(charts.agreement_colour(v / 10)[3:5], 16) for v in range(0, 7)]
    assert reds == sorted(reds) and greens == sorted(greens)  # red -> amber: both grow
    assert charts.agreement_colour(0.9) != charts.agreement_colour(0.8)


def test_text_colour_contrasts_with_the_fill() -> None:
    assert charts.text_colour("#12804c") == "#ffffff"
    assert charts.text_colour("#eef1f5") == "#1d2430"
    assert charts.text_colour("#f7b022") == "#1d2430"


def test_fmt_and_short() -> None:
    assert charts.fmt(None) == "–" and charts.fmt(float("nan")) == "–"
    assert charts.fmt(0.12345) == "0.12" and charts.fmt(-0.5, 3) == "-0.500"
    assert charts.short("abc") == "abc"
    assert charts.short("x" * 30) == "x" * 15 + "…"


# Each pair's figures, as ``charts.pair_cells`` takes them from a report's pair blocks.
PAIRS = {
    "cohen_kappa": {("a", "b"): Figure(0.5),
                    ("a", "c"): Figure(None, "no sentence was annotated by both"),
                    ("b", "c"): Figure(1.0)},
    "span_f1": {("a", "b"): Figure(0.9), ("a", "c"): Figure(0.1),
                ("b", "c"): Figure(None, "nobody marked a span")},
}


def test_pair_heatmap_is_symmetric_with_an_empty_diagonal() -> None:
    heat = charts.pair_heatmap(["a", "b", "c"], PAIRS["cohen_kappa"], "cohen_kappa", size=50)
    assert len(heat.cells) == 9
    cell = {(c.row, c.col): c for c in heat.cells}
    assert cell[("a", "b")].value == cell[("b", "a")].value == 0.5
    assert cell[("c", "b")].value == 1.0
    assert cell[("a", "c")].value is None
    assert cell[("c", "a")].reason == "no sentence was annotated by both"
    assert cell[("a", "c")].fill == charts.UNDEFINED_FILL
    assert all(cell[(n, n)].diagonal and cell[(n, n)].text == "" for n in "abc")
    # rows go down, columns go right, one cell size apart
    assert cell[("b", "a")].y - cell[("a", "a")].y == pytest.approx(50)
    assert cell[("a", "b")].x - cell[("a", "a")].x == pytest.approx(50)
    assert heat.width == heat.left + 3 * 50 + 8


def test_pair_heatmap_shows_the_chosen_figure() -> None:
    heat = charts.pair_heatmap(["a", "b", "c"], PAIRS["span_f1"], "span_f1")
    cell = {(c.row, c.col): c for c in heat.cells}
    assert cell[("b", "a")].value == 0.9 and cell[("b", "c")].reason == "nobody marked a span"


def test_label_bars_geometry() -> None:
    per_label = {
        "ACTOR": {"krippendorff_alpha": Estimate(Figure(0.5), (0.25, 0.75)),
                  "span_f1": Estimate(Figure(1.0), (1.0, 1.0))},
        "UNIT": {"krippendorff_alpha": Estimate(Figure(-0.3)),
                 "span_f1": Estimate(Figure(None, "nobody used UNIT"))},
    }
    chart = charts.label_bars(["ACTOR", "UNIT"], per_label,
                              metrics=("krippendorff_alpha", "span_f1"), plot_width=400)
    # the axis starts at -0.4 (below -0.3, in steps of 0.2) and ends at 1
    assert chart.ticks[0][1] == "-0.4" and chart.ticks[-1][1] == "1.0"
    scale = 400 / 1.4
    assert chart.zero_x == pytest.approx(chart.left + 0.4 * scale)
    actor, unit = chart.rows
    alpha = actor.bars[0]
    assert alpha.x == pytest.approx(chart.zero_x) and alpha.width == pytest.approx(0.5 * scale)
    assert alpha.ci_x == pytest.approx((chart.zero_x + 0.25 * scale, chart.zero_x + 0.75 * scale))
    negative = unit.bars[0]
    assert negative.x + negative.width == pytest.approx(chart.zero_x)  # drawn leftwards
    assert negative.width == pytest.approx(0.3 * scale)
    undefined = unit.bars[1]
    assert undefined.value is None and undefined.width == 0
    assert undefined.reason == "nobody used UNIT"
    assert unit.y > actor.y + actor.height


def test_label_bars_axis_starts_at_zero_without_negative_values() -> None:
    chart = charts.label_bars(["A"], {"A": {"krippendorff_alpha": Estimate(Figure(0.2))}},
                              metrics=("krippendorff_alpha",))
    assert chart.ticks[0][1] == "0.0" and chart.zero_x == chart.left


def test_stacked_bars_share_one_scale() -> None:
    rows = [
        (None, "all", {"missed": 3, "label_only": 1, "boundary_only": 0}),
        ("A", "A", {"missed": 1}),
        ("B", "B", {}),
    ]
    chart = charts.stacked_bars(rows, plot_width=400)
    assert chart.maximum == 4
    first, second, third = chart.rows
    assert [s.kind for s in first.segments] == ["missed", "label_only"]  # kind order
    assert [s.count for s in first.segments] == [3, 1]
    assert first.segments[0].width == pytest.approx(300)
    assert first.segments[1].x == pytest.approx(first.segments[0].x + 300)  # contiguous
    assert second.segments[0].width == pytest.approx(100)
    assert third.segments == [] and third.total == 0


def test_stacked_bars_without_any_disagreement() -> None:
    chart = charts.stacked_bars([(None, "all", {"missed": 0})])
    assert chart.maximum == 0 and chart.rows[0].segments == []


def test_confusion_grid_shading() -> None:
    grid = charts.confusion_grid(["A", "B", "O"], [[16, 4, 1], [4, 0, 0], [1, 0, 0]])
    cell = {(c.row, c.col): c for c in grid.cells}
    assert cell[("A", "A")].opacity == 1.0 and cell[("A", "A")].diagonal
    assert cell[("B", "B")].opacity == 0.0
    assert cell[("A", "B")].opacity == pytest.approx(0.12 + 0.88 * 0.5)  # sqrt(4/16)
    assert cell[("A", "B")].count == cell[("B", "A")].count == 4
    assert not cell[("A", "O")].diagonal


def test_summary_rows_and_breakdown_of_a_real_report() -> None:
    items = [
        {"id": 1, "text": "Rebels hit Kamdesh.",
         "annotations": {"a": [{"start": 0, "end": 6, "label": "ACTOR"}], "b": []}},
    ]
    typed = agreement_report(items, labels=["ACTOR", "UNIT"])
    report = typed.to_json()
    rows = {r.key: r for r in charts.summary_rows(typed)}
    assert [r.key for r in charts.summary_rows(typed)] == [k for k, _ in charts.SUMMARY]
    assert rows["span_f1"].value == report["overall"]["span_f1"] == 0.0
    assert rows["span_f1"].n == 1 and rows["span_f1"].n_of == "spans"
    ev = rows["event_type.strict_agreement"]
    assert ev.value is None and ev.reason == report["overall"]["event_type"]["undefined"][
        "strict_agreement"]
    by_label, by_pair = charts.breakdown_rows(typed)
    assert by_label[0] == (None, "all labels", report["overall"]["disagreements"])
    assert [r[0] for r in by_label[1:]] == ["ACTOR", "UNIT"]
    assert by_pair == [(("a", "b"), "a / b", report["per_pair"][0]["disagreements"])]
    assert by_pair[0][2]["missed"] == 1


def test_pair_cells_and_label_estimates_read_a_real_report() -> None:
    items = [{"id": i, "text": "Rebels hit Kamdesh.",
              "annotations": {"a": [{"start": 0, "end": 6, "label": "ACTOR"}],
                              "b": [{"start": 0, "end": 6, "label": "ACTOR"}], "c": []}}
             for i in range(12)]
    typed = agreement_report(items, labels=["ACTOR", "UNIT"], bootstrap=20)
    report = typed.to_json()
    for metric in charts.PAIR_METRICS:
        cells = charts.pair_cells(typed.per_pair, metric)
        for pair in report["per_pair"]:
            fig = cells[tuple(pair["annotators"])]
            assert fig.value == pair[metric]
            assert (fig.reason if fig.value is None else None) == pair["undefined"].get(metric)
    estimates = charts.label_estimates(typed.per_label)
    for label, block in report["per_label"].items():
        for metric in charts.LABEL_METRICS:
            assert estimates[label][metric].figure.value == block[metric]
            ci = block["ci"].get(metric)
            assert estimates[label][metric].ci == (tuple(ci) if ci else None)
