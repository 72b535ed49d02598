"""What a change did, compared state to state and said in words (the pure diff)."""

from __future__ import annotations

from annotator.audit.diffing import describe_change, diff_states
from annotator.projects.schema import default_schema_document, parse_schema
from annotator.wording import DisplayNames

TEXT = "Rebels attacked the northern town of Kamdesh on Monday."
NAMES = DisplayNames.of(parse_schema(default_schema_document()))


def span(words: str, label: str, event_type: str | None = None, *, text: str = TEXT) -> dict:
    start = text.index(words)
    return {"start": start, "end": start + len(words), "label": label,
            "attributes": {"event_type": event_type} if event_type else {}}


def state(*spans: dict, status: str = "in_progress", flagged: bool = False,
          comment: str = "") -> dict:
    return {"spans": list(spans), "status": status, "flagged": flagged, "flag_comment": comment}


def words(before: dict | None, after: dict | None) -> list[tuple[str, str]]:
    return [(line.kind, line.text) for line in describe_change(before, after, TEXT, NAMES)]


def test_first_version_lists_what_it_added_and_its_status() -> None:
    after = state(span("Kamdesh", "LOCATION"), span("Rebels", "ACTOR"), status="done")
    assert words(None, after) == [
        ("added", "Added Actor “Rebels”"),
        ("added", "Added Location “Kamdesh”"),
        ("status", "Status: done"),
    ]


def test_added_removed_and_relabelled_spans_in_reading_order() -> None:
    before = state(span("Rebels", "ACTOR"), span("attacked", "EVENT", "armed_clash"),
                   span("Monday", "LOCATION"))
    after = state(span("Rebels", "UNIT"),
                  span("attacked", "EVENT", "non_state_actor_overtakes_territory"),
                  span("Kamdesh", "LOCATION"), status="done")
    assert words(before, after) == [
        ("changed", "“Rebels”: Actor → Unit"),
        ("changed", "“attacked”: Event · Armed clash → Event · Non-state actor overtakes "
                    "territory"),
        ("added", "Added Location “Kamdesh”"),
        ("removed", "Removed Location “Monday”"),
        ("status", "Status: in progress → done"),
    ]


def test_a_moved_boundary_is_one_change_not_a_removal_and_an_addition() -> None:
    diff = diff_states(state(span("northern town", "LOCATION")),
                       state(span("the northern town of Kamdesh", "LOCATION")))
    assert not diff.added and not diff.removed and len(diff.changed) == 1
    assert words(state(span("northern town", "LOCATION")),
                 state(span("the northern town of Kamdesh", "LOCATION"))) == [
        ("changed", "Location: “northern town” → “the northern town of Kamdesh”")]


def test_flag_changes_and_no_change() -> None:
    plain = state(span("Rebels", "ACTOR"))
    flagged = state(span("Rebels", "ACTOR"), flagged=True, comment="Actor or unit?")
    assert words(plain, flagged) == [("flag", "Flagged: “Actor or unit?”")]
    assert words(flagged, plain) == [("flag", "Flag removed")]
    assert words(plain, plain) == [("same", "No change to spans, links, status or flag")]
    assert not diff_states(plain, dict(plain))


def test_gold_states_without_a_flag_and_unknown_keys() -> None:
    before = {"spans": [span("Rebels", "ACTOR")], "status": "partial", "version": 1}
    after = {"spans": [span("Rebels", "ACTOR"), span("attacked", "EVENT", "old_type")],
             "status": "complete", "version": 2}
    assert words(before, after) == [("added", "Added Event · old_type “attacked”"),
                                    ("status", "Status: partial → complete")]


def link(head: dict, child: dict, role: str) -> dict:
    return {"head": {"start": head["start"], "end": head["end"]},
            "child": {"start": child["start"], "end": child["end"]}, "role": role}


def test_links_made_and_undone_are_said_with_the_role_names() -> None:
    rebels, attacked, town = (span("Rebels", "ACTOR"), span("attacked", "EVENT", "armed_clash"),
                              span("Kamdesh", "LOCATION"))
    before = {**state(rebels, attacked, town), "relations": [link(attacked, town, "location")]}
    after = {**state(rebels, attacked, town), "relations": [link(attacked, rebels, "actor1")]}
    assert words(before, after) == [
        ("linked", "Linked “attacked” → Actor 1 (initiator): “Rebels”"),
        ("unlinked", "Unlinked “attacked” → Location: “Kamdesh”"),
    ]
    # A record from before event frames has no "relations" key: no link either side.
    assert not diff_states(state(rebels), state(rebels))
    assert diff_states(state(rebels), {**state(rebels), "relations": []}) == diff_states(
        state(rebels), state(rebels))
