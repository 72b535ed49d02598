"""The suggestion sources on the project's tokens (pure): the gazetteer's longest match and
token boundaries, the case option, the event-type majority of gold, patterns and their checks."""

from __future__ import annotations

import pytest

from annotator.corpus.tokens import token_offsets
from annotator.suggestions.matching import (
    Gazetteer,
    InvalidPattern,
    PatternRule,
    Patterns,
    Suggestion,
    Term,
    check_pattern,
    combine,
    gold_terms,
)


def found(source, text: str) -> list[tuple[str, str, str | None]]:
    return [(text[s.start:s.end], s.label, dict(s.attributes).get("event_type"))
            for s in source.suggest(text, token_offsets(text))]


def test_longest_match_wins_and_no_match_cuts_a_token() -> None:
    gazetteer = Gazetteer([Term("Hayat Tahrir al-Sham", "ACTOR"), Term("Tahrir", "ACTOR"),
                           Term("al-Sham", "LOCATION"), Term("Numan", "LOCATION")])
    text = "Hayat Tahrir al-Sham fighters entered Maarat al-Numanieh, not Tahrirs."
    assert found(gazetteer, text) == [("Hayat Tahrir al-Sham", "ACTOR", None)]
    # "Numan" is inside the token "Numanieh", "Tahrir" inside "Tahrirs": never suggested.
    offsets = set(token_offsets(text))
    starts, ends = {a for a, _ in offsets}, {b for _, b in offsets}
    for s in gazetteer.suggest(text, token_offsets(text)):
        assert s.start in starts and s.end in ends


def test_matching_counts_code_points_in_arabic_and_after_emoji() -> None:
    gazetteer = Gazetteer([Term("مَعَرَّة النعمان", "LOCATION")])
    text = "🔥 قصف على مَعَرَّة النعمان اليوم"
    (s,) = gazetteer.suggest(text, token_offsets(text))
    assert text[s.start:s.end] == "مَعَرَّة النعمان"


@pytest.mark.parametrize(("ignore_case", "expected"), [
    (False, [("Kafr Tala", "LOCATION", None)]),
    (True, [("Kafr Tala", "LOCATION", None), ("KAFR TALA", "LOCATION", None)]),
])
def test_case_option(ignore_case: bool, expected: list) -> None:
    gazetteer = Gazetteer([Term("Kafr Tala", "LOCATION")], ignore_case=ignore_case)
    assert found(gazetteer, "Kafr Tala and KAFR TALA were shelled.") == expected


def test_gold_terms_take_the_majority_label_and_its_majority_event_type() -> None:
    spans = [("shelled", "EVENT", "shelling_artillery_missile"),
             ("shelled", "EVENT", "shelling_artillery_missile"),
             ("shelled", "EVENT", "air_drone_strike"),
             ("Hama", "LOCATION", None), ("Hama", "LOCATION", None), ("hama", "ACTOR", None)]
    terms = {t.text: t for t in gold_terms(spans, ignore_case=True)}
    assert terms["shelled"].event_type == "shelling_artillery_missile"
    assert terms["shelled"].score == 1.0
    assert (terms["Hama"].label, round(terms["Hama"].score, 2)) == ("LOCATION", 0.67)
    # Case kept apart: "hama" is its own phrase, with its own label.
    apart = {t.text: t.label for t in gold_terms(spans, ignore_case=False)}
    assert apart == {"shelled": "EVENT", "Hama": "LOCATION", "hama": "ACTOR"}


def test_an_uploaded_list_wins_over_gold_for_the_same_phrase() -> None:
    gazetteer = Gazetteer([Term("Idlib", "ACTOR", name="gold", score=0.6),
                           Term("Idlib", "LOCATION", name="places")])
    (s,) = gazetteer.suggest("Shelling in Idlib.", token_offsets("Shelling in Idlib."))
    assert (s.label, s.source, s.name, s.score) == ("LOCATION", "gazetteer", "places", 1.0)


UNIT_PATTERN = [{"TEXT": {"REGEX": r"^\d+(st|nd|rd|th)$"}}, {"IS_TITLE": True, "OP": "*"},
                {"LOWER": {"IN": ["brigade", "division", "regiment"]}}]


def test_a_pattern_finds_its_longest_match_and_names_itself() -> None:
    patterns = Patterns([PatternRule("ordinal unit", "UNIT", UNIT_PATTERN)])
    text = "The 25th Special Mission Forces Division and the 4th regiment moved."
    got = patterns.suggest(text, token_offsets(text))
    assert [(text[s.start:s.end], s.name) for s in got] == [
        ("25th Special Mission Forces Division", "ordinal unit"), ("4th regiment", "ordinal unit")]


@pytest.mark.parametrize(("pattern", "message"), [
    ("not a list", "non-empty JSON list"),
    ([], "non-empty JSON list"),
    ([{"POS": "NOUN"}], "POS cannot be used here"),
    ([{"LOWER": {"XX": 1}}], "Invalid token patterns"),
    ([{"LOWER": "al", "OP": "+!"}], "Invalid token patterns"),
    ([{"LOWER": "al", "OP": "*"}], "can match no token"),
    (["LOWER"], "token 1 is not an object"),
])
def test_bad_patterns_are_refused_with_a_clear_message(pattern, message: str) -> None:
    with pytest.raises(InvalidPattern, match=message):
        check_pattern(pattern)


def test_combine_leaves_out_overlaps_with_own_spans_and_keeps_the_longest() -> None:
    text = "The 25th Mechanised Brigade entered Kafr Tala."
    tokens = token_offsets(text)
    gazetteer = Gazetteer([Term("Mechanised Brigade", "UNIT"), Term("Kafr Tala", "LOCATION")])
    patterns = Patterns([PatternRule("ordinal unit", "UNIT", UNIT_PATTERN)])
    got = combine([gazetteer, patterns], text, tokens)
    assert [(text[s.start:s.end], s.source) for s in got] == [
        ("25th Mechanised Brigade", "pattern"), ("Kafr Tala", "gazetteer")]
    own = [(text.index("Kafr"), text.index("Kafr") + 4)]
    got = combine([gazetteer, patterns], text, tokens, own)
    assert [text[s.start:s.end] for s in got] == ["25th Mechanised Brigade"]


def test_suggestion_json_is_the_api_shape() -> None:
    s = Suggestion(3, 9, "EVENT", (("event_type", "shelling_artillery_missile"),), "pattern",
                   "verbs", 0.5)
    assert s.to_json() == {"start": 3, "end": 9, "label": "EVENT",
                           "attributes": {"event_type": "shelling_artillery_missile"},
                           "source": "pattern", "name": "verbs", "score": 0.5}
