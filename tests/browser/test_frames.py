"""Event frames in the editor: an EVENT is linked to its actor1, actor2 and location with the
mouse and with the keyboard only; the links are drawn above the text without covering a word,
listed under the EVENT, saved with the spans and back after a reload; a role refuses spans it
does not allow; deleting the ACTOR span takes its link along in one undoable, saved step; a
link made while saves fail waits in the browser, and a conflict shows the saved links."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    click_span,
    cp_find,
    drag_select,
    open_sentence,
    seed_article,
    wait_saved,
)
from tests.browser.test_span_tags import TAG_BOXES, overlapping

SENTENCE = (
    "Warplanes of the Haldar Air Force carried out four airstrikes on militants' positions "
    "near Tel Maruf on Tuesday, the defence ministry said."
)
ACTOR1 = "Warplanes of the Haldar Air Force"
ACTOR2 = "militants"
PLACE = "Tel Maruf"
TRIGGER = "airstrikes"

# Points along every drawn connector (not its arrow head), and the boxes of the sentence's
# words: a connector or a role label that crossed a word would hide it.
CROSSINGS = """
() => {
  const words = [];
  const walker = document.createTreeWalker(document.getElementById('sentence'),
                                           NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent;
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(text))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      for (const r of range.getClientRects()) words.push({word: m[0], r});
    }
  }
  const inside = (x, y, r) => x > r.left + 0.5 && x < r.right - 0.5
                              && y > r.top + 0.5 && y < r.bottom - 0.5;
  const hits = [];
  let drawn = 0;
  for (const path of document.querySelectorAll('#link-layer .link-line')) {
    const ctm = path.getScreenCTM();
    const length = path.getTotalLength();
    drawn += 1;
    for (let d = 0; d <= length; d += 2) {
      const p = path.getPointAtLength(d).matrixTransform(ctm);
      for (const w of words) if (inside(p.x, p.y, w.r)) hits.push(`line over ${w.word}`);
    }
  }
  for (const box of document.querySelectorAll('#link-layer .link-label-box')) {
    const b = box.getBoundingClientRect();
    for (const w of words) {
      const r = w.r;
      if (Math.min(b.right, r.right) - Math.max(b.left, r.left) > 0.5
          && Math.min(b.bottom, r.bottom) - Math.max(b.top, r.top) > 0.5) {
        hits.push(`label over ${w.word}`);
      }
    }
  }
  return {drawn, hits: [...new Set(hits)]};
}
"""


def api_state(page, sentence_id: int) -> dict:
    """The stored annotation, read through the API as the page's own user."""
    return page.evaluate(
        "async (id) => (await fetch(`/api/sentences/${id}/annotation`)).json()", sentence_id
    )


def relation(text: str, head: str, role: str, child: str) -> dict:
    h, c = cp_find(text, head), cp_find(text, child)
    return {"head": {"start": h[0], "end": h[1]}, "role": role,
            "child": {"start": c[0], "end": c[1]}}


def expected(text: str) -> list[dict]:
    return sorted(
        [relation(text, TRIGGER, "actor1", ACTOR1), relation(text, TRIGGER, "actor2", ACTOR2),
         relation(text, TRIGGER, "location", PLACE)],
        key=lambda r: r["role"],
    )


def by_role(relations: list[dict]) -> list[dict]:
    return sorted(relations, key=lambda r: r["role"])


def label(page, text: str, word: str, key: str, version: int) -> None:
    drag_select(page, *cp_find(text, word))
    page.keyboard.press(key)
    wait_saved(page, version)


def open_fresh(live, database, unique, new_context):
    seeded = seed_article(database, unique, text=SENTENCE, title="Airstrikes near Tel Maruf")
    page = new_context().new_page()
    page.set_viewport_size({"width": 1366, "height": 850})
    browser_login(page, live.url, seeded.users["ann0"])
    open_sentence(page, live.url, seeded.sentence_ids[0])
    return page, seeded.sentence_ids[0], seeded.texts[0]


LABEL_BOXES = """
() => [...document.querySelectorAll('#link-layer .link-label-box')].map((el) => {
  const b = el.getBoundingClientRect();
  return {tag: `link ${el.closest('g').dataset.index}`, left: b.left, top: b.top,
          right: b.right, bottom: b.bottom};
})
"""


def links_drawn(page) -> int:
    """How many links are drawn (a link between two lines is drawn in two pieces)."""
    return page.evaluate("() => new Set([...document.querySelectorAll('#link-layer g.link')]"
                         ".map((g) => g.dataset.index)).size")


def assert_links_drawn_clear_of_words(page, count: int) -> None:
    """Connectors and role labels cross no word; labels cover no span tag nor each other."""
    found = page.evaluate(CROSSINGS)
    assert found["drawn"] >= count, found
    assert found["hits"] == [], found
    boxes = page.evaluate(TAG_BOXES, "#sentence mark.span") + page.evaluate(LABEL_BOXES)
    assert overlapping(boxes) == []


def test_link_with_the_mouse_reload_and_delete_the_actor(live, database, unique, new_context):
    page, sid, text = open_fresh(live, database, unique, new_context)
    label(page, text, ACTOR1, "1", 1)
    label(page, text, ACTOR2, "1", 2)
    label(page, text, PLACE, "2", 3)
    drag_select(page, *cp_find(text, TRIGGER))
    page.keyboard.press("4")
    page.locator("#etype-option-0").wait_for()
    page.keyboard.press("Escape")  # no event type yet: the EVENT stays selected
    wait_saved(page, 4)
    trigger = cp_find(text, TRIGGER)[0]

    # Each link in two actions: a role button (shown with its key), then a click on the span.
    for role, child in (("actor1", ACTOR1), ("actor2", ACTOR2), ("location", PLACE)):
        click_span(page, trigger)
        button = page.locator(f"#span-popup .role-button[data-role='{role}']")
        assert "⇧" in button.inner_text()
        button.click()
        if role == "location":
            # An ACTOR is not a place: the role refuses it and waits for a LOCATION.
            assert page.locator(f"mark.span[data-start='{cp_find(text, ACTOR1)[0]}']")\
                .get_attribute("class").count("link-not-candidate") == 1
            click_span(page, cp_find(text, ACTOR1)[0])
            assert "cannot be chosen" in page.locator("#editor-message").inner_text()
        click_span(page, cp_find(text, child)[0])
    wait_saved(page, 7)
    assert by_role(api_state(page, sid)["relations"]) == expected(text)
    items = page.locator("#span-list .link-item")
    assert items.count() == 3
    assert "Actor 1 (initiator)" in items.nth(0).inner_text() + items.nth(1).inner_text()
    assert_links_drawn_clear_of_words(page, 3)

    page.reload()
    page.wait_for_selector("body[data-editor-ready='1']", state="attached")
    assert links_drawn(page) == 3
    assert page.locator("#span-list .link-item").count() == 3
    assert_links_drawn_clear_of_words(page, 3)

    # Clicking a link selects it; Delete removes it (and only it).
    page.locator("#link-layer g.link[data-role='location'] .link-label-box").first.click()
    assert page.locator("#span-list .link-item.selected").count() == 1
    page.keyboard.press("Delete")
    wait_saved(page, 8)
    assert [r["role"] for r in by_role(api_state(page, sid)["relations"])] == ["actor1",
                                                                                "actor2"]
    page.keyboard.press("u")
    wait_saved(page, 9)
    assert by_role(api_state(page, sid)["relations"]) == expected(text)

    # Deleting the ACTOR span takes its link with it; the save is accepted.
    click_span(page, cp_find(text, ACTOR1)[0])
    page.locator("#btn-delete-span").click()
    wait_saved(page, 10)
    saved = api_state(page, sid)
    assert [s["label"] for s in saved["spans"]] == ["EVENT", "ACTOR", "LOCATION"]
    assert [r["role"] for r in by_role(saved["relations"])] == ["actor2", "location"]
    assert links_drawn(page) == 2
    # One undo brings back the span and its link together.
    page.keyboard.press("u")
    wait_saved(page, 11)
    assert by_role(api_state(page, sid)["relations"]) == expected(text)


def test_link_with_the_keyboard_only(live, database, unique, new_context):
    page, sid, text = open_fresh(live, database, unique, new_context)
    tokens = page.evaluate("() => window.annotatorEditor.state.tokens")

    def select_words(words: str) -> None:
        start, end = cp_find(text, words)
        first = next(i for i, (s, _) in enumerate(tokens) if s == start)
        last = next(i for i, (_, e) in enumerate(tokens) if e == end)
        page.keyboard.press("Shift+ArrowRight")  # the first token
        for _ in range(first):
            page.keyboard.press("Alt+ArrowRight")
        for _ in range(last - first):
            page.keyboard.press("Shift+ArrowRight")

    version = 0
    for words, key in ((ACTOR1, "1"), (ACTOR2, "1"), (PLACE, "2")):
        select_words(words)
        page.keyboard.press(key)
        version += 1
        wait_saved(page, version)
    select_words(TRIGGER)
    page.keyboard.press("4")
    page.keyboard.type("air")
    page.keyboard.press("Enter")  # the event type; the EVENT stays selected
    wait_saved(page, 5)
    assert page.locator("#link-bar .role-button").count() == 3

    page.keyboard.press("Shift+Digit1")  # actor1: the first candidate is the first ACTOR
    assert page.locator("mark.span.link-cursor").inner_text().endswith(ACTOR1)
    page.keyboard.press("Enter")
    wait_saved(page, 6)
    page.keyboard.press("Shift+Digit2")  # actor2: Tab on to the militants
    page.keyboard.press("Tab")
    assert page.locator("mark.span.link-cursor").inner_text().endswith(ACTOR2)
    page.keyboard.press("Enter")
    wait_saved(page, 7)
    page.keyboard.press("Shift+Digit3")  # location: the only LOCATION, arrows stay on it
    page.keyboard.press("ArrowRight")
    assert page.locator("mark.span.link-candidate").count() == 1
    page.keyboard.press("Enter")
    wait_saved(page, 8)
    assert page.url.endswith(f"/sentences/{sid}")  # no arrow or Enter left the sentence
    saved = api_state(page, sid)
    assert by_role(saved["relations"]) == expected(text)
    assert saved["spans"][1]["attributes"] == {"event_type": "air_drone_strike"}

    # Typing in a field never links: the flag comment takes Shift+1 as text.
    page.keyboard.press("f")
    page.keyboard.type("Who flew? !")
    page.keyboard.press("Shift+Digit1")
    assert page.locator("#flag-comment").input_value() == "Who flew? !!"
    assert page.locator("mark.span.link-candidate").count() == 0


def test_links_wait_offline_and_meet_a_conflict_like_spans(live, database, unique, new_context):
    """A link made while saves fail waits in the browser and is sent on the next visit; a
    stale tab's save is shown as a conflict that lists the saved version's links."""
    from sqlalchemy import select

    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.auth.models import User

    seeded = seed_article(database, unique, text=SENTENCE, title="Airstrikes near Tel Maruf")
    sid, text, name = seeded.sentence_ids[0], seeded.texts[0], seeded.users["ann0"]
    spans = [{"start": s, "end": e, "label": label, "attributes": {}}
             for (s, e), label in ((cp_find(text, ACTOR1), "ACTOR"),
                                   (cp_find(text, TRIGGER), "EVENT"),
                                   (cp_find(text, PLACE), "LOCATION"))]
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == name))
        save_annotation(session, user, sid, AnnotationIn(spans, "in_progress", 0, 1.0),
                        max_spent=60)
    context = new_context()
    page = context.new_page()
    browser_login(page, live.url, name)
    page.route("**/api/sentences/*/annotation", lambda route: route.abort()
               if route.request.method == "PUT" else route.continue_())
    open_sentence(page, live.url, sid)
    click_span(page, cp_find(text, TRIGGER)[0])
    page.keyboard.press("Escape")  # the popup closes, the EVENT stays selected
    page.keyboard.press("Shift+Digit1")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'not saved — retrying'")
    kept = page.evaluate("(k) => JSON.parse(localStorage.getItem(k))",
                         f"annotator:unsaved:{name}:{sid}")
    assert kept["relations"] == [relation(text, TRIGGER, "actor1", ACTOR1)]
    page.close()

    page = context.new_page()  # the server answers again: the kept link is sent
    open_sentence(page, live.url, sid)
    wait_saved(page, 2)
    assert api_state(page, sid)["relations"] == [relation(text, TRIGGER, "actor1", ACTOR1)]

    # Another tab links the location meanwhile; this one, still at version 2, links actor2.
    other = context.new_page()
    open_sentence(other, live.url, sid)
    click_span(other, cp_find(text, TRIGGER)[0])
    other.keyboard.press("Escape")
    other.keyboard.press("Shift+Digit3")
    other.keyboard.press("Enter")
    wait_saved(other, 3)
    page.bring_to_front()
    click_span(page, cp_find(text, TRIGGER)[0])
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Digit2")
    page.keyboard.press("Enter")
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert "Location" in conflict.locator(".conflict-links").inner_text()
    page.locator("#btn-load-saved").click()
    assert by_role(page.evaluate("() => window.annotatorEditor.state.relations")) == by_role(
        [relation(text, TRIGGER, "actor1", ACTOR1), relation(text, TRIGGER, "location", PLACE)])
    assert links_drawn(page) == 2
