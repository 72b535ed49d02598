"""Counts agree with their nouns, snippets end between words, keys become display names."""

from __future__ import annotations

import pytest

from annotator.projects.schema import default_schema_document, parse_schema
from annotator.wording import DisplayNames, plural, snippet, status_name


@pytest.mark.parametrize(("count", "singular", "many", "expected"), [
    (1, "document", None, "1 document"),
    (0, "document", None, "0 documents"),
    (2, "batch", None, "2 batches"),
    (1, "sentence closed", "sentences closed", "1 sentence closed"),
    (3, "sentence closed", "sentences closed", "3 sentences closed"),
    (2, "entry", None, "2 entries"),
    (12000, "sentence", None, "12,000 sentences"),
])
def test_plural(count, singular, many, expected) -> None:
    assert plural(count, singular, many) == expected


TEXT = "Government troops from the Fifth Brigade shelled rebel positions near the river."


@pytest.mark.parametrize(("limit", "keep", "expected"), [
    (200, "start", TEXT),
    (30, "start", "Government troops from the…"),
    (29, "start", "Government troops from the…"),
    (30, "end", "…positions near the river."),
    (16, "end", "…near the river."),
    (15, "end", "…the river."),
])
def test_snippet_cuts_between_words(limit, keep, expected) -> None:
    cut = snippet(TEXT, limit, keep=keep)
    assert cut == expected and len(cut) <= limit


def test_snippet_of_one_long_word_and_of_spaces() -> None:
    assert snippet("x" * 100, 10) == "xxxxxxxxx…"
    assert snippet("Rebels\n  attacked   Kamdesh", 80) == "Rebels attacked Kamdesh"
    assert snippet("Rebels attacked, then withdrew", 17) == "Rebels attacked…"  # no ",…"


def test_status_names() -> None:
    assert status_name("in_progress") == "in progress"
    assert status_name(None) == "not started"
    assert status_name("complete") == "complete"


def test_display_names_of_the_default_schema() -> None:
    names = DisplayNames.of(parse_schema(default_schema_document()))
    assert names.label("ACTOR") == "Actor"
    assert names.event_type("EVENT", "non_state_actor_overtakes_territory") == (
        "Non-state actor overtakes territory")
    assert names.tag("EVENT", {"event_type": "armed_clash"}) == "Event · Armed clash"
    assert names.tag("EVENT", {}) == "Event"
    # a key the schema no longer knows is shown as stored, not dropped
    assert names.tag("WEAPON", {"event_type": "gone_type"}) == "WEAPON · gone_type"
