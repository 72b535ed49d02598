"""Event arguments in adjudication (pure): the vote on relations, argument conflicts, scores."""

from __future__ import annotations

import pytest

from annotator.adjudication.arguments import (
    adjudicate_relations,
    argument_open,
    eligible,
    in_words,
    score_arguments,
)
from annotator.projects.schema import default_schema_document, parse_schema
from annotator.relations import Relation
from annotator.spans import Span

# "Militants of the Eastern Front shelled Tal Hamra": EVENT "shelled", two ACTORs, a LOCATION.
MILITANTS = Span(0, 9, "ACTOR")
FRONT = Span(17, 30, "ACTOR")
SHELLED = Span(31, 38, "EVENT")
TAL_HAMRA = Span(39, 48, "LOCATION")
GOLD = [MILITANTS, FRONT, SHELLED, TAL_HAMRA]


def rel(role: str, child: Span, head: Span = SHELLED) -> Relation:
    return Relation(head.start, head.end, role, child.start, child.end)


@pytest.fixture(scope="module")
def schema():
    return parse_schema(default_schema_document())


@pytest.fixture(scope="module")
def capped():
    """The default schema with at most one actor1 per event."""
    doc = default_schema_document()
    event = next(lb for lb in doc["labels"] if lb["key"] == "EVENT")
    for role in event["roles"]:
        if role["key"] == "actor1":
            role["max"] = 1
    return parse_schema(doc)


def test_majority_accepts_identical_relations_with_their_annotators(schema) -> None:
    frames = adjudicate_relations(
        {"a": [rel("actor1", MILITANTS), rel("location", TAL_HAMRA)],
         "b": [rel("actor1", MILITANTS), rel("location", TAL_HAMRA)],
         "c": [rel("actor1", MILITANTS)]},
        GOLD, schema, min_agree=2,
    )
    accepted = [(a.relation, a.annotators, a.votes, a.voters, a.unanimous)
                for a in frames.accepted]
    assert accepted == [
        (rel("actor1", MILITANTS), ("a", "b", "c"), 3, 3, True),
        (rel("location", TAL_HAMRA), ("a", "b"), 2, 3, False),
    ]
    assert frames.conflicts == ()  # c's missing location is outvoted, as a span would be


def test_a_relation_whose_span_is_not_gold_is_neither_accepted_nor_disputed(schema) -> None:
    frames = adjudicate_relations(
        {"a": [rel("actor1", FRONT)], "b": [rel("actor1", FRONT)]},
        [MILITANTS, SHELLED, TAL_HAMRA], schema, min_agree=2,
    )
    assert frames == type(frames)((), ())


def test_minority_arguments_make_one_conflict_per_event_with_every_version(schema) -> None:
    frames = adjudicate_relations(
        {"a": [rel("actor1", MILITANTS)], "b": [rel("actor2", MILITANTS)], "c": []},
        GOLD, schema, min_agree=2,
    )
    assert frames.accepted == ()
    (conflict,) = frames.conflicts
    assert (conflict.start, conflict.end, conflict.kind, conflict.labels) == (
        31, 38, "argument", ("EVENT",))
    assert conflict.roles == ("actor1", "actor2")
    assert conflict.version_of("a") == (rel("actor1", MILITANTS),)
    assert conflict.version_of("c") == ()
    assert argument_open(conflict, []) and not argument_open(conflict, [(31, 38)])
    assert argument_open(conflict, [(0, 9)])  # a span decision elsewhere does not decide it


def test_unanimity_leaves_a_two_of_three_argument_to_the_curator(schema) -> None:
    links = {"a": [rel("actor1", MILITANTS)], "b": [rel("actor1", MILITANTS)], "c": []}
    assert adjudicate_relations(links, GOLD, schema, min_agree=2).conflicts == ()
    frames = adjudicate_relations(links, GOLD, schema, min_agree=3)
    assert frames.accepted == () and frames.conflicts[0].roles == ("actor1",)


def test_voted_arguments_beyond_a_roles_max_are_left_to_the_curator(capped) -> None:
    frames = adjudicate_relations(
        {"a": [rel("actor1", MILITANTS)], "b": [rel("actor1", MILITANTS)],
         "c": [rel("actor1", FRONT)], "d": [rel("actor1", FRONT)]},
        GOLD, capped, min_agree=2,
    )
    assert frames.accepted == ()
    assert frames.conflicts[0].roles == ("actor1",)


def test_eligible_checks_the_schema_against_the_gold_labels(schema) -> None:
    relabelled = [Span(0, 9, "LOCATION"), SHELLED, TAL_HAMRA]
    links = [rel("actor1", MILITANTS), rel("location", TAL_HAMRA), rel("actor1", SHELLED),
             rel("unknown", TAL_HAMRA), rel("actor1", TAL_HAMRA, head=MILITANTS)]
    # actor1 cannot be a LOCATION; a span is never its own argument; no such role; a
    # LOCATION has no roles.
    assert eligible(links, relabelled, schema) == [rel("location", TAL_HAMRA)]


def test_min_agree_below_one_is_refused(schema) -> None:
    with pytest.raises(ValueError):
        adjudicate_relations({}, GOLD, schema, min_agree=0)


def test_argument_scores_per_role_against_gold() -> None:
    gold = [rel("actor1", MILITANTS), rel("actor2", FRONT), rel("location", TAL_HAMRA)]
    mine = [rel("actor1", MILITANTS), rel("actor1", FRONT), rel("location", TAL_HAMRA)]
    per_role, overall = score_arguments([(gold, mine), ([], [])])
    assert {k: (v.tp, v.fp, v.fn) for k, v in per_role.items()} == {
        "actor1": (1, 1, 0), "actor2": (0, 0, 1), "location": (1, 0, 0)}
    assert (per_role["actor1"].precision, per_role["actor1"].recall) == (0.5, 1.0)
    assert per_role["actor1"].f1 == pytest.approx(2 / 3)
    assert per_role["actor2"].recall == 0.0 and per_role["actor2"].precision is None
    assert (overall.tp, overall.fp, overall.fn) == (2, 1, 1)
    assert overall.f1 == pytest.approx(2 / 3)


def test_relations_in_words_name_the_event_the_role_and_the_argument(schema) -> None:
    text = "Militants of the Eastern Front shelled Tal Hamra"
    assert in_words([rel("location", TAL_HAMRA), rel("actor1", MILITANTS)], GOLD, text,
                    schema) == ["“shelled”: Actor 1 (initiator) → “Militants”",
                                "“shelled”: Location → “Tal Hamra”"]
