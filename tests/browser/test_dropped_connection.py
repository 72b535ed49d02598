"""Saving survives a dropped connection: the server stops mid-session and nothing is lost."""

from __future__ import annotations

import json

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    cp_find,
    drag_select,
    idle,
    open_sentence,
    seed_article,
    stored,
    wait_ready,
    wait_saved,
)

RETRY_WAIT_MS = 45_000  # backoff doubles from 1 s; a few rounds fit in this on a busy machine


def unsaved_in_storage(page, user: str, sentence_id: int):
    raw = page.evaluate(
        "(key) => localStorage.getItem(key)", f"annotator:unsaved:{user}:{sentence_id}"
    )
    return json.loads(raw) if raw else None


def label(page, text: str, word: str, key: str) -> tuple[int, int]:
    span = cp_find(text, word)
    drag_select(page, *span)
    page.keyboard.press(key)
    return span


def test_spans_labelled_while_the_server_is_down_are_sent_when_it_is_back(
    live, database, unique, page
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    rebels = label(page, text, "Rebels", "1")
    wait_saved(page, 1)

    live.stop()
    kamdesh = label(page, text, "Kamdesh", "2")
    status = page.locator("#save-status")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'"
    )
    assert status.get_attribute("data-state") == "error"
    monday = label(page, text, "Monday", "4")
    page.keyboard.press("Escape")  # leave the event type unset
    assert status.text_content() in ("not saved — retrying", "saving…")
    kept = unsaved_in_storage(page, user, sid)
    assert kept["version"] == 1
    assert [(s["start"], s["end"], s["label"]) for s in kept["spans"]] == [
        (*rebels, "ACTOR"), (*kamdesh, "LOCATION"), (*monday, "EVENT"),
    ]
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]

    live.start()
    wait_saved(page, 2, timeout=RETRY_WAIT_MS)
    assert stored(database, sid, user)["spans"] == [
        (*rebels, "ACTOR", {}), (*kamdesh, "LOCATION", {}), (*monday, "EVENT", {}),
    ]
    assert unsaved_in_storage(page, user, sid) is None
    assert status.get_attribute("data-state") == "saved"


def test_unsaved_spans_survive_closing_the_page_while_the_server_is_down(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    rebels = label(page, text, "Rebels", "1")
    wait_saved(page, 1)

    live.stop()
    kamdesh = label(page, text, "Kamdesh", "2")
    monday = label(page, text, "Monday", "1")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'"
    )
    page.close()

    live.start()
    again = context.new_page()
    open_sentence(again, live.url, sid)
    wait_saved(again, 2)
    assert "restored" in again.locator("#editor-message").text_content()
    assert again.locator("#sentence mark.span").count() == 3
    assert stored(database, sid, user)["spans"] == [
        (*rebels, "ACTOR", {}), (*kamdesh, "LOCATION", {}), (*monday, "ACTOR", {}),
    ]
    assert unsaved_in_storage(again, user, sid) is None
    # Reloading now restores nothing more: the page shows what the server holds.
    again.reload()
    wait_ready(again)
    assert again.locator("#editor-message").is_hidden()
    assert again.locator("#sentence mark.span").count() == 3


def test_restored_state_does_not_overwrite_a_newer_saved_version(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    label(page, text, "Rebels", "1")
    wait_saved(page, 1)

    live.stop()
    label(page, text, "Kamdesh", "2")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'"
    )
    page.close()
    live.start()

    # Meanwhile the annotator changed the sentence on another device (another browser).
    other = new_context().new_page()
    browser_login(other, live.url, user)
    open_sentence(other, live.url, sid)
    monday = label(other, text, "Monday", "3")
    wait_saved(other, 2)

    again = context.new_page()
    open_sentence(again, live.url, sid)
    conflict = again.locator("#conflict")
    conflict.wait_for(state="visible")
    assert "UNIT: “Monday”" in conflict.text_content()
    assert idle(again)
    saved = stored(database, sid, user)
    assert saved["version"] == 2
    assert (*monday, "UNIT", {}) in saved["spans"]
    assert len(saved["spans"]) == 2

    # Loading the saved version discards the stale local copy for good.
    again.click("#btn-load-saved")
    assert conflict.is_hidden()
    assert unsaved_in_storage(again, user, sid) is None
    assert again.locator("#sentence mark.span").count() == 2
    assert stored(database, sid, user)["version"] == 2


def test_a_save_whose_answer_was_lost_is_not_reported_as_a_conflict(
    live, database, unique, page
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)

    lost = []

    def drop_answer(route):
        # The save reaches the server and lands, but its answer never reaches the page.
        if route.request.method == "PUT" and not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/api/sentences/{sid}/annotation", drop_answer)
    rebels = label(page, text, "Rebels", "1")
    # The retry is answered 409 (version 1 is stored); the page sees that the stored state
    # is its own and carries on.
    wait_saved(page, 1, timeout=RETRY_WAIT_MS)
    assert lost == [200]
    assert page.locator("#conflict").is_hidden()
    kamdesh = label(page, text, "Kamdesh", "2")
    wait_saved(page, 2)
    assert stored(database, sid, user)["spans"] == [
        (*rebels, "ACTOR", {}), (*kamdesh, "LOCATION", {}),
    ]


def test_a_landed_save_found_in_storage_after_a_reload_is_not_a_conflict(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    sent = []

    def land_then_drop(route):
        # The first save lands but its answer is lost; then the network is gone.
        if route.request.method == "PUT":
            if not sent:
                sent.append(route.fetch().status)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(f"**/api/sentences/{sid}/annotation", land_then_drop)
    rebels = label(page, text, "Rebels", "1")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'"
    )
    assert sent == [200]
    assert unsaved_in_storage(page, user, sid)["version"] == 0
    page.close()

    again = context.new_page()
    open_sentence(again, live.url, sid)
    assert again.locator("#conflict").is_hidden()
    assert again.locator("#editor-message").is_hidden()
    assert unsaved_in_storage(again, user, sid) is None
    assert again.locator("#save-status").text_content() == "saved"
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]
    assert stored(database, sid, user)["version"] == 1


def test_saving_resumes_after_logging_in_again_in_another_tab(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    rebels = label(page, text, "Rebels", "1")
    wait_saved(page, 1)

    other = context.new_page()
    other.goto(f"{live.url}/projects/")
    other.click("text=Log out")
    other.wait_for_url("**/login**")
    kamdesh = label(page, text, "Kamdesh", "2")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('logged out')"
    )
    assert unsaved_in_storage(page, user, sid)["spans"][1]["label"] == "LOCATION"

    browser_login(other, live.url, user)
    wait_saved(page, 2, timeout=RETRY_WAIT_MS)
    assert stored(database, sid, user)["spans"] == [
        (*rebels, "ACTOR", {}), (*kamdesh, "LOCATION", {}),
    ]


def test_changes_refused_because_the_sentence_was_taken_away_are_kept(
    live, database, unique, new_context
):
    """A 403 mid-session (the sentence went to someone else) keeps the typed work."""
    from annotator.assignments.services import create_batch, reassign_annotator

    seeded = seed_article(database, unique, annotators=2)
    user, other = seeded.users["ann0"], seeded.users["ann1"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    rebels = label(page, text, "Rebels", "1")
    wait_saved(page, 1)

    # An admin batches the project for the other annotator only: blind annotation now
    # refuses this user on this sentence.
    with database.session() as session:
        batch = create_batch(session, seeded.project_id, source="remaining",
                             annotators=[other], overlap=1).batch.id
    kamdesh = label(page, text, "Kamdesh", "2")
    page.wait_for_function(
        "() => document.getElementById('save-status').dataset.state === 'error'"
    )
    assert "no longer edit" in page.locator("#save-status").text_content()
    assert "kept in this browser" in page.locator("#editor-message").text_content()
    # Still on screen and in the browser, and no more edits are taken meanwhile.
    assert page.locator("#sentence mark.span").count() == 2
    kept = unsaved_in_storage(page, user, sid)
    assert [(s["start"], s["end"]) for s in kept["spans"]] == [rebels, kamdesh]
    label(page, text, "Monday", "4")
    assert page.locator("#sentence mark.span").count() == 2
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]

    # The admin gives the work back: opening the sentence again sends what was kept.
    with database.session() as session:
        reassign_annotator(session, batch, leaving=other, to=[user])
    page.close()
    again = context.new_page()
    open_sentence(again, live.url, sid)
    wait_saved(again, 2)
    assert stored(database, sid, user)["spans"] == [
        (*rebels, "ACTOR", {}), (*kamdesh, "LOCATION", {}),
    ]
    assert unsaved_in_storage(again, user, sid) is None
