"""A background job seen from the page: the upload's progress panel waits for a worker,
survives a reload, cancels, and follows a running job to its result without a reload."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article

pytestmark = pytest.mark.browser


def articles(tag: str, count: int) -> bytes:
    return "\n".join(json.dumps({
        "title": f"Drone strike on the road to {tag} {i}",
        "text": f"A drone struck a pickup on the road to {tag} {i} on Sunday. "
                "Two fighters were killed, a local monitor said.",
    }) for i in range(count)).encode()


def upload(page, base_url: str, project_id: int, data: bytes, name: str) -> None:
    page.goto(f"{base_url}/projects/{project_id}/documents")
    page.set_input_files("input[type=file]", files=[
        {"name": name, "mimeType": "application/json", "buffer": data}])
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(f"{base_url}/projects/{project_id}/documents")


def test_upload_progress_panel_reload_cancel_and_result(live, database, unique, page):
    seeded = seed_article(database, unique, text=None, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    live.stop_worker()
    try:
        upload(page, live.url, seeded.project_id, articles(unique("Saraqib"), 3), "a.jsonl")
        panel = page.locator(".job-panel")
        assert panel.is_visible() and panel.get_attribute("data-job-state") == "queued"
        job_id = panel.get_attribute("data-job-id")
        assert "Waiting for a worker" in page.text_content(".job-message")

        page.reload()  # the page finds its job again
        assert page.locator(".job-panel").get_attribute("data-job-id") == job_id
        page.click(".job-panel .job-cancel")
        page.wait_for_selector(".job-panel[data-job-state=cancelled]")
        assert "Cancelled before it started" in page.text_content(".job-message")
        assert page.locator(".job-panel .job-cancel").is_hidden()

        upload(page, live.url, seeded.project_id, articles(unique("Binnish"), 2), "b.jsonl")
        page.wait_for_selector(".job-panel[data-job-state=queued]")
        assert page.locator(".job-panel").get_attribute("data-job-id") != job_id
    finally:
        live.start_worker()
    # The page polls: it follows the job to its end with no reload.
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=30_000)
    assert page.locator(".job-panel .job-progress").evaluate("bar => bar.value") == 1
    assert "Imported 2 documents with 4 sentences" in page.text_content(".job-message")
    page.click(".job-panel .job-result")
    page.wait_for_selector("table.documents a")
    assert page.locator("table.documents tbody tr").count() == 2


def test_a_refused_upload_shows_its_error_in_words_and_starts_no_job(live, database, unique,
                                                                      page):
    seeded = seed_article(database, unique, text=None, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    upload(page, live.url, seeded.project_id, b'{"title": "x", "text": "ok."}\n{broken',
           "broken.jsonl")
    error = page.locator("main > .flash-error")
    assert error.is_visible() and "broken.jsonl" in error.text_content()
    assert "line 2" in error.text_content() and "nothing stored" in error.text_content()
    assert page.locator(".job-panel").is_hidden()
