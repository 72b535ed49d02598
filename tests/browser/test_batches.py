"""A labelling campaign in real Chromium: batch with overlap 2, two queues, the admin dashboard."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.browser.conftest import browser_login
from tests.browser.helpers import drag_select, seed_article, stored, wait_ready, wait_saved


def dashboard_row(page, base_url: str, project_id: int, annotator: str) -> dict[str, str]:
    page.goto(f"{base_url}/projects/{project_id}/dashboard")
    row = page.locator(f"#progress tr[data-annotator='{annotator}']")
    return {
        cell: row.locator(f"td.{cell}").text_content()
        for cell in ("assigned", "done", "skipped", "flagged", "median")
    }


def current_sentence_id(page) -> int:
    path = urlparse(page.url).path
    assert path.startswith("/sentences/"), page.url
    return int(path.rsplit("/", 1)[1])


def wait_left(page, sentence_id: int) -> int:
    """Wait for the editor on another sentence than ``sentence_id``; return its id."""
    page.wait_for_url(
        lambda url: urlparse(url).path.startswith("/sentences/")
        and urlparse(url).path != f"/sentences/{sentence_id}"
    )
    wait_ready(page)
    return current_sentence_id(page)


def label_first_word(page) -> None:
    first = page.evaluate("() => window.annotatorEditor.state.tokens[0]")
    drag_select(page, first[0], first[1])
    page.keyboard.press("1")
    wait_saved(page, 1)


def test_admin_batches_two_annotators_work_through_their_queues(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique, annotators=2, admin=True)
    project = seeded.project_id
    ann0, ann1 = seeded.users["ann0"], seeded.users["ann1"]
    batch_name = unique("Week ")
    count = len(seeded.sentence_ids)
    assert count == 3

    # The admin creates the batch from the web form.
    admin = new_context().new_page()
    browser_login(admin, live.url, seeded.users["admin"])
    admin.goto(f"{live.url}/projects/{project}/batches")
    admin.fill("#batch-form input[name=name]", batch_name)
    admin.check("#batch-form input[name=source][value=remaining]")
    admin.check(f"#batch-form input[name=annotators][value='{ann0}']")
    admin.check(f"#batch-form input[name=annotators][value='{ann1}']")
    admin.fill("#batch-form input[name=overlap]", "2")
    admin.click("#batch-form button[type=submit]")
    admin.wait_for_url(f"{live.url}/projects/{project}/batches")
    flash = admin.text_content(".flash-success")
    assert f"{batch_name} with {count} sentences (overlap 2; " in flash
    assert f"{ann0}: {count}" in flash and f"{ann1}: {count}" in flash
    for who in (ann0, ann1):
        assert dashboard_row(admin, live.url, project, who) == {
            "assigned": "3", "done": "0", "skipped": "0", "flagged": "0", "median": "–",
        }
    assert "No flags." in admin.text_content("#flags")

    # The first annotator: home page, progress bar, continue, label + done.
    a = new_context().new_page()
    browser_login(a, live.url, ann0)
    card = a.locator("#my-batches .batch-card", has_text=batch_name)
    assert card.locator("svg.progress").get_attribute("aria-label") == (
        "0 done, 0 skipped, 3 remaining of 3"
    )
    card.locator("a.continue").click()
    wait_ready(a)
    first = current_sentence_id(a)
    label_first_word(a)
    a.keyboard.press("d")
    second = wait_left(a, first)

    # Back home: the bar followed; continue resumes at the first unfinished sentence.
    a.goto(f"{live.url}/projects/")
    card = a.locator("#my-batches .batch-card", has_text=batch_name)
    assert card.locator("svg.progress").get_attribute("aria-label") == (
        "1 done, 0 skipped, 2 remaining of 3"
    )
    assert dashboard_row(admin, live.url, project, ann0)["done"] == "1"
    card.locator("a.continue").click()
    wait_ready(a)
    assert current_sentence_id(a) == second

    # Skip the second; flag the third with a comment, then done: the batch is complete.
    a.keyboard.press("s")
    third = wait_left(a, second)
    a.keyboard.press("f")
    comment = "unsure about the unit <b>here</b>"
    a.locator("#flag-comment").fill(comment)
    a.click("#flag-save")
    wait_saved(a, 1)
    assert a.locator("#btn-flag").get_attribute("class") == "active"
    a.keyboard.press("d")
    a.wait_for_url("**/batches/*?complete=1")
    assert "Batch complete" in a.text_content(".batch-complete")
    assert [stored(database, sid, ann0)["status"] for sid in (first, second, third)] == [
        "done", "skipped", "done",
    ]
    assert stored(database, third, ann0)["flag_comment"] == comment
    a.goto(f"{live.url}/projects/")
    card = a.locator("#my-batches .batch-card", has_text=batch_name)
    assert card.locator("svg.progress").get_attribute("aria-label") == (
        "2 done, 1 skipped, 0 remaining of 3"
    )
    assert "Batch complete." in card.text_content()

    # The dashboard followed: counts, a median time, and the flag with its comment.
    row = dashboard_row(admin, live.url, project, ann0)
    assert {k: row[k] for k in ("assigned", "done", "skipped", "flagged")} == {
        "assigned": "3", "done": "2", "skipped": "1", "flagged": "1",
    }
    assert float(row["median"]) > 0  # seconds on the page, measured by the client
    assert dashboard_row(admin, live.url, project, ann1)["done"] == "0"
    flags = admin.locator("#flags tbody tr")
    assert flags.count() == 1
    assert flags.locator("td.comment").text_content() == comment
    assert ann0 in flags.text_content()
    links = [a.get_attribute("href") for a in flags.locator("a").all()]
    assert links == [f"/sentences/{third}", f"/sentences/{third}/history"]

    # The second annotator works through the same three sentences: done, done, skip.
    b = new_context().new_page()
    browser_login(b, live.url, ann1)
    b.locator("#my-batches .batch-card", has_text=batch_name).locator("a.continue").click()
    wait_ready(b)
    seen = [current_sentence_id(b)]
    # Blind annotation: the first annotator's span on this sentence is not shown.
    assert seen[0] == first  # both queues follow the article's order
    assert b.locator("#sentence mark.span").count() == 0
    label_first_word(b)
    for key in ("d", "Enter"):
        b.keyboard.press(key)
        seen.append(wait_left(b, seen[-1]))
    b.keyboard.press("s")
    b.wait_for_url("**/batches/*?complete=1")
    assert "Batch complete" in b.text_content(".batch-complete")
    assert sorted(seen) == sorted([first, second, third])  # overlap 2: both see every one
    row = dashboard_row(admin, live.url, project, ann1)
    assert {k: row[k] for k in ("assigned", "done", "skipped", "flagged")} == {
        "assigned": "3", "done": "2", "skipped": "1", "flagged": "0",
    }
    assert len(stored(database, first, ann1)["spans"]) == 1
    assert len(stored(database, first, ann0)["spans"]) == 1
