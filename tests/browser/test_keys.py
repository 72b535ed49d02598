"""Keys never record a status the person did not choose: a page shortcut acts only while the
focus is on the sentence (or nothing); fields, popups, buttons and the help own their keys."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    click_span,
    cp_find,
    drag_select,
    open_sentence,
    seed_article,
    stored,
    wait_ready,
    wait_saved,
)

# Every single-key shortcut of the annotation page, and the arrows that move between sentences.
SHORTCUT_LETTERS = ["n", "p", "s", "d", "u", "f", "?", "a", "+", "-", "=", "1", "2", "3", "4", "g"]


def active(page) -> dict:
    """What has the focus: its id, tag, role and accessible label."""
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {id: el.id, tag: el.tagName, role: el.getAttribute('role'),
                           label: el.getAttribute('aria-label'),
                           inPopup: Boolean(el.closest('#span-popup')),
                           inHelp: Boolean(el.closest('#help'))}; }"""
    )


def type_every_shortcut(page) -> None:
    for key in SHORTCUT_LETTERS:
        page.keyboard.press(key)
    page.wait_for_timeout(300)  # a navigation or save started by a stray key would show by now


def assert_unmoved(page, url: str, database, sentence_id: int, user: str, status) -> None:
    assert page.url == url
    assert page.evaluate("() => window.annotatorEditor.state.status") == (status or "in_progress")
    saved = stored(database, sentence_id, user)
    assert (saved and saved["status"]) == status


def open_first_sentence(page, live, database, unique):
    """A fresh annotator on the first sentence of a fresh article: (seeded, user, url)."""
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, seeded.sentence_ids[0])
    return seeded, user, page.url


def label_word(page, text: str, word: str, key: str, version: int) -> tuple[int, int]:
    """Drag over ``word``, press a label key, wait until the server holds ``version``."""
    span = cp_find(text, word)
    drag_select(page, *span)
    page.keyboard.press(key)
    wait_saved(page, version)
    return span


def test_typing_in_the_event_type_chooser_is_never_a_shortcut(live, database, unique, page):
    seeded, user, url = open_first_sentence(page, live, database, unique)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]

    attacked = cp_find(text, "attacked")
    drag_select(page, *attacked)
    page.keyboard.press("4")
    page.keyboard.press("Escape")  # leave the type unset for now
    wait_saved(page, 1)
    assert active(page)["id"] == "sentence"  # Escape gave the keyboard back to the sentence

    # Clicking the existing EVENT span puts the focus in the chooser named "Event type".
    click_span(page, attacked[0])
    chooser = page.get_by_role("combobox", name="Event type")
    assert chooser.evaluate("el => el === document.activeElement")
    page.keyboard.type("regain")
    assert chooser.input_value() == "regain"
    assert page.locator("#span-popup .etype-option").all_text_contents() == [
        "Government regains territory"
    ]
    assert_unmoved(page, url, database, sid, user, "in_progress")
    # Enter picks the type under the cursor, and does nothing else.
    page.keyboard.press("Enter")
    wait_saved(page, 2)
    assert_unmoved(page, url, database, sid, user, "in_progress")
    assert stored(database, sid, user)["spans"] == [
        (*attacked, "EVENT", {"event_type": "government_regains_territory"})
    ]
    assert active(page)["id"] == "sentence"

    # Every shortcut letter typed into the chooser is filter text.
    click_span(page, attacked[0])
    assert active(page)["label"] == "Event type"
    type_every_shortcut(page)
    assert chooser.input_value() == "".join(SHORTCUT_LETTERS)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # no option matches: nothing is chosen
    page.wait_for_timeout(300)
    assert_unmoved(page, url, database, sid, user, "in_progress")
    assert stored(database, sid, user)["version"] == 2
    page.keyboard.press("Escape")
    assert page.locator("#span-popup").is_hidden()
    assert active(page)["id"] == "sentence"


def test_the_popup_of_a_plain_span_keeps_its_keys(live, database, unique, page):
    seeded, user, url = open_first_sentence(page, live, database, unique)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]

    rebels = label_word(page, text, "Rebels", "1", 1)
    click_span(page, rebels[0])
    focus = active(page)
    assert focus["inPopup"] and focus["tag"] == "BUTTON"
    # The focus is on the span's current label, the popup's first field.
    assert page.evaluate("() => document.activeElement.dataset.label") == "ACTOR"
    for key in ("n", "p", "s", "d", "u", "f", "?", "Enter", " "):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert_unmoved(page, url, database, sid, user, "in_progress")
    assert page.locator("#help").is_hidden()
    assert page.locator("#flag-panel").is_hidden()
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]
    # A label key relabels and the focus stays in the popup for the next key.
    page.keyboard.press("2")
    wait_saved(page, 2)
    assert active(page)["inPopup"]
    page.keyboard.press("Escape")
    assert page.locator("#span-popup").is_hidden()
    assert active(page)["id"] == "sentence"
    assert stored(database, sid, user)["spans"] == [(*rebels, "LOCATION", {})]


def test_the_flag_form_and_the_help_keep_their_keys(live, database, unique, page):
    seeded, user, url = open_first_sentence(page, live, database, unique)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    kamdesh = label_word(page, text, "Kamdesh", "2", 1)

    # The flag form stays hidden until asked for.
    assert page.locator("#flag-panel").is_hidden()
    page.keyboard.press("f")
    assert page.locator("#flag-panel").is_visible()
    assert active(page)["id"] == "flag-comment"
    type_every_shortcut(page)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.locator("#flag-comment").input_value() == "".join(SHORTCUT_LETTERS) + "\n"
    assert_unmoved(page, url, database, sid, user, "in_progress")
    page.keyboard.press("Escape")
    assert page.locator("#flag-panel").is_hidden()
    assert active(page)["id"] == "sentence"
    assert stored(database, sid, user)["flagged"] is False

    # The help is modal: keys act on it alone; Enter closes it (its Close button).
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    assert active(page)["inHelp"]
    for key in ("n", "p", "s", "d", "u", "f", "1", "ArrowRight", "ArrowLeft"):
        page.keyboard.press(key)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert active(page)["inHelp"]  # the focus cannot leave the open help
    page.wait_for_timeout(300)
    assert page.locator("#help").is_visible()
    assert_unmoved(page, url, database, sid, user, "in_progress")
    assert stored(database, sid, user)["spans"] == [(*kamdesh, "LOCATION", {})]
    page.keyboard.press("Enter")
    assert page.locator("#help").is_hidden()
    assert active(page)["id"] == "sentence"
    page.wait_for_timeout(300)
    assert_unmoved(page, url, database, sid, user, "in_progress")
    # ? opens and closes it; the sentence's keys work again afterwards.
    page.keyboard.press("?")
    page.keyboard.press("?")
    assert page.locator("#help").is_hidden()
    page.keyboard.press("d")
    page.wait_for_url(f"{live.url}/sentences/{seeded.sentence_ids[1]}")
    assert stored(database, sid, user)["status"] == "done"


def test_enter_on_a_button_is_that_button_and_nothing_else(live, database, unique, page):
    seeded, user, url = open_first_sentence(page, live, database, unique)
    s0, s1, s2 = seeded.sentence_ids
    label_word(page, seeded.texts[0], "Rebels", "1", 1)

    # Flag, reached with the keyboard: Enter opens the flag form, records no status.
    page.focus("#btn-flag")
    page.keyboard.press("Enter")
    assert page.locator("#flag-panel").is_visible()
    page.keyboard.press("Escape")
    # Letters on a focused button are not shortcuts either.
    page.focus("#btn-undo")
    for key in ("n", "s", "d", "p", "f"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert_unmoved(page, url, database, s0, user, "in_progress")
    assert page.locator("#flag-panel").is_hidden()

    # Skip, reached with Tab from the button before it, then Enter: skipped, not done.
    page.locator("#label-buttons button").last.focus()
    for _ in range(5):
        if active(page)["id"] == "btn-skip":
            break
        page.keyboard.press("Tab")
    assert active(page)["id"] == "btn-skip"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/sentences/{s1}")
    wait_ready(page)
    assert stored(database, s0, user)["status"] == "skipped"

    # Space on Done is Done (the button's own activation).
    page.focus("#btn-done")
    page.keyboard.press(" ")
    page.wait_for_url(f"{live.url}/sentences/{s2}")
    wait_ready(page)
    assert stored(database, s1, user)["status"] == "done"

    # A mouse click on a toolbar button leaves the keyboard with the sentence: u then d work.
    label_word(page, seeded.texts[2], "civilians", "1", 1)
    page.click("#btn-undo")
    wait_saved(page, 2)
    assert active(page)["id"] == "sentence"
    assert stored(database, s2, user)["spans"] == []


def test_enter_on_a_focused_span_opens_it(live, database, unique, page):
    seeded, user, url = open_first_sentence(page, live, database, unique)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    rebels = label_word(page, text, "Rebels", "1", 1)
    page.focus(f"#sentence mark.span[data-start='{rebels[0]}']")
    page.keyboard.press("Enter")
    assert page.locator("#span-popup").is_visible()
    assert active(page)["inPopup"]
    page.wait_for_timeout(300)
    assert_unmoved(page, url, database, sid, user, "in_progress")
