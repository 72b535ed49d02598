"""A frozen annotation in real Chromium: gold made while the page is open refuses the next
save (409 "frozen") and the page stops editing; opened again, the page is read-only and says
why; once an admin reopens it, the annotator edits again."""

from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import open_sentence, stored, wait_saved
from tests.browser.test_adjudication import seed_disagreement


def test_an_annotation_frozen_by_gold_is_read_only_until_an_admin_reopens_it(
        live, database, unique, page):
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.services import reopen_annotation
    from annotator.auth.models import User

    world = seed_disagreement(database, unique)
    seeded, annotator = world["seeded"], world["names"][0]
    s0 = seeded.sentence_ids[0]
    before = stored(database, s0, annotator)
    browser_login(page, live.url, annotator)
    open_sentence(page, live.url, s0)
    assert page.locator("#frozen-notice").count() == 0

    # Meanwhile the automatic pass makes gold: the finished annotation is counted, frozen.
    with database.session() as session:
        auto_adjudicate(session, seeded.project_id, min_agree=2)
    answers = []
    page.on("response", lambda r: r.request.method == "PUT" and answers.append(r.status))
    page.locator("#sentence").focus()
    page.keyboard.press("Shift+ArrowRight")
    for _ in range(4):
        page.keyboard.press("Alt+ArrowRight")  # "town", outside every stored span
    page.keyboard.press("2")
    page.wait_for_function(
        "() => document.getElementById('editor-message').textContent.includes('frozen')")
    assert answers == [409]
    assert "can no longer edit" in page.locator("#save-status").text_content()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")  # refused at once: nothing more is sent
    assert answers == [409]
    assert stored(database, s0, annotator) == before

    # Opened again: read-only from the start, with the reason on the page.
    open_sentence(page, live.url, s0)
    notice = page.locator("#frozen-notice")
    assert notice.is_visible() and "frozen" in notice.text_content()
    marks = page.locator("#sentence mark.span").count()
    page.locator("#sentence").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("1")
    assert page.locator("#sentence mark.span").count() == marks
    assert answers == [409] and stored(database, s0, annotator) == before

    # An admin reopens it: the annotator edits again. The edit refused earlier was kept in
    # the browser; the reopen made a new version, so the page asks before sending it.
    with database.session() as session:
        admin = session.scalar(select(User).where(User.username == seeded.users["admin"]))
        owner = session.scalar(select(User).where(User.username == annotator))
        reopen_annotation(session, admin, s0, owner.id)
    open_sentence(page, live.url, s0)
    assert page.locator("#frozen-notice").count() == 0
    page.click("#btn-keep-mine")
    wait_saved(page, before["version"] + 2)  # the reopen was one version, this save the next
    assert answers[-1] == 200
    assert any(label == "LOCATION" and end - start == len("town")
               for start, end, label, _ in stored(database, s0, annotator)["spans"])
