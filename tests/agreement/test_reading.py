"""The plain-words reading of a report."""

from __future__ import annotations

from dataclasses import replace

import pytest

from annotator.agreement import agreement_report, reading
from annotator.agreement.metrics import Figure
from tests.agreement.test_report import DRILL, PERFECT, SCHEMA, _one


@pytest.mark.parametrize(
    ("alpha", "words"),
    [(0.85, "reliable"), (0.71, "tentative agreement"), (0.4, "unreliable")],
)
def test_reading_names_krippendorff_thresholds(alpha, words) -> None:
    whole = agreement_report(_one(PERFECT), schema=SCHEMA).whole
    report = replace(whole, overall=replace(whole.overall, krippendorff_alpha=Figure(alpha)))
    assert reading(report)[0] == f"alpha {alpha:.2f}: " + {
        "reliable": "reliable.",
        "tentative agreement": "tentative agreement: good enough for tentative conclusions only.",
        "unreliable": "unreliable: below Krippendorff's 0.667 minimum.",
    }[words]


def test_reading_of_a_real_report() -> None:
    report = agreement_report(DRILL, schema=SCHEMA)
    assert report.reading == reading(report.whole)
    text = " ".join(report.reading)
    assert text.startswith("alpha ")
    assert "Cohen's kappa" in text and "span F1" in text and "most disagreements are" in text
    undefined = agreement_report(_one({"a": []}))
    assert undefined.reading[0].startswith("Krippendorff's alpha is undefined: only one")
