"""Suggestions in the span editor, in real Chromium: drawn dashed in the label's colour, `a`
accepts the next (saved at once, with its origin), `x` rejects the next, a click opens the
accept / reject / change-label menu, Shift+A accepts the rest; each recorded for the dashboard."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.browser.conftest import browser_login
from tests.browser.helpers import open_sentence, seed_article, wait_saved

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "annotator/projects/default_schema.json").read_text()
)
COLOR = {label["key"]: label["color"] for label in SCHEMA["labels"]}
GAZETTEER = ("Rebels,ACTOR\nattacked,EVENT,armed_clash\nnorthern town,LOCATION\n"
             "Kamdesh,LOCATION\n")


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def seed(database, unique):
    from annotator.assignments.services import create_batch
    from annotator.suggestions.services import import_gazetteer

    seeded = seed_article(database, unique)
    with database.session() as session:
        import_gazetteer(session, seeded.project_id, "front lines", GAZETTEER)
        create_batch(session, seeded.project_id, source="remaining",
                     annotators=[seeded.users["ann0"]], overlap=1, suggestions=True)
    return seeded


def saved_spans(database, sentence_id: int) -> list[tuple]:
    from annotator.annotation.models import Annotation, SpanRow

    with database.session() as session:
        return [tuple(r) for r in session.execute(
            select(SpanRow.start, SpanRow.end, SpanRow.label, SpanRow.origin)
            .join(Annotation, Annotation.id == SpanRow.annotation_id)
            .where(Annotation.sentence_id == sentence_id).order_by(SpanRow.start))]


def events(database, project_id: int) -> dict[str, int]:
    """The project's suggestion events by action (other tests share the database)."""
    from annotator.suggestions.models import SuggestionEvent

    with database.session() as session:
        return dict(session.execute(select(SuggestionEvent.action, func.count())
                                    .where(SuggestionEvent.project_id == project_id)
                                    .group_by(SuggestionEvent.action)).all())


def message(page) -> str:
    return page.locator("#editor-message").text_content()


def test_accept_reject_menu_and_accept_all(live, database, unique, page):
    seeded = seed(database, unique)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    browser_login(page, live.url, seeded.users["ann0"])
    open_sentence(page, live.url, sid)
    page.wait_for_selector("body[data-suggestions-ready='1']", state="attached")
    marks = page.locator("#sentence mark.suggestion")
    assert marks.all_text_contents() == ["Rebels", "attacked", "northern town", "Kamdesh"]
    first = marks.first
    assert first.evaluate("m => getComputedStyle(m).borderTopStyle") == "dashed"
    assert first.evaluate("m => getComputedStyle(m).borderTopColor") == rgb(COLOR["ACTOR"])
    assert "4 suggestions" in message(page)
    assert saved_spans(database, sid) == []  # shown, not saved

    page.keyboard.press("a")  # accept the next: "Rebels"
    wait_saved(page, 1)
    assert page.locator("#sentence mark.span").all_text_contents() == ["Rebels"]
    assert message(page) == "Accepted Actor “Rebels”. 3 suggestions left."
    origin = {"source": "gazetteer", "name": "front lines"}
    assert saved_spans(database, sid) == [(0, 6, "ACTOR", origin)]

    page.keyboard.press("x")  # reject the next: "attacked"
    assert marks.all_text_contents() == ["northern town", "Kamdesh"]
    assert message(page).startswith("Rejected Event “attacked”")

    page.locator("#sentence mark.suggestion", has_text="northern town").click()
    menu = page.locator("#suggestion-menu")
    menu.wait_for(state="visible")
    assert "Suggested: Location “northern town”" in menu.text_content()
    menu.get_by_role("button", name="Accept as Unit").click()  # change the label
    wait_saved(page, 2)
    assert menu.is_hidden()
    start = text.index("northern")
    assert (start, start + len("northern town"), "UNIT", origin) in saved_spans(database, sid)

    # From the keyboard: a focused suggestion opens its menu with Enter; Escape closes it and
    # gives the keyboard back to the sentence.
    page.locator("#sentence mark.suggestion").first.focus()
    page.keyboard.press("Enter")
    menu.wait_for(state="visible")
    assert "Suggested: Location “Kamdesh”" in menu.text_content()
    page.keyboard.press("Escape")
    assert menu.is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "sentence"

    page.keyboard.press("Shift+A")  # the rest: "Kamdesh"
    wait_saved(page, 3)
    assert marks.count() == 0
    assert [s[2] for s in saved_spans(database, sid)] == ["ACTOR", "UNIT", "LOCATION"]
    assert page.locator("#span-list .origin").count() == 3
    expected = {"shown": 4, "accepted": 3, "rejected": 1}
    for _ in range(50):  # the event records are sent without waiting for their answer
        if events(database, seeded.project_id) == expected:
            break
        time.sleep(0.1)
    assert events(database, seeded.project_id) == expected


def test_no_suggestions_outside_a_batch_with_them_on_and_a_opens_the_article(
        live, database, unique, page):
    from annotator.suggestions.services import import_gazetteer

    seeded = seed_article(database, unique)
    with database.session() as session:
        import_gazetteer(session, seeded.project_id, "front lines", GAZETTEER)
    browser_login(page, live.url, seeded.users["ann0"])
    open_sentence(page, live.url, seeded.sentence_ids[0])
    page.wait_for_selector("body[data-suggestions-ready='1']", state="attached")
    assert page.locator("#sentence mark.suggestion").count() == 0
    page.keyboard.press("a")
    page.locator("#article-dialog").wait_for(state="visible")
