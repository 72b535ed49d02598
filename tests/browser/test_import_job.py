"""The annotation import page's job panel: the import waits for a worker, survives a reload,
follows the running job to its outcome, and a refused import shows its problems in words."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article

pytestmark = pytest.mark.browser

TEXT = ("Militia fighters shelled the outskirts of Tarhuna at dawn.\n"
        "The 9th Brigade withdrew toward Bani Walid by noon.\n")


def brat_pair(text: str, label: str = "UNIT") -> list[dict]:
    def at(surface: str) -> str:
        start = text.index(surface)
        return f"{start} {start + len(surface)}"

    ann = (f"T1\tACTOR {at('Militia fighters')}\tMilitia fighters\n"
           f"T2\tLOCATION {at('Tarhuna')}\tTarhuna\n"
           f"T3\t{label} {at('9th Brigade')}\t9th Brigade\n")
    return [{"name": "report.txt", "mimeType": "text/plain", "buffer": text.encode()},
            {"name": "report.ann", "mimeType": "text/plain", "buffer": ann.encode()}]


def submit(page, url: str, files: list[dict]) -> None:
    page.goto(url)
    page.select_option("select[name=format]", "brat")
    page.check("input[name=mode][value=gold]")
    page.set_input_files("input[type=file]", files=files)
    page.click("#import-form button[type=submit]")
    page.wait_for_url(url)


def test_import_panel_waits_follows_the_job_and_shows_a_refusal(live, database, unique, page):
    seeded = seed_article(database, unique, text=None, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    url = f"{live.url}/projects/{seeded.project_id}/import-annotations"
    text = TEXT.replace("Tarhuna", unique("Tarhuna"))
    live.stop_worker()
    try:
        submit(page, url, brat_pair(text))
        panel = page.locator(".job-panel[data-job-kind=import-annotations]")
        assert panel.get_attribute("data-job-state") == "queued"
        job_id = panel.get_attribute("data-job-id")
        page.reload()  # the page finds its job again
        assert page.locator(".job-panel").get_attribute("data-job-id") == job_id
    finally:
        live.start_worker()
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=30_000)
    assert page.locator(".job-panel .job-progress").evaluate("bar => bar.value") == 1
    assert ("imported 1 document (0 found in the project, 1 created) as gold: 2 sentences "
            "with 3 spans") in page.text_content(".job-message")
    page.click(".job-panel .job-result")
    page.wait_for_selector("#import-outcome")
    assert "3 spans" in page.text_content("#import-outcome")

    submit(page, url, brat_pair(text.replace("dawn", "dusk"), label="FORMATION"))
    page.wait_for_selector(".job-panel[data-job-state=failed]", timeout=30_000)
    error = page.locator(".job-panel .job-error")
    assert error.is_visible()
    words = error.text_content()
    assert "1 problem in the files; nothing imported" in words
    assert "report.ann line 3 (T3): label 'FORMATION' not in the schema" in words
