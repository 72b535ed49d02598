"""A save refused for its CSRF token (the session changed since the page was served) fetches a
fresh token once and sends again at once; refused again, it falls back to the retry backoff."""

from __future__ import annotations

import json

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    cp_find,
    drag_select,
    open_sentence,
    seed_article,
    status_log,
    stored,
    wait_saved,
)


def csrf_meta(page) -> str:
    return page.evaluate("() => document.querySelector('meta[name=\"csrf-token\"]').content")


def test_a_save_after_logging_in_again_elsewhere_fetches_a_fresh_token(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    stale = csrf_meta(page)

    # Logging out and in again in another tab starts a fresh session: the token is now stale.
    log_in_again_elsewhere(context, live.url, user)

    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if r.request.method == "PUT" else None)
    rebels = cp_find(text, "Rebels")
    drag_select(page, *rebels)
    page.keyboard.press("1")
    wait_saved(page, 1)
    assert answers == [400, 200]  # refused for the stale token, then sent again at once
    assert csrf_meta(page) != stale
    assert "not saved — retrying" not in status_log(page)
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]

    # The session changes once more after that save: this refusal gets its own fresh token.
    log_in_again_elsewhere(context, live.url, user)
    answers.clear()
    kamdesh = cp_find(text, "Kamdesh")
    drag_select(page, *kamdesh)
    page.keyboard.press("2")
    wait_saved(page, 2)
    assert answers == [400, 200]
    assert "not saved — retrying" not in status_log(page)


def log_in_again_elsewhere(context, base_url: str, user: str) -> None:
    """Log out and in again in another tab of the same browser: a new session and token."""
    other = context.new_page()
    other.goto(f"{base_url}/projects/")
    other.click("form.inline button[type=submit]")  # "Log out"
    other.wait_for_url("**/login**")
    browser_login(other, base_url, user)
    other.close()


def test_a_token_refused_again_is_fetched_only_once_then_the_backoff_retries(
    live, database, unique, page
):
    seeded = seed_article(database, unique)
    user = seeded.users["ann0"]
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, user)
    open_sentence(page, live.url, sid)
    sentence_url = page.url
    refetches: list[str] = []
    page.on(
        "request",
        lambda r: refetches.append(r.url) if r.method == "GET" and r.url == sentence_url else None,
    )
    refusals: list[str] = []

    def refuse(route) -> None:
        refusals.append(route.request.method)
        route.fulfill(
            status=400, content_type="application/json",
            body=json.dumps({"error": {"code": "csrf", "message": "The CSRF token is invalid."}}),
        )

    page.route(f"**/api/sentences/{sid}/annotation", refuse)
    rebels = cp_find(text, "Rebels")
    drag_select(page, *rebels)
    page.keyboard.press("1")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'"
    )
    page.wait_for_timeout(3500)  # the backoff retries after 1 s, then after 2 s more
    assert len(refusals) >= 3  # sent, sent again with the fresh token, retried by the backoff
    assert len(refetches) == 1  # the page was fetched for a fresh token once, not per retry

    page.unroute(f"**/api/sentences/{sid}/annotation")
    wait_saved(page, 1, timeout=20_000)
    assert stored(database, sid, user)["spans"] == [(*rebels, "ACTOR", {})]
