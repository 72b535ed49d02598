"""Real gold-json exports validate against docs/gold-json.schema.json and keep its promises."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from annotator.export import services
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from tests.export.gold_data import FIXED_TIME, add_gold, golden_project, sentences_of

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "gold-json.schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_itself_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def export(session, project, agreement=None, **raw) -> dict:
    prepared = services.prepare_export(session, project, parse_options("gold-json", **raw),
                                       with_agreement=False, now=FIXED_TIME)
    if agreement is not None:
        import dataclasses

        prepared = dataclasses.replace(
            prepared, header=dataclasses.replace(prepared.header, agreement=agreement))
    tally = make_tally(prepared.header)
    return json.loads("".join(services.stream_export(session, prepared, tally)))


def check_promises(data: dict) -> None:
    """What the schema cannot say: k <= n, span text, sorted spans, counts add up."""
    labels: dict[str, int] = {}
    sentences = spans = 0
    for document in data["documents"]:
        assert [s["index"] for s in document["sentences"]] == sorted(
            s["index"] for s in document["sentences"])
        for s in document["sentences"]:
            sentences += 1
            assert len(s["text"]) == s["end"] - s["start"]
            keys = [(x["start"], x["end"]) for x in s["spans"]]
            assert keys == sorted(keys)
            for span in s["spans"]:
                spans += 1
                labels[span["label"]] = labels.get(span["label"], 0) + 1
                assert 0 <= span["start"] < span["end"] <= len(s["text"])
                assert s["text"][span["start"]:span["end"]] == span["text"]
                assert span["votes"]["k"] <= span["votes"]["n"]
                assert (span["curator"] is not None) <= (span["source"] == "curator")
    counts = data["counts"]
    assert (counts["documents"], counts["sentences"], counts["spans"]) == (
        len(data["documents"]), sentences, spans)
    assert {k: v for k, v in counts["labels"].items() if v} == labels
    assert sum(counts["sources"].values()) == spans
    assert sum(counts["gold_status"].values()) == sentences
    if counts["splits"]:
        assert sum(b["documents"] for b in counts["splits"].values()) == counts["documents"]
        assert sum(b["spans"] for b in counts["splits"].values()) == spans


@pytest.mark.parametrize(
    "raw",
    [{}, {"split": "80/10/10", "seed": "3"}, {"split": "50/50", "part": "test"},
     {"include_annotations": "1"}, {"complete_only": "1", "split": "90/10"}],
    ids=["plain", "split", "part", "annotations", "complete-only"],
)
def test_exports_validate_against_the_schema(db, raw: dict) -> None:
    data = export(db.session, golden_project(db.session)["project"], **raw)
    VALIDATOR.validate(data)
    check_promises(data)


def test_export_with_agreement_and_odd_data_validates(db) -> None:
    from tests.export.test_golden import AGREEMENT

    project = golden_project(db.session)["project"]
    s = sentences_of(db.session, project.id)[-1]
    add_gold(db.session, s.id, [{"start": 0, "end": 3, "label": "ACTOR", "source": "curator",
                                 "attributes": {"confidence": "low"}, "note": "x" * 2000}],
             status="partial")
    db.session.commit()
    data = export(db.session, project, agreement=AGREEMENT)
    VALIDATOR.validate(data)
    check_promises(data)


@pytest.mark.parametrize(
    ("path", "bad"),
    [(("documents", 0, "sentences", 0, "spans", 0, "source"), "consensus"),
     (("documents", 0, "sentences", 0, "spans", 0, "votes"), "2/3"),
     (("documents", 0, "sentences", 0, "gold_status"), "done"),
     (("documents", 0, "split"), "validation"),
     (("counts", "sources", "unanimous"), -1)],
)
def test_the_schema_rejects_what_it_should(db, path: tuple, bad) -> None:
    data = export(db.session, golden_project(db.session)["project"])
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)
