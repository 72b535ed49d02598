"""The typed report: its attributes say what its JSON says, and its JSON is the one on file."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import AgreementReport, agreement_report
from annotator.agreement.blocks import FigureBlock
from annotator.agreement.textio import report_table
from tests.agreement.test_report import LABELS, SCHEMA, random_items

GOLDEN = Path(__file__).parent / "golden"


def golden_report() -> AgreementReport:
    """The report on the items on file (three annotators, batches, an unknown label)."""
    items = json.loads((GOLDEN / "items.json").read_text(encoding="utf-8"))
    return agreement_report(items, schema=SCHEMA, bootstrap=50, seed=4)


def test_json_is_byte_for_byte_the_one_on_file() -> None:
    """report.json was written by the dict-building report this one replaced."""
    report = golden_report()
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    assert text == (GOLDEN / "report.json").read_text(encoding="utf-8")
    assert report_table(report) + "\n" == (GOLDEN / "report.txt").read_text(encoding="utf-8")


def test_to_json_builds_fresh_data() -> None:
    report = golden_report()
    data = report.to_json()
    data["overall"]["disagreements"]["missed"] = -1
    data["per_label"]["ACTOR"]["undefined"]["x"] = "y"
    data["counts"]["spans"]["ACTOR"] = -1
    assert report.to_json() != data
    assert report.overall.disagreements["missed"] >= 0


def same_block(block: FigureBlock, data: dict) -> None:
    """Every figure of ``block`` has the value and reason its JSON gives."""
    figures = block.figures()
    assert data["undefined"] == block.undefined
    assert [k for k in data if k in figures] == list(figures)  # the JSON's order
    for name, fig in figures.items():
        assert data[name] == fig.value, name
        if fig.value is None:
            assert data["undefined"][name] == fig.reason
        else:
            assert name not in data["undefined"]


def same_section(section, data: dict) -> None:
    assert data["counts"] == section.counts.to_json()
    same_block(section.overall, data["overall"])
    same_block(section.overall.inside_spans, data["overall"]["inside_spans"])
    same_block(section.overall.event_type, data["overall"]["event_type"])
    assert data["overall"]["disagreements"] == section.overall.disagreements
    assert data["overall"]["unitizing_sentences"] == section.overall.unitizing_sentences
    assert list(data["per_label"]) == list(section.per_label)
    for label, block in section.per_label.items():
        same_block(block, data["per_label"][label])
        same_block(block.inside_spans, data["per_label"][label]["inside_spans"])
        assert data["per_label"][label]["spans_compared"] == block.spans_compared
        ci = data["per_label"][label].get("ci")
        assert ci == (block.ci.to_json() if block.ci is not None else None)
    assert len(data["per_pair"]) == len(section.per_pair)
    for pair, pair_data in zip(section.per_pair, data["per_pair"], strict=True):
        assert pair_data["annotators"] == list(pair.annotators)
        assert pair_data["reference"] == pair.reference == pair.annotators[0]
        same_block(pair, pair_data)
        same_block(pair.inside_spans, pair_data["inside_spans"])
        same_block(pair.event_type, pair_data["event_type"])
        for label, block in pair.per_label.items():
            same_block(block, pair_data["per_label"][label])
        assert pair_data["confusion"] == pair.confusion
    assert data["confusion"] == section.confusion.to_json()


@settings(max_examples=60, deadline=None)
@given(random_items(), st.lists(st.sampled_from([1, 2, None]), min_size=6, max_size=6),
       st.sampled_from([0, 20]))
def test_attributes_say_what_the_json_says(case, groups, bootstrap) -> None:
    _, items = case
    for item, g in zip(items, groups, strict=False):
        item["group"] = g
    report = agreement_report(items, labels=LABELS, bootstrap=bootstrap)
    data = report.to_json()
    assert data["annotators"] == report.annotators and data["labels"] == report.labels
    assert data["warnings"] == report.warnings and data["reading"] == report.reading
    assert data["bootstrap"]["replicates"] == report.bootstrap.replicates == bootstrap
    same_section(report.whole, data)
    assert [g["group"] for g in data["per_group"]] == [g.group for g in report.per_group]
    for group, group_data in zip(report.per_group, data["per_group"], strict=True):
        same_section(group.section, group_data)
    json.dumps(data, allow_nan=False)
