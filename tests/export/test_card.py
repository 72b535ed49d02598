"""The dataset card: counts, sources, agreement, schema and warnings."""

from __future__ import annotations

from annotator.export.card import render_card
from annotator.export.records import ExportHeader
from annotator.export.tally import make_tally, tally_documents
from tests.export.sample_records import TEXT, document, gold, header, sample_documents, sentence

AGREEMENT = {
    "sentences": 40, "annotators": 3, "tokens": 900,
    "overall": {"krippendorff_alpha": {"value": 0.71, "ci95": [0.62, 0.79]},
                "span_f1": {"value": 0.8, "ci95": [0.74, 0.85]}, "spans": 210},
    "labels": {
        "ACTOR": {"krippendorff_alpha": {"value": 0.81, "ci95": [0.75, 0.88]},
                  "span_f1": {"value": 0.86, "ci95": [0.8, 0.9]}, "spans": 120},
        "UNIT": {"krippendorff_alpha": {"value": 0.41, "ci95": [0.2, 0.6]},
                 "span_f1": {"value": 0.5, "ci95": [0.3, 0.66]}, "spans": 12},
        "EVENT": {"krippendorff_alpha": {"value": None, "ci95": None, "reason": "nobody used it"},
                  "span_f1": {"value": None, "ci95": None}, "spans": 0},
    },
    "warnings": ["UNIT: only 12 units; the interval is wide"],
}


def test_card_reports_counts_sources_agreement_schema_and_warnings() -> None:
    h = header(agreement=AGREEMENT, split="50/50", seed=1, split_names=["train", "test"])
    counts = tally_documents(sample_documents(), make_tally(h)).counts()
    card = render_card(h, counts)
    assert "| train | 1 | 2 | 2 | 1 | 1 | 0 | 0 |" in card
    assert "| test | 1 | 1 | 1 | 0 | 1 | 0 | 0 |" in card
    assert "| all | 2 | 3 | 3 | 1 | 2 | 0 | 0 |" in card
    assert "| 1 | 33.3% |" in card  # each source made one of the three spans
    assert "| ACTOR | 0.810 | [0.750, 0.880] | 0.860 | [0.800, 0.900] | 120 |" in card
    assert "| EVENT | n/a | n/a | n/a | n/a | 0 |" in card
    assert 'Schema "conflict events", guidelines version 1.0.' in card
    assert "split 50/50 by document, seed 1" in card
    warnings = card[card.index("## Warnings"):]
    assert "UNIT has only 0 gold spans" in warnings
    assert "UNIT: annotators agree poorly (alpha 0.410 < 0.667)" in warnings
    assert "ACTOR: annotators agree poorly" not in warnings
    assert "only 12 units" in warnings
    assert "The test part has no ACTOR span." in warnings
    assert "1 sentences are partial" in warnings


def test_card_without_agreement_or_problems() -> None:
    many = [gold(5, 17)]
    docs = [document(*[sentence(TEXT, many, sid=i) for i in range(1, 60)])]
    schema = {"name": "actors", "version": "2", "labels": [{"key": "ACTOR"}]}
    h = ExportHeader(1, "A | B", schema, "2024-01-01T00:00:00Z", "jsonl",
                     header().options, None)
    card = render_card(h, tally_documents(docs, make_tally(h)).counts())
    assert card.startswith("# Dataset card: A \\| B\n")  # a pipe cannot break a table
    assert "No agreement figures" in card
    assert card.rstrip().endswith("## Warnings\n\nNone.")


def test_card_warns_about_spans_off_token_boundaries() -> None:
    docs = [document(sentence(TEXT, [gold(6, 10), gold(4, 5, "LOCATION")]))]
    card = render_card(header(), tally_documents(docs, make_tally(header())).counts())
    assert "1 spans do not start and end on token boundaries" in card
    assert "1 spans cover no token of their own" in card
