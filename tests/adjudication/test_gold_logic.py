"""The pure conflict logic: hand-worked sentences and properties over random ones."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.adjudication.conflicts import (
    BOUNDARY,
    LABEL,
    MISSED,
    SUBTYPE,
    adjudicate,
    display_order,
    is_open,
    label_agreement,
    queue_key,
    score_against_gold,
    segments,
)
from annotator.agreement.report import agreement_report
from annotator.spans import Span


def sp(start: int, end: int, label: str = "ACTOR", event_type: str | None = None) -> Span:
    attrs = (("event_type", event_type),) if event_type else ()
    return Span(start, end, label, attrs)


# ----------------------------------------------------------------- hand-worked sentences


def test_everyone_alike_is_accepted_unanimously() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 5)], "c": [sp(0, 5)]}, 2)
    assert [(x.span, x.votes, x.voters, x.unanimous) for x in out.accepted] == [
        (sp(0, 5), 3, 3, True)
    ]
    assert out.voters == ("a", "b", "c")
    assert out.conflicts == () and out.outvoted == ()


def test_majority_accepts_and_outvotes_the_dissent() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 5)], "c": [sp(0, 5, "LOCATION")]}, 2)
    (accepted,) = out.accepted
    assert (accepted.span, accepted.annotators, accepted.votes, accepted.unanimous) == (
        sp(0, 5), ("a", "b"), 2, False
    )
    assert out.outvoted == (("c", sp(0, 5, "LOCATION")),)
    assert out.conflicts == ()


def test_the_same_sentence_under_unanimity_is_a_label_conflict() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 5)], "c": [sp(0, 5, "LOCATION")]}, 3)
    assert out.accepted == ()
    (conflict,) = out.conflicts
    assert (conflict.start, conflict.end, conflict.kind, conflict.kinds) == (0, 5, LABEL, (LABEL,))
    assert conflict.versions == (
        ("a", (sp(0, 5),)), ("b", (sp(0, 5),)), ("c", (sp(0, 5, "LOCATION"),))
    )
    assert conflict.labels == ("ACTOR", "LOCATION")


def test_a_span_someone_did_not_mark_is_missed() -> None:
    out = adjudicate({"a": [sp(3, 9, "UNIT")], "b": []}, 2)
    (conflict,) = out.conflicts
    assert conflict.kind == MISSED and conflict.kinds == (MISSED,)
    assert conflict.version_of("a") == (sp(3, 9, "UNIT"),)
    assert conflict.version_of("b") == ()


def test_same_label_other_extent_is_boundary() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 8)]}, 2)
    (conflict,) = out.conflicts
    assert (conflict.start, conflict.end, conflict.kind) == (0, 8, BOUNDARY)


def test_same_event_extent_other_type_is_subtype() -> None:
    out = adjudicate(
        {"a": [sp(4, 11, "EVENT", "armed_clash")], "b": [sp(4, 11, "EVENT", "air_drone_strike")]},
        2,
    )
    (conflict,) = out.conflicts
    assert conflict.kind == SUBTYPE and conflict.labels == ("EVENT",)


def test_other_label_and_other_extent_is_a_label_conflict_with_both_aspects() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(2, 8, "LOCATION")]}, 2)
    (conflict,) = out.conflicts
    assert conflict.kind == LABEL and conflict.kinds == (BOUNDARY, LABEL)


def test_missed_wins_over_label_in_a_mixed_region() -> None:
    out = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 5, "UNIT")], "c": []}, 2)
    (conflict,) = out.conflicts
    assert conflict.kind == MISSED and conflict.kinds == (MISSED, LABEL)


def test_an_equal_split_leaves_both_readings_to_the_curator() -> None:
    # Four annotators, min-agree 2: both readings reach 2 votes, neither beats the other.
    out = adjudicate(
        {"a": [sp(0, 5)], "b": [sp(0, 5)], "c": [sp(0, 5, "UNIT")], "d": [sp(0, 5, "UNIT")]}, 2
    )
    assert out.accepted == ()
    (conflict,) = out.conflicts
    assert conflict.kind == LABEL


def test_more_votes_beat_fewer_even_below_a_majority() -> None:
    # Five annotators, min-agree 2: 3 votes beat 2, and the 2-vote rival is outvoted.
    out = adjudicate(
        {"a": [sp(0, 5)], "b": [sp(0, 5)], "c": [sp(0, 5)], "d": [sp(0, 4)], "e": [sp(0, 4)]}, 2
    )
    assert [x.span for x in out.accepted] == [sp(0, 5)]
    assert out.outvoted == (("d", sp(0, 4)), ("e", sp(0, 4)))


def test_overlaps_chain_into_one_region_and_separate_regions_stay_apart() -> None:
    out = adjudicate(
        {"a": [sp(0, 5), sp(20, 24)], "b": [sp(4, 10)], "c": [sp(9, 12, "UNIT")]}, 3
    )
    assert [(c.start, c.end) for c in out.conflicts] == [(0, 12), (20, 24)]
    first = out.conflicts[0]
    assert first.version_of("a") == (sp(0, 5),)
    assert first.version_of("b") == (sp(4, 10),)
    assert first.version_of("c") == (sp(9, 12, "UNIT"),)
    assert out.conflicts[1].kind == MISSED


def test_a_region_beside_an_accepted_span_is_a_separate_conflict() -> None:
    out = adjudicate({"a": [sp(0, 3), sp(10, 14)], "b": [sp(0, 3)], "c": [sp(0, 3)]}, 2)
    assert [x.span for x in out.accepted] == [sp(0, 3)]
    (conflict,) = out.conflicts
    assert (conflict.start, conflict.end, conflict.kind) == (10, 14, MISSED)


def test_nobody_labelled_anything() -> None:
    out = adjudicate({"a": [], "b": [], "c": []}, 2)
    assert out.accepted == () and out.conflicts == () and out.voters == ("a", "b", "c")


def test_one_annotator_with_min_agree_one_is_accepted_as_is() -> None:
    out = adjudicate({"solo": [sp(0, 3), sp(5, 9, "UNIT")]}, 1)
    assert [(x.span, x.unanimous) for x in out.accepted] == [
        (sp(0, 3), True), (sp(5, 9, "UNIT"), True)
    ]


def test_no_annotators_no_outcome() -> None:
    out = adjudicate({}, 2)
    assert out.voters == () and out.accepted == () and out.conflicts == ()


@pytest.mark.parametrize("min_agree", [0, -1, 4])
def test_min_agree_outside_one_to_n_is_refused(min_agree: int) -> None:
    with pytest.raises(ValueError):
        adjudicate({"a": [], "b": [], "c": []}, min_agree)


def test_attributes_take_part_in_exact_agreement() -> None:
    out = adjudicate(
        {"a": [sp(0, 4, "EVENT", "armed_clash")], "b": [sp(0, 4, "EVENT", "armed_clash")],
         "c": [sp(0, 4, "EVENT")]},
        2,
    )
    assert [x.span for x in out.accepted] == [sp(0, 4, "EVENT", "armed_clash")]
    assert out.outvoted == (("c", sp(0, 4, "EVENT")),)


def test_is_open_until_a_decision_covers_the_region() -> None:
    (conflict,) = adjudicate({"a": [sp(4, 9)], "b": []}, 2).conflicts
    assert is_open(conflict, [])
    assert is_open(conflict, [(0, 4), (9, 12)])
    assert not is_open(conflict, [(8, 10)])


# ----------------------------------------------------------------- agreement and scores


def test_label_agreement_is_pair_averaged_exact_f1() -> None:
    items = [
        {"a": [sp(0, 5), sp(6, 8, "LOCATION")], "b": [sp(0, 5), sp(6, 9, "LOCATION")]},
        {"a": [sp(0, 2)], "b": [], "c": [sp(0, 2)]},
    ]
    got = label_agreement(items)
    # ACTOR: pair a-b: tp 1 of sizes 1+2 -> 2/3; a-c: tp 1, 1+1 -> 1; b-c: tp 0, 0+1 -> 0.
    assert got["ACTOR"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    # LOCATION: only the pair a-b used it: tp 0 -> 0.
    assert got["LOCATION"] == 0.0
    assert "UNIT" not in got


def test_label_agreement_ignores_attributes_and_single_annotators() -> None:
    items = [
        {"a": [sp(0, 4, "EVENT", "armed_clash")], "b": [sp(0, 4, "EVENT", "air_drone_strike")]},
        {"solo": [sp(0, 3)]},
    ]
    assert label_agreement(items) == {"EVENT": 1.0}


def test_queue_key_orders_kind_then_lowest_label_agreement() -> None:
    label_c = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 5, "UNIT")]}, 2).conflicts[0]
    missed_actor = adjudicate({"a": [sp(0, 5)], "b": []}, 2).conflicts[0]
    missed_unit = adjudicate({"a": [sp(0, 5, "UNIT")], "b": []}, 2).conflicts[0]
    boundary = adjudicate({"a": [sp(0, 5)], "b": [sp(0, 4)]}, 2).conflicts[0]
    agreement = {"ACTOR": 0.9, "UNIT": 0.4}
    ordered = sorted([boundary, missed_actor, missed_unit, label_c],
                     key=lambda c: queue_key(c, agreement))
    assert ordered == [label_c, missed_unit, missed_actor, boundary]
    assert queue_key(label_c, agreement) == (0, 0.4)  # the lower of its two labels
    assert queue_key(missed_actor, {})[1] == 2.0  # unmeasured labels sort last


def test_score_against_gold_per_label_and_overall() -> None:
    gold = [sp(0, 5), sp(6, 9, "LOCATION"), sp(10, 12, "UNIT")]
    mine = [sp(0, 5), sp(6, 8, "LOCATION"), sp(13, 15)]
    per_label, overall = score_against_gold([(gold, mine), ([], [])])
    assert (per_label["ACTOR"].tp, per_label["ACTOR"].fp, per_label["ACTOR"].fn) == (1, 1, 0)
    assert per_label["ACTOR"].precision == 0.5 and per_label["ACTOR"].recall == 1.0
    assert per_label["ACTOR"].f1 == pytest.approx(2 / 3)
    location = per_label["LOCATION"]
    assert (location.tp, location.fp, location.fn) == (0, 1, 1)
    assert per_label["LOCATION"].f1 == 0.0
    assert per_label["UNIT"].precision is None and per_label["UNIT"].recall == 0.0
    assert (overall.tp, overall.fp, overall.fn) == (1, 2, 2)
    assert overall.f1 == pytest.approx(2 * 1 / (2 * 1 + 2 + 2))


def test_nothing_to_score_gives_none_not_a_division_by_zero() -> None:
    per_label, overall = score_against_gold([([], [])])
    assert per_label == {}
    assert (overall.precision, overall.recall, overall.f1) == (None, None, None)


def test_display_order_follows_the_pseudonyms_not_the_names() -> None:
    numbers = {"zoe": 1, "adam": 3, "mia": 2}
    assert display_order(["adam", "mia", "zoe"], numbers) == ["zoe", "mia", "adam"]
    assert display_order(["zoe", "adam"], numbers) == ["zoe", "adam"]
    # Nobody without a pseudonym comes first (none is expected; pages assign them first).
    assert display_order(["adam", "eve"], numbers) == ["adam", "eve"]


def test_segments_cut_text_at_spans_and_region() -> None:
    text = "Rebels shelled Kafr Tala."
    pieces = segments(text, [sp(0, 6), sp(15, 24, "LOCATION")], (7, 24))
    assert [(p, s.label if s else None, inside) for p, s, inside in pieces] == [
        ("Rebels", "ACTOR", False), (" ", None, False), ("shelled ", None, True),
        ("Kafr Tala", "LOCATION", True), (".", None, False),
    ]
    assert "".join(p for p, _, _ in pieces) == text


# ----------------------------------------------------------------- properties

LABELS = ("ACTOR", "UNIT", "EVENT")


@st.composite
def annotator_spans(draw, length: int = 24) -> list[Span]:
    """Non-overlapping spans on a text of ``length`` characters."""
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=8)))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if a < b:
            label = draw(st.sampled_from(LABELS))
            etype = draw(st.sampled_from([None, "armed_clash", "air_drone_strike"]))
            spans.append(sp(a, b, label, etype if label == "EVENT" else None))
    return spans


@st.composite
def sentences(draw):
    names = draw(st.lists(st.sampled_from(["ann0", "ann1", "ann2", "ann3"]), min_size=1,
                          max_size=4, unique=True))
    # Similar annotators: start from one reading and let each drop or keep its spans.
    base = draw(annotator_spans())
    annotations = {}
    for name in names:
        if draw(st.booleans()):
            annotations[name] = [s for s in base if draw(st.booleans())] or []
        else:
            annotations[name] = draw(annotator_spans())
    min_agree = draw(st.integers(1, len(names)))
    return annotations, min_agree


@settings(max_examples=300, deadline=None)
@given(sentences())
def test_accepted_spans_never_overlap_and_have_their_votes(case) -> None:
    annotations, min_agree = case
    out = adjudicate(annotations, min_agree)
    spans = [x.span for x in out.accepted]
    for a, b in pairwise(spans):
        assert a.end <= b.start
    for x in out.accepted:
        assert x.votes >= min_agree and x.voters == len(annotations)
        assert set(x.annotators) == {n for n, ss in annotations.items() if x.span in ss}


@settings(max_examples=300, deadline=None)
@given(sentences())
def test_every_span_is_accepted_outvoted_or_in_exactly_one_conflict(case) -> None:
    annotations, min_agree = case
    out = adjudicate(annotations, min_agree)
    for name, spans in annotations.items():
        for s in spans:
            accepted = any(x.span == s and name in x.annotators for x in out.accepted)
            outvoted = (name, s) in out.outvoted
            in_conflicts = sum(s in c.version_of(name) for c in out.conflicts)
            assert accepted + outvoted + in_conflicts == 1, (name, s)


@settings(max_examples=300, deadline=None)
@given(sentences())
def test_conflicts_are_real_disjoint_and_any_choice_makes_valid_gold(case) -> None:
    annotations, min_agree = case
    out = adjudicate(annotations, min_agree)
    accepted = [x.span for x in out.accepted]
    for c, d in pairwise(out.conflicts):
        assert c.end <= d.start
    for c in out.conflicts:
        assert len({spans for _, spans in c.versions}) >= 2, "annotators differ in a conflict"
        assert [n for n, _ in c.versions] == sorted(annotations)
        assert (c.kind == MISSED) == any(not spans for _, spans in c.versions)
        assert c.kind in c.kinds
        for _, spans in c.versions:
            for s in spans:
                assert c.start <= s.start and s.end <= c.end
                assert not any(s.start < a.end and a.start < s.end for a in accepted)
    # Picking the first annotator's version everywhere gives non-overlapping gold.
    gold = sorted(accepted + [s for c in out.conflicts for s in c.versions[0][1]])
    for a, b in pairwise(gold):
        assert a.end <= b.start


@settings(max_examples=200, deadline=None)
@given(sentences())
def test_outcome_does_not_depend_on_the_order_annotators_are_given(case) -> None:
    annotations, min_agree = case
    shuffled = {name: list(reversed(annotations[name])) for name in reversed(list(annotations))}
    assert adjudicate(shuffled, min_agree) == adjudicate(annotations, min_agree)


@settings(max_examples=200, deadline=None)
@given(annotator_spans(), st.integers(1, 4))
def test_identical_annotators_leave_no_conflict(spans, n) -> None:
    out = adjudicate({f"ann{i}": list(spans) for i in range(n)}, n)
    assert out.conflicts == () and out.outvoted == ()
    assert [x.span for x in out.accepted] == sorted(spans)
    assert all(x.unanimous for x in out.accepted)


@settings(max_examples=150, deadline=None)
@given(st.lists(sentences(), min_size=1, max_size=5))
def test_label_agreement_matches_the_agreement_library(cases) -> None:
    """The queue orders by the library's per-label span F1; this module's own is the same."""
    items = [
        {"id": i, "text": "x" * 24,
         "annotations": {n: [s.to_json() for s in spans] for n, spans in annotations.items()}}
        for i, (annotations, _) in enumerate(cases)
    ]
    library = {
        label: block["span_f1"]
        for label, block in agreement_report(items).to_json()["per_label"].items()
        if block.get("span_f1") is not None
    }
    ours = label_agreement([annotations for annotations, _ in cases])
    assert set(ours) == set(library)
    for label, value in ours.items():
        assert value == pytest.approx(library[label], abs=1e-12)
