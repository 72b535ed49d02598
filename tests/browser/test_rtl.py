"""Right-to-left text in real Chromium: an Arabic article with harakat reads right-to-left on
every page that shows sentences, a mouse drag and the keyboard select whole words, and the
offsets saved are those of the characters selected (checked against the text in Python)."""

from __future__ import annotations

import itertools
import os

from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import open_sentence, seed_article, stored, wait_saved

# An original short report, fully vowelled (harakat are combining marks: one code point each,
# so the offsets below count them), and a sentence mixing Arabic and English names.
ARABIC = (
    "قَصَفَتِ الْمِدْفَعِيَّةُ مَوَاقِعَ الْمُسَلَّحِينَ قُرْبَ بَلْدَةِ الزَّهْرَاءِ صَبَاحَ الثُّلَاثَاءِ. "
    "وَقَالَ مُتَحَدِّثٌ بِاسْمِ اللِّوَاءِ الْخَامِسِ إِنَّ ثَلَاثَةَ مَدَنِيِّينَ أُصِيبُوا بِجُرُوحٍ. "
    "وَذَكَرَتْ وَكَالَةُ Reuters أَنَّ الْقُوَّاتِ انْسَحَبَتْ مِنْ Kafr Saleh لَيْلًا."
)

# Middle of a word (code-point offsets in, viewport point out): a drag from the middle of one
# word to the middle of another leaves the snapping to whole words to the editor.
_WORD_MIDDLE_JS = """([start, end]) => {
  const root = document.getElementById('sentence');
  const text = root.textContent;
  const unit = (n) => [...text].slice(0, n).join('').length;
  const locate = (u) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let acc = 0, node, last = null;
    while ((node = walker.nextNode())) {
      if (u < acc + node.length) return [node, u - acc];
      acc += node.length; last = node;
    }
    return [last, last.length];
  };
  const range = document.createRange();
  range.setStart(...locate(unit(start)));
  range.setEnd(...locate(unit(end)));
  const r = range.getBoundingClientRect();
  return {x: r.left + r.width / 2, y: r.top + r.height / 2};
}"""


def word_middle(page, text: str, word: str) -> tuple[float, float]:
    start = text.index(word)
    point = page.evaluate(_WORD_MIDDLE_JS, [start, start + len(word)])
    return point["x"], point["y"]


def drag(page, text: str, first: str, last: str) -> None:
    """A real mouse drag from the middle of word ``first`` to the middle of word ``last``."""
    x1, y1 = word_middle(page, text, first)
    x2, y2 = word_middle(page, text, last)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=4)
    page.mouse.move(x2, y2, steps=4)
    page.mouse.up()


def span_of(text: str, words: str, label: str) -> tuple[int, int, str, dict]:
    start = text.index(words)
    return (start, start + len(words), label, {})


def is_rtl(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate("(el) => el.matches(':dir(rtl)')")


def test_arabic_sentences_select_and_save_by_mouse_and_keyboard(live, database, unique, page):
    from annotator.corpus.tokens import token_offsets

    seeded = seed_article(database, unique, text=ARABIC, title="قَصْفٌ قُرْبَ الزَّهْرَاءِ")
    first, second, mixed = seeded.texts
    assert len(seeded.texts) == 3 and "Kafr Saleh" in mixed
    user = seeded.users["ann0"]
    browser_login(page, live.url, user)

    # The sentence and its context read right to left; the first word sits at the right.
    open_sentence(page, live.url, seeded.sentence_ids[0])
    assert is_rtl(page, "#sentence") and is_rtl(page, ".context.after")
    right_word = word_middle(page, first, "قَصَفَتِ")[0]
    left_word = word_middle(page, first, "الثُّلَاثَاءِ")[0]
    assert right_word > left_word
    sentence_box = page.locator("#sentence").bounding_box()
    assert right_word > sentence_box["x"] + sentence_box["width"] / 2  # aligned to the right

    # Mouse: a drag between the middles of two words selects both words whole: LOCATION.
    drag(page, first, "بَلْدَةِ", "الزَّهْرَاءِ")
    page.keyboard.press("2")
    wait_saved(page, 1)
    # Keyboard: Shift+left (the reading direction here) twice takes the first two words.
    page.keyboard.press("Escape")
    page.focus("#sentence")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("1")
    wait_saved(page, 2)
    tokens = token_offsets(first)
    expected = sorted([span_of(first, "بَلْدَةِ الزَّهْرَاءِ", "LOCATION"),
                       (tokens[0][0], tokens[1][1], "ACTOR", {})])
    assert stored(database, seeded.sentence_ids[0], user)["spans"] == expected
    assert first[expected[0][0]:expected[0][1]] == "قَصَفَتِ الْمِدْفَعِيَّةُ"
    # The tag of a span (a block above its words) runs right-to-left with the text, so it
    # starts at the span's right edge, over its first letters.
    mark = page.locator("#sentence mark.span[data-label=LOCATION]")
    tag = mark.evaluate("(el) => { const t = getComputedStyle(el, '::before');"
                        " return [t.direction, t.display, t.content]; }")
    assert tag[0] == "rtl" and tag[1] == "block" and "LOCATION" in tag[2], tag

    # A mixed sentence: the English name inside the Arabic line, dragged from its first word
    # to its last, and an Arabic word beside "Reuters" by the keyboard.
    open_sentence(page, live.url, seeded.sentence_ids[2])
    assert is_rtl(page, "#sentence")
    drag(page, mixed, "Kafr", "Saleh")
    page.keyboard.press("2")
    wait_saved(page, 1)
    page.keyboard.press("Escape")
    page.focus("#sentence")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")  # back one: the first two words
    page.keyboard.press("1")
    wait_saved(page, 2)
    got = stored(database, seeded.sentence_ids[2], user)["spans"]
    assert got == sorted([(0, mixed.index(" Reuters"), "ACTOR", {}),
                          span_of(mixed, "Kafr Saleh", "LOCATION")])
    assert [mixed[s:e] for s, e, _, _ in got] == ["وَذَكَرَتْ وَكَالَةُ", "Kafr Saleh"]
    shots = os.environ.get("ANNOTATOR_SHOTS")  # see test_accessibility.py
    if shots:
        for scheme, (width, height) in itertools.product(("light", "dark"),
                                                         ((1366, 850), (800, 900))):
            page.emulate_media(color_scheme=scheme)
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=f"{shots}/annotator-rtl-mixed-{scheme}-{width}.png")


def test_arabic_reads_right_to_left_on_every_sentence_page(live, database, unique, page):
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.auth.models import User

    seeded = seed_article(database, unique, text=ARABIC, annotators=2, admin=True)
    names = [seeded.users["ann0"], seeded.users["ann1"]]
    second = seeded.texts[1]
    with database.session() as session:
        for name, label in zip(names, ("UNIT", "ACTOR"), strict=True):
            user = session.scalar(select(User).where(User.username == name))
            span = dict(zip(("start", "end", "label", "attributes"),
                            span_of(second, "اللِّوَاءِ الْخَامِسِ", label), strict=True))
            save_annotation(session, user, seeded.sentence_ids[1],
                            AnnotationIn([span], "done", 0, 3.0), max_spent=60)
    browser_login(page, live.url, seeded.users["admin"])
    sid = seeded.sentence_ids[1]
    pages = {
        f"/documents/{seeded.document_id}": "td[dir=auto]",          # the article view
        f"/sentences/{sid}/gold": "#sentence",                       # the gold editor
        f"/sentences/{sid}/history": "blockquote.sentence-quote",
        f"/projects/{seeded.project_id}/agreement/disagreements?pair={names[0]}"
        f"&pair={names[1]}": ".drill-line",                           # the drill-down
    }
    for path, selector in pages.items():
        page.goto(f"{live.url}{path}")
        assert page.locator(selector).count(), path
        assert is_rtl(page, selector), path
