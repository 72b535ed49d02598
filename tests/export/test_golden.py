"""Each format's export of a small hand-made project equals its golden file, byte for byte.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/export/test_golden.py``
and read the diff before committing it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from annotator.export import services
from annotator.export.labelstudio import labelstudio_config
from annotator.export.options import PreparedExport, parse_options
from annotator.export.tally import make_tally
from tests.export.gold_data import FIXED_TIME, golden_project

GOLDEN = Path(__file__).parent / "golden"

# A fixed, hand-written agreement summary stands in for the agreement library's (whose
# figures are tested in test_agreement_summary.py), so these files change only with the exporter.
AGREEMENT = {
    "sentences": 2, "annotators": 3, "tokens": 27,
    "overall": {"krippendorff_alpha": {"value": 0.8125, "ci95": [0.5, 1.0]},
                "span_f1": {"value": 0.7778, "ci95": [0.6667, 1.0]}, "spans": 14,
                "argument_f1": {"value": 0.6667, "ci95": [0.3333, 1.0], "reason": None}},
    "labels": {
        "ACTOR": {"krippendorff_alpha": {"value": 1.0, "ci95": [1.0, 1.0]},
                  "span_f1": {"value": 1.0, "ci95": [1.0, 1.0]}, "spans": 3},
        "LOCATION": {"krippendorff_alpha": {"value": 0.6, "ci95": [0.2, 1.0]},
                     "span_f1": {"value": 0.6667, "ci95": [0.5, 1.0]}, "spans": 3},
        "UNIT": {"krippendorff_alpha": {"value": 1.0, "ci95": [1.0, 1.0]},
                 "span_f1": {"value": 1.0, "ci95": [1.0, 1.0]}, "spans": 2},
        "EVENT": {"krippendorff_alpha": {"value": 0.5, "ci95": [0.0, 1.0]},
                  "span_f1": {"value": 0.6667, "ci95": [0.0, 1.0]}, "spans": 2},
    },
    "per_role": {"actor1": {"argument_f1": {"value": 1.0, "ci95": [1.0, 1.0], "reason": None}},
                 "location": {"argument_f1": {"value": 0.5, "ci95": [0.0, 1.0],
                                              "reason": None}}},
    "warnings": ["Only 2 sentences were finished by two or more annotators: figures are rough."],
}

# file name -> (format, options)
CASES = {
    "gold.json": ("gold-json", {}),
    "gold-split-annotations.json": ("gold-json", {"split": "50/50", "seed": "1",
                                                  "include_annotations": "1"}),
    "gold.jsonl": ("jsonl", {}),
    "gold-annotations.jsonl": ("jsonl", {"include_annotations": "1"}),
    "gold-complete-train.jsonl": ("jsonl", {"split": "50/50", "seed": "1", "part": "train",
                                            "complete_only": "1"}),
    "gold.conll": ("conll", {}),
    "events.jsonl": ("events-jsonl", {}),
    "events-split.csv": ("events-csv", {"split": "50/50", "seed": "1"}),
    "labelstudio-split-annotations.json": ("labelstudio", {"split": "50/50", "seed": "1",
                                                           "include_annotations": "1"}),
}


def with_fixed_agreement(prepared: PreparedExport) -> PreparedExport:
    return dataclasses.replace(
        prepared, header=dataclasses.replace(prepared.header, agreement=AGREEMENT))


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as fh:  # CSV's CRLF line ends kept
        assert fh.read() == text, f"{name} differs from its golden file"


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_matches_golden_file(db, name: str) -> None:
    project = golden_project(db.session)["project"]
    fmt, raw = CASES[name]
    options = parse_options(fmt, **raw)
    prepared = with_fixed_agreement(services.prepare_export(
        db.session, project, options, with_agreement=False, now=FIXED_TIME))
    tally = make_tally(prepared.header)
    compare(name, "".join(services.stream_export(db.session, prepared, tally)))


def test_card_matches_golden_file(db) -> None:
    project = golden_project(db.session)["project"]
    options = parse_options("jsonl", split="50/50", seed="1")
    prepared = with_fixed_agreement(services.prepare_export(
        db.session, project, options, with_agreement=False, now=FIXED_TIME))
    compare("card.md", services.build_card(db.session, prepared))


def test_labelstudio_config_matches_golden_file(db) -> None:
    project = golden_project(db.session)["project"]
    compare("labelstudio-config.xml", labelstudio_config(project.label_schema))
