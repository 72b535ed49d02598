"""The project's sentence list and navigation bar in real Chromium: search with accents,
filters kept in a shareable URL, the empty state, and the bar at 800 px for each role."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article

ARTICLE = (
    "Shelling hit the outskirts of Ḥamā before dawn on Tuesday. "
    "Government troops from the Fifth Brigade arrived later that night. "
    "Residents of HAMA province reported new displacement."
)
ADMIN_NAV = ["Sentences", "Documents", "Batches", "Dashboard", "Agreement", "Adjudication",
             "Export", "Models", "Guidelines", "Settings"]


def nav_links(page) -> list[str]:
    return page.get_by_role("navigation", name="Project").locator("li a").all_inner_texts()


def test_search_filters_share_and_navigate(live, database, unique, new_context):
    seeded = seed_article(database, unique, text=ARTICLE, title="Hama dispatch", admin=True)
    admin = new_context().new_page()
    browser_login(admin, live.url, seeded.users["admin"])
    admin.goto(f"{live.url}/projects/{seeded.project_id}")
    bar = admin.get_by_role("navigation", name="Project")
    assert nav_links(admin) == ADMIN_NAV
    bar.get_by_role("link", name="Sentences").click()
    admin.wait_for_url(f"{live.url}/projects/{seeded.project_id}/sentences")
    assert bar.locator("[aria-current=page]").inner_text() == "Sentences"
    assert admin.locator("#sentence-count").inner_text().startswith("3 sentences")

    # Accents and case are ignored; the filters go into the URL.
    admin.get_by_role("searchbox", name="Text").fill("hama")
    admin.get_by_label("Status").select_option(label="not started")
    admin.get_by_role("searchbox", name="Text").press("Enter")
    admin.wait_for_url("**/sentences?*")
    query = parse_qs(urlparse(admin.url).query)
    assert query["q"] == ["hama"] and query["status"] == ["new"]
    rows = admin.locator("#sentence-list tbody tr")
    assert rows.count() == 2
    assert "Ḥamā" in rows.nth(0).inner_text() and "HAMA" in rows.nth(1).inner_text()
    assert admin.locator("#sentence-count").inner_text().startswith("2 sentences match")

    # The same URL, opened by the annotator: the same filters, their own view.
    shared = admin.url
    annotator = new_context().new_page()
    browser_login(annotator, live.url, seeded.users["ann0"])
    annotator.goto(shared)
    assert annotator.get_by_role("searchbox", name="Text").input_value() == "hama"
    assert annotator.locator("#sentence-list tbody tr").count() == 2
    assert nav_links(annotator) == ["Sentences", "Guidelines"]
    annotator.locator("#sentence-list tbody tr").nth(0).get_by_role("link").click()
    annotator.wait_for_url(f"{live.url}/sentences/{seeded.sentence_ids[0]}")
    assert (annotator.get_by_role("navigation", name="Project")
            .locator("[aria-current=page]").inner_text() == "Sentences")

    # Nothing matches: said plainly, with the way back to every sentence.
    admin.get_by_role("searchbox", name="Text").fill("Aleppo")
    admin.get_by_role("button", name="Search").click()
    admin.wait_for_selector("#no-match")
    assert "No sentences match these filters." in admin.locator("#no-match").inner_text()
    admin.get_by_role("link", name="Clear the filters").click()
    admin.wait_for_url(f"{live.url}/projects/{seeded.project_id}/sentences")
    assert admin.locator("#sentence-list tbody tr").count() == 3

    # At 800 px every link of the bar is on screen and nothing scrolls sideways.
    for page in (admin, annotator):
        page.set_viewport_size({"width": 800, "height": 900})
        page.reload()
        for link in page.get_by_role("navigation", name="Project").locator("a").all():
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 800, link.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
