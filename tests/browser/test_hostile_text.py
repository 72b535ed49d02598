"""Hostile and exotic article text in real Chromium: plain text everywhere, exact offsets."""

from __future__ import annotations

import json

from tests.browser.conftest import browser_login
from tests.browser.helpers import (
    click_span,
    drag_select,
    open_sentence,
    seed_article,
    sentence_ids_of,
    stored,
    wait_saved,
)

TITLE = "Report <script>window.__xss=9</script> &amp; <b>bold</b>"
SENTENCES = [
    "Rebels posted <script>window.__xss=1</script> on the forum.",
    'The photo <img src=x onerror="window.__xss=2"> showed the damage.',
    "A link [click](javascript:window.__xss=3) was shared widely.",
    "Entities such as &lt;b&gt; and &amp; must stay literal.",
    "\u200fقصف الجيش مدينة حلب صباح اليوم\u200f.",
    "Fighters 🚀 🇺🇦 👨\u200d👩\u200d👧 entered Kamdesh at dawn.",
    "The cafe\u0301 in Kamdesh was shelled.",
]
BODY = " ".join(SENTENCES)
UPLOAD = f"{TITLE}\n\n{BODY}\n".encode()


def no_injection(page) -> None:
    """Nothing from the article became markup or ran."""
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    injected = page.evaluate(
        """() => [...document.querySelectorAll(
              'main img, main script:not([type="application/json"]), main b, '
              + 'main a[href^="javascript"], main [onerror]')].map((el) => el.outerHTML)"""
    )
    assert injected == []


def upload_article(page, base_url: str, project_id: int) -> None:
    page.goto(f"{base_url}/projects/{project_id}/documents")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "hostile.txt", "mimeType": "text/plain", "buffer": UPLOAD}],
    )
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(f"{base_url}/projects/{project_id}/documents")
    # The import runs in the background worker; the page follows it to the end.
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=20_000)
    assert "Imported 1 document with" in page.text_content(".job-panel .job-message")
    page.click(".job-panel .job-result")
    page.wait_for_selector("table.documents a")


def test_hostile_article_renders_as_plain_text_and_offsets_match(
    live, database, unique, new_context
):
    seeded = seed_article(database, unique, text=None, admin=True)
    admin = seeded.users["admin"]
    context = new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    browser_login(page, live.url, admin)
    upload_article(page, live.url, seeded.project_id)

    # The documents list and the document page show the title and text literally.
    no_injection(page)
    link = page.locator("table.documents a", has_text="Report")
    assert link.text_content() == TITLE
    link.click()
    page.wait_for_url("**/documents/*")
    document_id = int(page.url.rsplit("/", 1)[1])
    assert page.text_content("h1") == TITLE
    cells = page.locator("table.sentences td:nth-child(3)").all_text_contents()
    shown = " ".join(c.strip() for c in cells)
    for sentence in SENTENCES:
        assert sentence.strip("\u200f") in shown
    no_injection(page)

    sentences = dict((text, sid) for sid, text in sentence_ids_of(database, document_id))
    assert BODY == " ".join(sentences)  # nothing lost or added by import and splitting

    def sid_of(fragment: str) -> tuple[int, str]:
        found = [(sid, text) for text, sid in sentences.items() if fragment in text]
        assert len(found) == 1, fragment
        return found[0]

    # Every hostile sentence, opened on the annotation page, is its literal characters.
    for fragment in ("<script>", "<img", "javascript:", "&lt;b&gt;", "حلب", "🚀", "cafe\u0301"):
        sid, text = sid_of(fragment)
        open_sentence(page, live.url, sid)
        assert page.text_content("#sentence") == text
        no_injection(page)
    assert page.text_content(".doc-title").startswith(f"Article {TITLE}")
    assert "🚀" in page.text_content(".context.before[data-distance='1']")

    # A word after the emoji: the stored offsets are Python string indices of what was shown.
    sid, text = sid_of("🚀")
    open_sentence(page, live.url, sid)
    start = text.index("Kamdesh")
    drag_select(page, start + 1, start + 5)
    page.keyboard.press("2")
    wait_saved(page, 1)
    mark = page.locator("#sentence mark.span")
    assert mark.text_content() == "Kamdesh"
    (span,) = stored(database, sid, admin)["spans"]
    assert text[span[0] : span[1]] == "Kamdesh" and span[2] == "LOCATION"

    # A span covering the rocket itself (one code point, two UTF-16 units).
    rocket = text.index("🚀")
    drag_select(page, rocket, rocket + 1)
    page.keyboard.press("1")
    wait_saved(page, 2)
    spans = stored(database, sid, admin)["spans"]
    assert [(text[s:e], label) for s, e, label, _ in spans] == [
        ("🚀", "ACTOR"), ("Kamdesh", "LOCATION"),
    ]
    # The flag (two code points) and the family (five, joined by ZWJ) are one glyph each.
    flag = text.index("🇺🇦")
    drag_select(page, flag, flag + 2)
    page.keyboard.press("3")
    wait_saved(page, 3)
    family = text.index("👨")
    drag_select(page, family, family + 5)
    page.keyboard.press("1")
    wait_saved(page, 4)
    spans = stored(database, sid, admin)["spans"]
    assert [text[s:e] for s, e, _, _ in spans] == [
        "🚀", "🇺🇦", "👨\u200d👩\u200d👧", "Kamdesh",
    ]
    assert page.locator("#sentence mark.span").all_text_contents() == [
        "🚀", "🇺🇦", "👨\u200d👩\u200d👧", "Kamdesh",
    ]
    # Opening a span shows its exact characters.
    click_span(page, start)
    assert page.text_content("#span-popup .popup-title") == "“Kamdesh”"
    page.keyboard.press("Escape")

    # A span over the markup itself stays text, in the sentence, the list and the popup.
    sid, text = sid_of("<script>")
    open_sentence(page, live.url, sid)
    tag = "<script>window.__xss=1</script>"
    at = text.index(tag)
    drag_select(page, at, at + len(tag))
    page.keyboard.press("4")
    page.keyboard.press("Escape")
    wait_saved(page, 1)
    (span,) = stored(database, sid, admin)["spans"]
    assert text[span[0] : span[1]] == tag
    assert page.text_content("#sentence mark.span") == tag
    assert tag in page.text_content("#span-list")
    no_injection(page)

    # A word after the combining mark.
    sid, text = sid_of("cafe\u0301")
    open_sentence(page, live.url, sid)
    start = text.index("Kamdesh")
    drag_select(page, start, start + len("Kamdesh"))
    page.keyboard.press("2")
    wait_saved(page, 1)
    (span,) = stored(database, sid, admin)["spans"]
    assert text[span[0] : span[1]] == "Kamdesh"
    # And the accented word itself: the combining mark belongs to its letter, so a selection
    # of "af" snaps to the whole token "cafe\u0301" (the server's tokens), mark included.
    # (A drag cannot end between "e" and its mark: they are one glyph on screen.)
    cafe = text.index("cafe\u0301")
    drag_select(page, cafe + 1, cafe + 3)
    page.keyboard.press("2")
    wait_saved(page, 2)
    assert [text[s:e] for s, e, _, _ in stored(database, sid, admin)["spans"]] == [
        "cafe\u0301", "Kamdesh",
    ]

    # The admin's sentence list of the project shows the same literal text.
    page.goto(f"{live.url}/projects/{seeded.project_id}")
    listed = page.text_content("table.sentences")
    assert "<script>window.__xss=1</script>" in listed and "&lt;b&gt;" in listed
    no_injection(page)
    assert dialogs == []


OFFSETS_SAMPLE = "a🚀b e\u0301 🇺🇦 \u200fمرحبا\u200f 👨\u200d👩\u200d👧 x"


def test_offsets_module_converts_code_points_in_the_browser(live, database, unique, page):
    from annotator.corpus.tokens import token_offsets

    seeded = seed_article(database, unique)
    browser_login(page, live.url, seeded.users["ann0"])
    text = OFFSETS_SAMPLE
    tokens = [list(t) for t in token_offsets(text)]
    result = page.evaluate(
        """async ([text, tokens]) => {
          const m = await import('/static/js/offsets.js');
          const table = m.codePointToUnitTable(text);
          const n = table.length - 1;
          const slices = {};
          const snaps = {};
          for (let s = 0; s <= n; s += 1) {
            for (let e = s; e <= n; e += 1) {
              slices[`${s},${e}`] = m.sliceCodePoints(text, table, s, e);
              const snapped = m.snapToTokens(tokens, s, e);
              snaps[`${s},${e}`] = snapped && [snapped.start, snapped.end];
            }
          }
          const units = [];
          for (let u = 0; u <= text.length; u += 1) units.push(m.unitToCodePoint(table, u));
          const spans = [{start: 4, end: 6, label: 'A', attributes: {}},
                         {start: 0, end: 1, label: 'B', attributes: {event_type: ''}}];
          return {
            table, units, slices, snaps,
            length: m.codePointLength(text),
            overlap: [m.findOverlap(spans, 5, 7), m.findOverlap(spans, 1, 4),
                      m.findOverlap(spans, 5, 7, 0)],
            segments: m.segments(8, spans),
            sameKey: m.stateKey({spans, status: null}) === m.stateKey(
              {spans: [...spans].reverse().map((s) => ({...s, attributes: {}})),
               status: 'in_progress', flagged: false, flagComment: 'ignored'}),
            otherKey: m.stateKey({spans, status: 'done'}) === m.stateKey({spans, status: null}),
          };
        }""",
        [text, tokens],
    )
    # The table maps code points (Python indices) to UTF-16 units.
    expected_table = [0]
    for ch in text:
        expected_table.append(expected_table[-1] + (2 if ord(ch) > 0xFFFF else 1))
    assert result["table"] == expected_table
    assert result["length"] == len(text)
    # A unit offset inside a surrogate pair rounds down to the character's start.
    for unit, cp in enumerate(result["units"]):
        assert expected_table[cp] <= unit < (expected_table[cp + 1] if cp < len(text) else unit + 1)
    # Slicing by code points equals Python slicing, for every range.
    for key, piece in result["slices"].items():
        s, e = map(int, key.split(","))
        assert piece == text[s:e], (s, e)
    # Snapping covers exactly the tokens that share a character with the range.
    for key, snapped in result["snaps"].items():
        s, e = map(int, key.split(","))
        chars = set(range(s, e)) if e > s else {s}
        touched = [t for t in tokens if chars & set(range(*t))]
        want = [touched[0][0], touched[-1][1]] if touched else None
        assert snapped == want, (s, e, text[s:e])
    assert result["overlap"] == [0, -1, -1]
    assert result["segments"] == [
        {"start": 0, "end": 1, "spanIndex": 1}, {"start": 1, "end": 4, "spanIndex": -1},
        {"start": 4, "end": 6, "spanIndex": 0}, {"start": 6, "end": 8, "spanIndex": -1},
    ]
    assert result["sameKey"] is True and result["otherKey"] is False
    json.dumps(result)  # plain data came back
