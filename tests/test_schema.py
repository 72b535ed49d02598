"""The label schema format and the default conflict-events schema."""

from __future__ import annotations

import copy

import pytest

from annotator.projects.schema import SchemaError, default_schema_document, parse_schema


def test_default_schema_has_the_four_labels_with_hotkeys() -> None:
    schema = parse_schema(default_schema_document())
    assert schema.keys == ("ACTOR", "LOCATION", "UNIT", "EVENT")
    assert [lb.hotkey for lb in schema.labels] == ["1", "2", "3", "4"]
    event_type = schema.label("EVENT").attribute("event_type")
    assert event_type is not None and not event_type.required
    assert event_type.group_of("air_drone_strike") == event_type.group_of("shelling_artillery_missile")
    assert event_type.group_of("armed_clash") != event_type.group_of("air_drone_strike")
    assert "government_regains_territory" in event_type.allowed


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("labels"), "missing 'labels'"),
        (lambda d: d.update(labels=[]), "must not be empty"),
        (lambda d: d["labels"][0].update(key="actor"), "upper-case"),
        (lambda d: d["labels"][1].update(key="ACTOR"), "duplicate key"),
        (lambda d: d["labels"][1].update(hotkey="1"), "duplicate hotkey"),
        (lambda d: d["labels"][0].update(color="blue"), "#rrggbb"),
        (lambda d: d["labels"][3]["attributes"][0]["values"].append({"value": "armed_clash"}), "duplicate value"),
        (lambda d: d["labels"][3]["attributes"][0]["values"].append({"value": "x", "group": "nope"}), "unknown group"),
    ],
)
def test_malformed_schemas_are_refused_with_a_path(mutate, fragment: str) -> None:
    doc = copy.deepcopy(default_schema_document())
    mutate(doc)
    with pytest.raises(SchemaError, match=fragment):
        parse_schema(doc)


def test_not_an_object() -> None:
    with pytest.raises(SchemaError):
        parse_schema(["ACTOR"])
