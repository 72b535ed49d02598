"""Roles in the label schema and the rules relations obey (pure)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.projects.schema import SchemaError, default_schema_document, parse_schema
from annotator.relations import (
    InvalidRelations,
    Relation,
    keep_attached,
    parse_relations,
    relations_from_json,
)
from annotator.spans import Span

SCHEMA = parse_schema(default_schema_document())
SPANS = [Span(0, 8, "ACTOR"), Span(9, 16, "EVENT"), Span(20, 25, "LOCATION"),
         Span(30, 35, "UNIT")]


def link(head: Span, child: Span, role: str) -> dict:
    return Relation(head.start, head.end, role, child.start, child.end).to_json()


def test_the_default_schema_gives_event_three_roles() -> None:
    event = SCHEMA.label("EVENT")
    assert [(r.key, r.targets) for r in event.roles] == [
        ("actor1", ("ACTOR", "UNIT")), ("actor2", ("ACTOR", "UNIT")), ("location", ("LOCATION",))]
    assert SCHEMA.has_roles and SCHEMA.label("ACTOR").roles == ()


def _with_roles(roles) -> dict:
    doc = copy.deepcopy(default_schema_document())
    next(lb for lb in doc["labels"] if lb["key"] == "EVENT")["roles"] = roles
    return doc


@pytest.mark.parametrize("roles, message", [
    ([{"key": "Actor1", "targets": ["ACTOR"]}], "lower-case"),
    ([{"key": "a", "targets": ["ACTOR"]}, {"key": "a", "targets": ["UNIT"]}], "duplicate role"),
    ([{"key": "a", "targets": ["NOPE"]}], "'NOPE' is not a label"),
    ([{"key": "a", "targets": []}], "non-empty list"),
    ([{"key": "a", "targets": ["ACTOR"], "max": 0}], "positive integer"),
    ([{"key": "a", "targets": ["ACTOR"], "colour": "red"}], "unknown field 'colour'"),
    ("actor1", "'roles' must be list"),
])
def test_bad_roles_are_refused_with_where(roles, message) -> None:
    with pytest.raises(SchemaError, match=message) as err:
        parse_schema(_with_roles(roles))
    assert "labels[3]" in str(err.value) or "roles" in str(err.value)


def test_a_schema_without_roles_still_parses() -> None:
    doc = _with_roles([])
    assert not parse_schema(doc).has_roles


def test_good_relations_are_sorted() -> None:
    actor, event, place, unit = SPANS
    got = parse_relations([link(event, place, "location"), link(event, unit, "actor1"),
                           link(event, actor, "actor2")], SPANS, SCHEMA)
    assert [r.role for r in got] == ["actor1", "actor2", "location"]
    assert parse_relations(None, SPANS, SCHEMA) == []


def test_every_bad_relation_is_named_at_once() -> None:
    actor, event, place, unit = SPANS
    with pytest.raises(InvalidRelations) as err:
        parse_relations([link(event, actor, "actor1"), link(actor, place, "location"),
                         {"head": {"start": 9, "end": 16}}, link(event, actor, "actor1")],
                        SPANS, SCHEMA)
    assert [e.index for e in err.value.errors] == [1, 2, 3]


def test_keep_attached_drops_links_of_a_removed_span() -> None:
    actor, event, place, _ = SPANS
    relations = [Relation(9, 16, "actor1", 0, 8), Relation(9, 16, "location", 20, 25)]
    assert keep_attached(relations, [event, place]) == [relations[1]]
    assert relations_from_json([r.to_json() for r in relations]) == relations
    assert relations_from_json(None) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["head", "child", "role", "start", "end", "x"]), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_any_json_is_accepted_or_refused_cleanly(raw) -> None:
    try:
        got = parse_relations(raw, SPANS, SCHEMA)
    except InvalidRelations as err:
        assert err.errors
    else:
        assert all(r.head != r.child for r in got)
