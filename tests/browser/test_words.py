"""In Chromium: a long history folds its earlier versions and restoring asks first, saying what
will change; the batch form shows only the fields of the chosen way to pick sentences; the
export form lines up with its heading and no option text is cut off, at both widths."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article, stored


def test_history_folds_earlier_versions_and_restoring_asks_first(live, database, unique, page):
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.auth.models import User

    seeded = seed_article(database, unique, annotators=1, admin=True)
    sid, text, name = seeded.sentence_ids[0], seeded.texts[0], seeded.users["ann0"]
    words = text.split()
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == name))
        for version in range(5):  # each version marks one more word as an ACTOR
            spans, at = [], 0
            for word in words[: version + 1]:
                start = text.index(word, at)
                at = start + len(word)
                spans.append({"start": start, "end": at, "label": "ACTOR", "attributes": {}})
            save_annotation(session, user, sid,
                            AnnotationIn(spans, "in_progress", version, 1.0), max_spent=60)
        session.commit()
    browser_login(page, live.url, seeded.users["admin"])
    page.goto(f"{live.url}/sentences/{sid}/history")
    versions = page.locator("#history li.version")
    assert versions.count() == 5
    visible = [v for v in range(5) if versions.nth(v).is_visible()]
    assert len(visible) == 3  # the latest three; the two first are folded away
    assert page.locator("#history details.earlier > summary").text_content().strip() == (
        "Show 2 earlier versions")
    page.click("#history details.earlier > summary")
    assert all(versions.nth(v).is_visible() for v in range(5))
    oldest = versions.nth(4)
    assert f"Added Actor “{words[0]}”" in oldest.text_content()
    oldest.get_by_role("link", name="Restore this version…").click()
    page.wait_for_url("**/audit/*/restore")
    changes = page.locator("#restore-changes").text_content()
    assert f"Removed Actor “{words[4]}”" in changes and f"“{words[0]}”" not in changes
    assert stored(database, sid, name)["version"] == 5  # nothing changed before the click
    page.get_by_role("button", name="Restore version 1").click()
    page.wait_for_url(f"**/sentences/{sid}/history")
    assert "it is now version 6" in page.locator(".flash-success").text_content()
    assert stored(database, sid, name)["version"] == 6


def test_batch_form_shows_only_the_fields_of_the_chosen_way(live, database, unique, page):
    seeded = seed_article(database, unique, annotators=1, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    page.goto(f"{live.url}/projects/{seeded.project_id}/batches")
    shown = lambda: (page.is_visible("#sample"), page.is_visible("#documents"))  # noqa: E731
    assert shown() == (False, False)
    page.check("input[name=source][value=sample]")
    assert shown() == (True, False)
    page.check("input[name=source][value=documents]")
    assert shown() == (False, True)
    assert page.is_visible("#seed-hint")  # "Seed" explained beside its field


@pytest.mark.parametrize("width", [1366, 800])
def test_export_form_lines_up_and_cuts_no_option(live, database, unique, page, width):
    seeded = seed_article(database, unique, annotators=1, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live.url}/projects/{seeded.project_id}/export")
    heading = page.locator("main h1").bounding_box()
    form = page.locator("#export-form").bounding_box()
    assert abs(form["x"] - heading["x"]) < 1, (form, heading)
    cut = page.evaluate("""() => [...document.querySelectorAll(
        '#export-form label, #export-form option, #export-form select, #export-form .choice span')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && el.tagName !== 'OPTION'
                        || el.getBoundingClientRect().right > document.documentElement.clientWidth)
        .map((el) => el.textContent.trim().slice(0, 60))""")
    assert cut == []
    assert page.locator("a[href='/help/export-formats#conll']").count() == 1
