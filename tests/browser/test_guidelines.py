"""The guidelines beside the text: `g` shows the definition and examples of the label and event
type in hand, the panel follows the event type highlighted in the chooser, and `g` typed into a
field is text."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    click_span,
    cp_find,
    drag_select,
    open_sentence,
    seed_article,
    wait_saved,
)


def shown_titles(page) -> list[str]:
    return page.locator("#guide-panel .definition:not([hidden]) h3").all_inner_texts()


def test_g_shows_the_definitions_of_the_label_and_event_type_in_hand(live, database, unique,
                                                                       page):
    seeded = seed_article(database, unique)
    browser_login(page, live.url, seeded.users["ann0"])
    open_sentence(page, live.url, seeded.sentence_ids[0])
    panel = page.locator("#guide-panel")
    assert panel.is_hidden()

    page.keyboard.press("g")  # nothing in hand: every label's definition, no event type
    assert panel.is_visible()
    assert shown_titles(page) == ["Actor", "Location", "Unit", "Event"]
    assert "A named military formation" in panel.inner_text()

    text = seeded.texts[0]
    attacked = cp_find(text, "attacked")
    drag_select(page, *attacked)
    page.keyboard.press("4")  # an EVENT span; its popup opens on the event-type chooser
    wait_saved(page, 1)
    chooser = page.get_by_role("combobox", name="Event type")
    chooser.type("riot")  # the "g"-free filter; the panel follows the highlighted type
    page.wait_for_function(
        "() => document.querySelector('#guide-panel').dataset.value === 'riot'")
    assert shown_titles(page) == ["Event", "Event · Riot"]
    chooser.type("g")  # typed into the chooser: filter text, not the shortcut
    assert panel.is_visible() and chooser.input_value() == "riotg"
    page.keyboard.press("Escape")

    click_span(page, attacked[0])
    page.keyboard.press("Escape")
    page.locator("#sentence").focus()
    page.keyboard.press("g")
    assert panel.is_hidden()
    # The choice is remembered: the next sentence opens with the panel as it was left.
    page.keyboard.press("g")
    open_sentence(page, live.url, seeded.sentence_ids[1])
    assert page.locator("#guide-panel").is_visible()
    link = page.locator("#guide-panel a", has_text="All guidelines")
    assert link.get_attribute("href") == f"/projects/{seeded.project_id}/guidelines"
