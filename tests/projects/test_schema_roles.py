"""Roles in schema changes (pure): what an edit adds, removes and retargets, a renamed label
carried into the targets, each stored relation's fate, the default event roles."""

from __future__ import annotations

import copy

import pytest

from annotator.projects.schema import SchemaError, default_schema_document, parse_schema
from annotator.projects.schema_changes import (
    Plan,
    add_default_roles,
    broken_relations,
    check_plan,
    compare,
    over_max,
    parse_mappings,
    relation_fate,
    retarget,
)


def event(doc: dict) -> dict:
    return next(label for label in doc["labels"] if label["key"] == "EVENT")


def role(doc: dict, key: str) -> dict:
    return next(r for r in event(doc)["roles"] if r["key"] == key)


def without_roles() -> dict:
    doc = default_schema_document()
    for label in doc["labels"]:
        label.pop("roles", None)
    return doc


OLD = default_schema_document()


def test_compare_lists_roles_targets_and_max_that_change() -> None:
    new = copy.deepcopy(OLD)
    event(new)["roles"] = [r for r in event(new)["roles"] if r["key"] != "location"]
    role(new, "actor1")["targets"] = ["ACTOR"]
    role(new, "actor2")["targets"] = ["ACTOR", "UNIT", "LOCATION"]
    role(new, "actor2")["max"] = 2
    event(new)["roles"].append({"key": "source", "name": "Source", "targets": ["ACTOR"]})
    diff = compare(parse_schema(OLD), parse_schema(new))
    assert diff.removed_roles == (("EVENT", "location"),)
    assert diff.added_roles == (("EVENT", "source"),)
    assert diff.removed_targets == (("EVENT", "actor1", "UNIT"),)
    assert diff.added_targets == (("EVENT", "actor2", "LOCATION"),)
    assert diff.max_changed == (("EVENT.actor2", 2),)
    assert diff.changed
    gained = compare(parse_schema(without_roles()), parse_schema(OLD))
    assert gained.added_roles == (("EVENT", "actor1"), ("EVENT", "actor2"), ("EVENT", "location"))
    assert gained.removed_roles == gained.removed_targets == () and gained.changed


def test_a_renamed_label_is_renamed_in_every_role_target() -> None:
    new = copy.deepcopy(OLD)
    new["labels"][0]["key"] = "AGENT"  # ACTOR; the roles still name it
    with pytest.raises(SchemaError, match="target 'ACTOR' is not a label"):
        parse_schema(new)
    plan = parse_mappings(["ACTOR=AGENT"])
    moved = retarget(new, plan)
    assert role(moved, "actor1")["targets"] == ["AGENT", "UNIT"]
    assert role(new, "actor1")["targets"] == ["ACTOR", "UNIT"]  # the input is not changed
    schema = parse_schema(moved)
    diff = compare(parse_schema(OLD), schema, plan)
    assert diff.removed_targets == diff.added_targets == ()  # the same targets, renamed
    check_plan(diff, schema, plan)
    # Two labels merged into one (UNIT removed, its spans moved to ACTOR): listed once.
    merged = [lb for lb in copy.deepcopy(OLD)["labels"] if lb["key"] != "UNIT"]
    doc = {**OLD, "labels": merged}
    assert role(retarget(doc, parse_mappings(["UNIT=ACTOR"])), "actor1")["targets"] == ["ACTOR"]


@pytest.mark.parametrize(("link", "mappings", "edit", "fate"), [
    (("EVENT", "actor1", "ACTOR"), [], None, "actor1"),
    (("EVENT", "location", "LOCATION"), [], "drop location", None),
    (("EVENT", "actor2", "ACTOR"), ["EVENT.actor2=EVENT.target"], "rename actor2", "target"),
    (("EVENT", "actor1", "UNIT"), [], "actor1 takes ACTOR only", None),
    (("EVENT", "actor1", "ACTOR"), [], "actor1 takes ACTOR only", "actor1"),
    (("EVENT", "actor1", "ACTOR"), ["ACTOR=AGENT"], "rename ACTOR", "actor1"),
    (("EVENT", "actor1", "UNIT"), ["UNIT=ACTOR"], "remove UNIT", "actor1"),
    (("EVENT", "location", "UNIT"), ["UNIT=ACTOR"], "remove UNIT", None),
    (("EVENT", "actor1", "UNIT"), [], "retire UNIT", "actor1"),
    (("EVENT", "actor1", "ACTOR"), ["EVENT=INCIDENT"], "rename EVENT", "actor1"),
])
def test_relation_fate(link, mappings: list[str], edit: str | None, fate: str | None) -> None:
    new = copy.deepcopy(OLD)
    if edit == "drop location":
        event(new)["roles"].pop()
    elif edit == "rename actor2":
        role(new, "actor2")["key"] = "target"
    elif edit == "actor1 takes ACTOR only":
        role(new, "actor1")["targets"] = ["ACTOR"]
    elif edit == "rename ACTOR":
        new["labels"][0]["key"] = "AGENT"
    elif edit == "remove UNIT":
        new["labels"] = [lb for lb in new["labels"] if lb["key"] != "UNIT"]
    elif edit == "retire UNIT":
        new["labels"][2]["retired"] = True
    elif edit == "rename EVENT":
        event(new)["key"] = "INCIDENT"
    plan = parse_mappings(mappings)
    schema = parse_schema(retarget(new, plan))
    check_plan(compare(parse_schema(OLD), schema, plan), schema, plan)
    assert relation_fate(link, plan, schema) == fate


def test_broken_relations_are_grouped_with_their_counts() -> None:
    new = copy.deepcopy(OLD)
    event(new)["roles"].pop()  # location
    role(new, "actor1")["targets"] = ["ACTOR"]
    schema = parse_schema(new)
    counts = {("EVENT", "actor1", "ACTOR"): 5, ("EVENT", "actor1", "UNIT"): 2,
              ("EVENT", "location", "LOCATION"): 3, ("EVENT", "actor2", "UNIT"): 1}
    diff = compare(parse_schema(OLD), schema)
    assert broken_relations(diff, Plan(), schema, counts) == {
        "EVENT.actor1 → UNIT": 2, "EVENT.location": 3}
    assert broken_relations(diff, Plan(), parse_schema(OLD), counts) == {}


def test_role_mappings_are_checked() -> None:
    new = copy.deepcopy(OLD)
    role(new, "actor2")["key"] = "target"
    schema = parse_schema(new)
    diff = compare(parse_schema(OLD), schema)
    assert diff.removed_roles == (("EVENT", "actor2"),)
    check_plan(diff, schema, parse_mappings(["EVENT.actor2=EVENT.target"]))
    for text, message in [
        ("EVENT.actor1=EVENT.target", "EVENT.actor1 is not removed"),
        ("EVENT.actor2=EVENT.nope", "nope is not a role of EVENT"),
    ]:
        with pytest.raises(SchemaError, match=message):
            check_plan(diff, schema, parse_mappings([text]))
    with pytest.raises(SchemaError, match="same label"):
        parse_mappings(["EVENT.actor2=ACTOR.target"])
    with pytest.raises(SchemaError, match="mapped twice"):
        parse_mappings(["EVENT.actor2=EVENT.a", "EVENT.actor2=EVENT.b"])


def test_a_lower_max_than_stored_events_have_is_found() -> None:
    new = copy.deepcopy(OLD)
    role(new, "actor1")["max"] = 1
    role(new, "location")["max"] = 2
    sizes = {("EVENT", "actor1", 1): 10, ("EVENT", "actor1", 2): 3, ("EVENT", "actor1", 3): 1,
             ("EVENT", "location", 2): 4}
    assert over_max(parse_schema(new), Plan(), sizes) == ["EVENT.actor1: 4 events have more than 1"]
    assert over_max(parse_schema(OLD), Plan(), sizes) == []


def test_default_roles_are_added_once_with_the_targets_the_schema_has() -> None:
    doc, added = add_default_roles(without_roles(), default_schema_document())
    assert added == ["EVENT.actor1", "EVENT.actor2", "EVENT.location"]
    assert parse_schema(doc).label("EVENT").roles == parse_schema(OLD).label("EVENT").roles
    again, none = add_default_roles(doc, default_schema_document())
    assert again == doc and none == []
    # No UNIT label in this project: actors are ACTOR only; a role of its own stays.
    small = without_roles()
    small["labels"] = [lb for lb in small["labels"] if lb["key"] != "UNIT"]
    event(small)["roles"] = [{"key": "actor1", "name": "Attacker", "targets": ["ACTOR"]}]
    doc, added = add_default_roles(small, default_schema_document())
    assert added == ["EVENT.actor2", "EVENT.location"]
    assert role(doc, "actor1")["name"] == "Attacker"
    assert role(doc, "actor2")["targets"] == ["ACTOR"]
    with pytest.raises(SchemaError, match="no label EVENT"):
        add_default_roles({"name": "x", "labels": [{"key": "PER"}]}, default_schema_document())
