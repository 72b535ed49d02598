"""``list_disagreements``: the concrete disagreements behind the report's figures."""

from __future__ import annotations

import pytest

from annotator.agreement import DISAGREEMENT_KINDS, agreement_report, list_disagreements
from tests.agreement.test_report import DRILL, SCHEMA, TEXT, sp


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {("a", "b", "label_only"), ("a", "b", "subtype_only"), ("a", "b", "missed"),
              ("a", "c", "boundary_only"), ("a", "c", "missed"), ("b", "c", "label_and_boundary"),
              ("b", "c", "missed")}),
        ({"pair": ("b", "a")}, {("a", "b", "label_only"), ("a", "b", "subtype_only"),
                                ("a", "b", "missed")}),
        ({"kind": "missed", "label": "LOCATION"}, {("a", "b", "missed"), ("b", "c", "missed")}),
        ({"cell": ("ACTOR", "UNIT")}, {("a", "b", "label_only"),
                                       ("b", "c", "label_and_boundary")}),
        ({"cell": ("O", "EVENT")}, {("a", "c", "missed"), ("b", "c", "missed")}),
        ({"label": "NOPE"}, set()),
        ({"pair": ("a", "zz")}, set()),
    ],
)
def test_list_disagreements_filters(filters, expected) -> None:
    got = list_disagreements(DRILL, schema=SCHEMA, **filters)
    assert {(d["annotators"][0], d["annotators"][1], d["kind"]) for d in got} == expected
    for d in got:
        assert d["sentence_id"] == "s1" and d["text"] == TEXT and d["group"] == 4
        assert d["kind"] in DISAGREEMENT_KINDS
        for side in ("a_spans", "b_spans"):
            for s in d[side]:
                assert s["text"] == TEXT[s["start"]:s["end"]]


def test_list_disagreements_shows_both_sides() -> None:
    got = list_disagreements(DRILL, schema=SCHEMA, kind="subtype_only")
    assert got == [{
        "sentence_id": "s1", "text": TEXT, "group": 4, "annotators": ["a", "b"],
        "kind": "subtype_only", "labels": ["EVENT", "EVENT"],
        "a_spans": [{"start": 18, "end": 25, "label": "EVENT",
                     "attributes": {"event_type": "armed_clash"}, "text": "shelled"}],
        "b_spans": [{"start": 18, "end": 25, "label": "EVENT",
                     "attributes": {"event_type": "protest"}, "text": "shelled"}],
    }]
    assert len(list_disagreements(DRILL, limit=2)) == 2
    with pytest.raises(ValueError):
        list_disagreements(DRILL, kind="agree")


def test_drill_down_counts_equal_the_report_breakdown() -> None:
    report = agreement_report(DRILL, schema=SCHEMA).to_json()
    for kind, n in report["overall"]["disagreements"].items():
        assert len(list_disagreements(DRILL, schema=SCHEMA, kind=kind)) == n
    for pair in report["per_pair"]:
        got = list_disagreements(DRILL, schema=SCHEMA, pair=pair["annotators"])
        assert len(got) == sum(pair["disagreements"].values())


def test_limit_keeps_the_first_disagreements_in_sentence_order() -> None:
    items = [{"id": i, "text": TEXT, "annotations": {
        "a": [sp(0, 17, "ACTOR")], "b": [], "c": [sp(0, 17, "UNIT")]}} for i in range(5)]
    every = list_disagreements(items)
    first = list_disagreements(items, limit=4)
    assert first == every[:4]
    assert [d["sentence_id"] for d in first] == [0, 0, 0, 1]


