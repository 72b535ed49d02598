"""The export page's "Prepare the file" in real Chromium: a background job in the worker
writes the export, the panel follows it and offers the file, and the file downloads."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article
from tests.export.gold_data import add_gold


def test_the_export_page_prepares_a_file_and_downloads_it(live, database, unique, page):
    seeded = seed_article(database, unique, admin=True)
    with database.session() as session:
        for sentence_id, text in zip(seeded.sentence_ids, seeded.texts, strict=True):
            start = text.index(text.split()[0])
            add_gold(session, sentence_id, [{"start": start, "end": start + len(
                text.split()[0]), "label": "ACTOR"}])
        session.commit()
    browser_login(page, live.url, seeded.users["admin"])
    page.goto(f"{live.url}/projects/{seeded.project_id}/export")
    page.check("input[name=format][value=jsonl]")
    page.check("input[name=complete_only]")
    page.click("#prepare-file")
    page.wait_for_url(f"**/projects/{seeded.project_id}/export")
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=20_000)
    assert "Ready:" in page.text_content(".job-panel .job-message")
    # The address of the page never carried the CSRF token (only the POST did).
    assert "csrf_token" not in page.url
    link = page.locator(".job-panel .job-file")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    with open(download.path(), "rb") as file:
        body = file.read()
    direct = page.request.get(f"{live.url}/projects/{seeded.project_id}/export/download"
                              "?format=jsonl&complete_only=1")
    assert direct.status == 200 and body == direct.body()
    assert download.suggested_filename.endswith("-gold.jsonl")
    assert len(body.splitlines()) == len(seeded.sentence_ids)
    # A plain download after preparing sends no token either.
    with page.expect_download() as again:
        page.click("#download-now")
    assert "csrf_token" not in again.value.url
