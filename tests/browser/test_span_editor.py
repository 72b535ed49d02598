"""The span editor in real Chromium: mouse selection, labels, event types, keys, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    click_span,
    cp_find,
    drag_select,
    editor_state,
    idle,
    open_sentence,
    seed_article,
    status_log,
    stored,
    wait_ready,
    wait_saved,
)

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "annotator/projects/default_schema.json").read_text()
)
COLOR = {label["key"]: label["color"] for label in SCHEMA["labels"]}


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_drag_label_reload_relabel_and_delete(live, database, unique, page):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    assert text == "Rebels attacked the northern town of Kamdesh on Monday."
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)

    # Drag from inside "Rebels" (after "Re") to inside "attacked" (before "ked"): the
    # selection snaps outward to the two whole tokens.
    rebels = cp_find(text, "Rebels")
    attacked = cp_find(text, "attacked")
    drag_select(page, rebels[0] + 2, attacked[1] - 3)
    pending = page.locator("#sentence .pending")
    assert pending.text_content() == "Rebels attacked"
    assert editor_state(page)["selection"]["start"] == rebels[0]
    assert editor_state(page)["selection"]["end"] == attacked[1]

    page.keyboard.press("1")
    mark = page.locator("#sentence mark.span")
    assert mark.count() == 1
    assert mark.text_content() == "Rebels attacked"
    assert mark.get_attribute("data-label") == "ACTOR"
    assert mark.evaluate("m => getComputedStyle(m).borderBottomColor") == rgb(COLOR["ACTOR"])
    wait_saved(page, 1)
    log = status_log(page)
    assert "saving…" in log and log[-1] == "saved"
    assert log.index("saving…") < len(log) - 1
    saved = stored(database, sid, user)
    assert saved["spans"] == [(rebels[0], attacked[1], "ACTOR", {})]
    assert text[rebels[0] : attacked[1]] == "Rebels attacked"

    page.reload()
    wait_ready(page)
    mark = page.locator("#sentence mark.span")
    assert mark.count() == 1 and mark.text_content() == "Rebels attacked"
    assert mark.get_attribute("data-label") == "ACTOR"
    assert page.locator("#span-list .span-item").text_content().startswith("ACTOR")

    # Click the span, change its label with a key.
    click_span(page, rebels[0])
    assert page.locator("#span-popup").is_visible()
    page.keyboard.press("2")
    wait_saved(page, 2)
    assert page.locator("#sentence mark.span").get_attribute("data-label") == "LOCATION"
    assert stored(database, sid, user)["spans"] == [(rebels[0], attacked[1], "LOCATION", {})]

    # Click it again, change the label with the mouse in the popup.
    click_span(page, rebels[0])
    page.click("#span-popup button.label-choice[data-label='UNIT']")
    wait_saved(page, 3)
    assert stored(database, sid, user)["spans"] == [(rebels[0], attacked[1], "UNIT", {})]

    # And delete it.
    click_span(page, rebels[0])
    page.click("#btn-delete-span")
    wait_saved(page, 4)
    assert page.locator("#sentence mark.span").count() == 0
    assert stored(database, sid, user)["spans"] == []
    page.reload()
    wait_ready(page)
    assert page.locator("#sentence mark.span").count() == 0


def test_event_span_takes_an_event_type_from_the_keyboard(live, database, unique, page):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)

    attacked = cp_find(text, "attacked")
    drag_select(page, attacked[0] + 1, attacked[1] - 1)
    page.keyboard.press("4")
    # The chooser opens with its filter focused: the keyboard picks from the list.
    chooser = page.locator("#etype-filter")
    assert chooser.evaluate("el => el === document.activeElement")
    options = page.locator("#span-popup .etype-option")
    assert options.count() == len(SCHEMA["labels"][3]["attributes"][0]["values"])
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert page.locator("#span-popup .etype-option.cursor").get_attribute("data-value") == (
        "shelling_artillery_missile"
    )
    page.keyboard.press("Enter")
    assert page.locator("#span-popup").is_hidden()
    mark = page.locator("#sentence mark.span")
    assert mark.get_attribute("data-label") == "EVENT"
    assert mark.get_attribute("data-tag") == "EVENT · Shelling, artillery or missile attack"
    assert mark.evaluate("m => getComputedStyle(m).borderBottomColor") == rgb(COLOR["EVENT"])
    # The EVENT span was saved at once without a type, then with it.
    wait_saved(page, 2)
    assert stored(database, sid, user)["spans"] == [
        (attacked[0], attacked[1], "EVENT", {"event_type": "shelling_artillery_missile"})
    ]

    # Change the type by typing a filter.
    click_span(page, attacked[0])
    page.locator("#etype-filter").focus()
    page.keyboard.type("riot")
    assert page.locator("#span-popup .etype-option").all_text_contents() == ["Riot"]
    page.keyboard.press("Enter")
    wait_saved(page, 3)
    assert stored(database, sid, user)["spans"] == [
        (attacked[0], attacked[1], "EVENT", {"event_type": "riot"})
    ]
    assert "Riot" in page.locator("#span-list").text_content()

    # The Delete key removes the open span.
    click_span(page, attacked[0])
    page.locator("#span-popup").wait_for(state="visible")
    page.keyboard.press("Delete")
    wait_saved(page, 4)
    assert stored(database, sid, user)["spans"] == []


def test_keyboard_navigation_undo_and_help(live, database, unique, page):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    s0, s1, s2 = seeded.sentence_ids
    browser_login(page, live.url, user)
    open_sentence(page, live.url, s0)

    # The help overlay lists every key.
    assert page.locator("#help").is_hidden()
    page.keyboard.press("?")
    help_box = page.locator("#help")
    assert help_box.is_visible()
    keys = help_box.text_content()
    for needle in ("next sentence", "previous sentence", "skip this sentence",
                   "mark done", "undo the last change", "label the selection Actor",
                   "label the selection Event", "show or hide this help"):
        assert needle in keys, needle
    page.keyboard.press("?")
    assert help_box.is_hidden()

    # Keyboard selection (first token), a label, then undo with u and with Ctrl+Z.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")
    wait_saved(page, 1)
    assert stored(database, s0, user)["spans"] == [(0, 15, "UNIT", {})]
    page.keyboard.press("u")
    wait_saved(page, 2)
    assert stored(database, s0, user)["spans"] == []
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("1")
    wait_saved(page, 3)
    page.keyboard.press("Control+z")
    wait_saved(page, 4)
    assert page.locator("#sentence mark.span").count() == 0
    assert stored(database, s0, user)["spans"] == []

    # Next and previous.
    page.keyboard.press("n")
    page.wait_for_url(f"{live.url}/sentences/{s1}")
    wait_ready(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"{live.url}/sentences/{s0}")
    wait_ready(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"{live.url}/sentences/{s1}")
    wait_ready(page)
    page.keyboard.press("p")
    page.wait_for_url(f"{live.url}/sentences/{s0}")
    wait_ready(page)

    # Skip, then done (d and Enter); the last one ends on the project's "finished" message.
    page.keyboard.press("s")
    page.wait_for_url(f"{live.url}/sentences/{s1}")
    wait_ready(page)
    assert stored(database, s0, user)["status"] == "skipped"
    page.keyboard.press("d")
    page.wait_for_url(f"{live.url}/sentences/{s2}")
    wait_ready(page)
    assert stored(database, s1, user)["status"] == "done"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/projects/{seeded.project_id}?complete=1")
    assert "You have finished every sentence" in page.text_content("main")
    assert stored(database, s2, user)["status"] == "done"


def test_a_change_made_in_another_tab_is_shown_as_a_conflict(live, database, unique, new_context):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    tab_a = context.new_page()
    browser_login(tab_a, live.url, user)
    tab_b = context.new_page()  # the same log-in: one person, two tabs
    open_sentence(tab_a, live.url, sid)
    open_sentence(tab_b, live.url, sid)

    rebels = cp_find(text, "Rebels")
    kamdesh = cp_find(text, "Kamdesh")
    drag_select(tab_a, *rebels)
    tab_a.keyboard.press("1")
    wait_saved(tab_a, 1)

    drag_select(tab_b, *kamdesh)
    tab_b.keyboard.press("2")
    conflict = tab_b.locator("#conflict")
    conflict.wait_for(state="visible")
    assert "changed in another tab" in conflict.text_content()
    assert "ACTOR: “Rebels”" in conflict.text_content()
    assert tab_b.locator("#save-status").text_content() == "not saved — conflict"
    # Nothing was overwritten, and B does not keep trying.
    assert idle(tab_b)
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]
    assert stored(database, sid, user)["version"] == 1

    # B chooses to keep its own version: it is saved over A's, knowingly.
    tab_b.click("#btn-keep-mine")
    wait_saved(tab_b, 2)
    assert stored(database, sid, user)["spans"] == [(*kamdesh, "LOCATION", {})]
    assert conflict.is_hidden()


def test_drags_that_start_on_a_selection_or_end_past_the_sentence(live, database, unique, page):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)

    # A second drag that starts on the first one's highlight replaces it.
    drag_select(page, *cp_find(text, "northern town"))
    assert page.locator("#sentence .pending").text_content() == "northern town"
    town_of_kamdesh = cp_find(text, "town of Kamdesh")
    drag_select(page, town_of_kamdesh[0] + 1, town_of_kamdesh[1])
    assert page.locator("#sentence .pending").text_content() == "town of Kamdesh"
    page.keyboard.press("2")
    wait_saved(page, 1)
    # The first click after a drag opens the span (it is not taken for the drag's end).
    click_span(page, town_of_kamdesh[0])
    assert page.locator("#span-popup").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#span-popup").is_hidden()

    # A drag from inside the last word to below the sentence selects up to its end.
    monday = cp_find(text, "Monday")
    x, y = page.evaluate(
        """() => { const r = document.querySelector('.context.after[data-distance="1"]')
                       .getBoundingClientRect();
                   return [r.left + r.width / 2, r.top + r.height / 2]; }"""
    )
    from tests.browser.helpers import char_point

    x1, y1 = char_point(page, monday[0] + 2, "before")
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x, y, steps=4)
    page.mouse.up()
    assert page.locator("#sentence .pending").text_content() == "Monday."
    page.click("#label-buttons .label-button[data-label='ACTOR']")  # a label button this time
    wait_saved(page, 2)
    assert stored(database, sid, user)["spans"] == [
        (*town_of_kamdesh, "LOCATION", {}), (monday[0], len(text), "ACTOR", {}),
    ]


def test_an_excluded_sentence_says_so_and_takes_no_labels(live, database, unique, page):
    from annotator.corpus.services import set_excluded

    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[1], seeded.texts[1]
    with database.session() as session:
        set_excluded(session, sid, True)
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    assert "excluded from annotation" in page.text_content("#excluded-notice")
    drag_select(page, *cp_find(text, "Government"))
    page.keyboard.press("1")
    assert "cannot be labelled" in page.text_content("#editor-message")
    assert page.locator("#sentence mark.span").count() == 0
    assert idle(page) and page.text_content("#save-status") == "saved"
    # Moving on still works, and nothing was stored for the excluded sentence.
    page.keyboard.press("d")
    page.wait_for_url(f"{live.url}/sentences/{seeded.sentence_ids[2]}")
    assert stored(database, sid, user) is None
