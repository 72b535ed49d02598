"""Span validation rules: offsets, labels, attributes, overlap, text check."""

from __future__ import annotations

import pytest

from annotator.projects.schema import default_schema_document, parse_schema
from annotator.spans import InvalidSpans, Span, parse_spans

SCHEMA = parse_schema(default_schema_document())
TEXT = "Syrian troops shelled Kafr Nabl on Monday."  # 42 code points


def test_valid_spans_come_back_sorted_with_attributes() -> None:
    raw = [
        {"start": 14, "end": 21, "label": "EVENT",
         "attributes": {"event_type": "shelling_artillery_missile"}},
        {"start": 0, "end": 13, "label": "ACTOR", "text": "Syrian troops"},
    ]
    spans = parse_spans(raw, TEXT, SCHEMA)
    assert spans == [
        Span(0, 13, "ACTOR"),
        Span(14, 21, "EVENT", (("event_type", "shelling_artillery_missile"),)),
    ]
    assert spans[1].event_type == "shelling_artillery_missile"


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"start": -1, "end": 3, "label": "ACTOR"}, "outside"),
        ({"start": 3, "end": 3, "label": "ACTOR"}, "outside"),
        ({"start": 5, "end": 43, "label": "ACTOR"}, "outside"),
        ({"start": 1.0, "end": 3, "label": "ACTOR"}, "integers"),
        ({"start": True, "end": 3, "label": "ACTOR"}, "integers"),
        ({"start": "1", "end": 3, "label": "ACTOR"}, "integers"),
        ({"start": 0, "end": 3, "label": "PERSON"}, "not in the schema"),
        ({"start": 0, "end": 3, "label": "actor"}, "not in the schema"),
        ({"start": 0, "end": 3, "label": "ACTOR", "attributes": {"event_type": "riot"}},
         "not defined"),
        ({"start": 0, "end": 3, "label": "EVENT", "attributes": {"event_type": "picnic"}},
         "not an allowed"),
        ({"start": 0, "end": 3, "label": "EVENT", "attributes": ["riot"]}, "must be an object"),
        ({"start": 0, "end": 3, "label": "ACTOR", "colour": "red"}, "unknown field"),
        ({"start": 0, "end": 6, "label": "ACTOR", "text": "Syria"}, "does not match"),
        ("ACTOR 0 3", "must be an object"),
    ],
)
def test_each_bad_span_is_named(item: object, fragment: str) -> None:
    good = {"start": 33, "end": 41, "label": "LOCATION"}
    with pytest.raises(InvalidSpans) as info:
        parse_spans([good, item], TEXT, SCHEMA)
    errors = info.value.errors
    assert [e.index for e in errors] == [1]
    assert fragment in errors[0].message


def test_overlap_is_refused_and_touching_is_fine() -> None:
    touching = [{"start": 0, "end": 6, "label": "ACTOR"}, {"start": 6, "end": 13, "label": "ACTOR"}]
    assert len(parse_spans(touching, TEXT, SCHEMA)) == 2
    overlapping = [{"start": 0, "end": 13, "label": "ACTOR"},
                   {"start": 7, "end": 21, "label": "EVENT"}]
    with pytest.raises(InvalidSpans) as info:
        parse_spans(overlapping, TEXT, SCHEMA)
    assert "overlaps" in info.value.errors[0].message


def test_every_error_is_reported_not_just_the_first() -> None:
    raw = [{"start": 0, "end": 99, "label": "ACTOR"}, {"start": 0, "end": 3, "label": "X"}]
    with pytest.raises(InvalidSpans) as info:
        parse_spans(raw, TEXT, SCHEMA)
    assert [e.index for e in info.value.errors] == [0, 1]


def test_not_a_list() -> None:
    with pytest.raises(InvalidSpans):
        parse_spans({"start": 0}, TEXT, SCHEMA)


def test_offsets_are_code_points() -> None:
    text = "🚀 Drone hit Idlib"  # the rocket is one code point, two UTF-16 units
    spans = parse_spans([{"start": 12, "end": 17, "label": "LOCATION", "text": "Idlib"}], text,
                        SCHEMA)
    assert text[spans[0].start : spans[0].end] == "Idlib"


def test_an_origin_is_kept_but_is_not_part_of_a_spans_identity() -> None:
    schema = parse_schema(default_schema_document())
    raw = [{"start": 0, "end": 6, "label": "ACTOR",
            "origin": {"source": "pattern", "name": "groups"}}]
    (span,) = parse_spans(raw, "Rebels attacked", schema)
    assert span.origin == ("pattern", "groups")
    assert span.to_json()["origin"] == {"source": "pattern", "name": "groups"}
    assert span == Span(0, 6, "ACTOR") and "origin" not in Span(0, 6, "ACTOR").to_json()
    for bad in ({"source": "oracle", "name": "x"}, {"source": "pattern"},
                {"source": "pattern", "name": ""}, "gazetteer"):
        with pytest.raises(InvalidSpans, match="origin"):
            parse_spans([{**raw[0], "origin": bad}], "Rebels attacked", schema)
