"""CSV rows of a report and the drill-down's grouping by sentence (pure, hand-made cases)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from annotator.agreement import agreement_report, list_disagreements
from annotator.projects.schema import default_schema_document, parse_schema
from annotator.reports import figures

GOLDEN = Path(__file__).parent.parent / "agreement" / "golden"

TEXT = "Rebels shelled Kamdesh."
ITEMS = [
    {"id": 10, "text": TEXT, "group": 1, "annotations": {
        "a": [{"start": 0, "end": 6, "label": "ACTOR"}, {"start": 15, "end": 22,
                                                         "label": "LOCATION"}],
        "b": [{"start": 0, "end": 6, "label": "UNIT"}, {"start": 15, "end": 22,
                                                        "label": "LOCATION"}]}},
    {"id": 11, "text": "Troops left.", "group": 2, "annotations": {
        "a": [{"start": 0, "end": 6, "label": "ACTOR"}], "b": []}},
]


def test_report_rows_cover_every_scope_once() -> None:
    typed = agreement_report(ITEMS, labels=["ACTOR", "LOCATION", "UNIT"], bootstrap=20)
    rows = figures.report_rows(typed)
    report = typed.to_json()
    keys = [(r["scope"], r["subject"], r["name"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {r["scope"] for r in rows} == {"overall", "label", "pair", "batch"}
    assert {r["subject"] for r in rows if r["scope"] == "batch"} == {"1", "2"}
    assert {r["subject"] for r in rows if r["scope"] == "pair"} == {"a / b"}
    table = {k: r for k, r in zip(keys, rows, strict=True)}
    assert table[("overall", "", "span_f1")]["value"] == report["overall"]["span_f1"]
    assert table[("overall", "", "span_f1")]["ci_low"] == report["overall"]["ci"]["span_f1"][0]
    assert table[("label", "UNIT", "disagreements.label_only")]["value"] == 1
    assert table[("pair", "a / b", "disagreements.missed")]["value"] == 1
    group2 = report["per_group"][1]
    assert table[("batch", "2", "span_f1")]["value"] == group2["overall"]["span_f1"] == 0.0
    # an undefined figure keeps its reason
    unit_kappa = table[("batch", "2", "event_type.strict_agreement")]
    assert unit_kappa["value"] is None and unit_kappa["reason"]


def test_csv_is_byte_for_byte_the_one_on_file() -> None:
    """report.csv was written from the dict-building report the typed one replaced."""
    items = json.loads((GOLDEN / "items.json").read_text(encoding="utf-8"))
    report = agreement_report(items, schema=parse_schema(default_schema_document()),
                              bootstrap=50, seed=4)
    with open(GOLDEN / "report.csv", encoding="utf-8", newline="") as expected:
        assert figures.rows_to_csv(figures.report_rows(report)) == expected.read()


def test_csv_round_trips_numbers_and_neutralises_formulas() -> None:
    rows = [
        {"scope": "pair", "subject": "=HYPERLINK(\"x\") / @bob", "name": "cohen_kappa",
         "value": -0.1234567890123, "ci_low": None, "ci_high": None, "n": 12, "n_of": "tokens",
         "reason": ""},
        {"scope": "overall", "subject": "", "name": "span_f1", "value": None, "ci_low": None,
         "ci_high": None, "n": 0, "n_of": "spans", "reason": "-no pairs, \"quoted\", comma"},
    ]
    text = figures.rows_to_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["subject"] == "'=HYPERLINK(\"x\") / @bob"
    assert float(parsed[0]["value"]) == -0.1234567890123  # negative numbers stay numbers
    assert parsed[0]["ci_low"] == "" and parsed[0]["n"] == "12"
    assert parsed[1]["value"] == "" and parsed[1]["reason"] == "'-no pairs, \"quoted\", comma"
    assert text.startswith(",".join(figures.CSV_COLUMNS) + "\r\n")


def test_segments_cover_the_text_and_mark_disputed_spans() -> None:
    spans = [{"start": 15, "end": 22, "label": "LOCATION"}, {"start": 0, "end": 6,
                                                              "label": "ACTOR"}]
    pieces = figures.segments(TEXT, spans, {(0, 6, "ACTOR")})
    assert "".join(p["text"] for p in pieces) == TEXT
    assert [(p["text"], p["span"]["label"] if p["span"] else None, p["disputed"])
            for p in pieces] == [("Rebels", "ACTOR", True), (" shelled ", None, False),
                                 ("Kamdesh", "LOCATION", False), (".", None, False)]
    assert figures.segments("", [], set()) == [{"text": "", "span": None, "disputed": False}]
    overlapping = [{"start": 0, "end": 6, "label": "A"}, {"start": 3, "end": 10, "label": "B"}]
    assert "".join(p["text"] for p in figures.segments(TEXT, overlapping, set())) == TEXT


def test_group_by_sentence_shows_each_involved_annotator_in_full() -> None:
    entries = list_disagreements(ITEMS)
    grouped = figures.group_by_sentence(entries, {i["id"]: i["annotations"] for i in ITEMS})
    assert [g["sentence_id"] for g in grouped] == [10, 11]
    first, second = grouped
    assert [d["kind"] for d in first["disagreements"]] == ["label_only"]
    assert [a["name"] for a in first["annotators"]] == ["a", "b"]
    a_pieces = first["annotators"][0]["pieces"]
    # every span of the annotator is shown; only the disputed one is marked
    assert [(p["text"], p["disputed"]) for p in a_pieces if p["span"]] == [
        ("Rebels", True), ("Kamdesh", False)]
    assert second["annotators"][1] == {"name": "b", "spans": 0,
                                       "pieces": [{"text": "Troops left.", "span": None,
                                                   "disputed": False}]}
    assert second["group"] == 2
