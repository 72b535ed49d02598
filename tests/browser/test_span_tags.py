"""Span tags never overlap: on a sentence dense with spans (an EVENT with a long event type
next to every other label), no two tags' boxes intersect on the annotation page, the
agreement drill-down and the gold editor, at 1366 and 800 pixels wide."""

from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import open_sentence, seed_article

DENSE = (
    "Rebels of the Free Kamdesh Front and army units of the 5th Brigade clashed in Kamdesh, "
    "Tarin and Bala Murghab on Monday as jets hit a depot. "
    "Nobody was hurt."
)
LONG_TYPE = "non_state_actor_overtakes_territory"

# The box of each span's tag, a pseudo-element drawn from data-tag: measured from its
# computed style (pseudo-elements have no DOM box), whichever way the stylesheet places it.
TAG_BOXES = """
(selector) => {
  const px = (v) => parseFloat(v) || 0;
  const out = [];
  for (const mark of document.querySelectorAll(selector)) {
    if (!mark.dataset.tag || !mark.getClientRects().length) continue;
    const pick = ['::before', '::after'].map((p) => getComputedStyle(mark, p))
      .find((s) => s.content && s.content !== 'none' && s.content !== 'normal');
    if (!pick || pick.display === 'none') continue;
    const m = getComputedStyle(mark);
    const first = mark.getClientRects()[0];
    const width = px(pick.width) + px(pick.paddingLeft) + px(pick.paddingRight);
    const height = px(pick.height) + px(pick.paddingTop) + px(pick.paddingBottom);
    let left;
    let top;
    if (pick.position === 'absolute') {
      left = first.left + px(m.borderLeftWidth) + px(pick.left);
      top = first.top + px(m.borderTopWidth) + px(pick.top);
    } else {
      left = first.left + px(m.borderLeftWidth) + px(m.paddingLeft) + px(pick.marginLeft);
      top = first.top + px(m.borderTopWidth) + px(m.paddingTop) + px(pick.marginTop);
    }
    out.push({tag: mark.dataset.tag, left, top, right: left + width, bottom: top + height,
              row: mark.closest('tr') ? mark.closest('tr').rowIndex : -1,
              card: mark.closest('li.card') ? mark.closest('li.card').dataset.sentence : ''});
  }
  return out;
}
"""


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of tags whose boxes intersect (by more than rounding)."""
    clashes = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5):
                clashes.append((a["tag"], b["tag"]))
    return clashes


def seed_dense(database, unique) -> dict:
    """Two annotators finished the dense sentence, every word a span, labels staggered."""
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User
    from annotator.corpus.tokens import token_offsets

    seeded = seed_article(database, unique, text=DENSE, title="Dense", annotators=2,
                          admin=True)
    sid, text = seeded.sentence_ids[0], seeded.texts[0]
    words = [(s, e) for s, e in token_offsets(text) if text[s:e].isalnum()]
    labels = ["EVENT", "LOCATION", "ACTOR", "UNIT"]
    names = [seeded.users["ann0"], seeded.users["ann1"]]
    with database.session() as session:
        create_batch(session, seeded.project_id, source="remaining", annotators=names,
                     overlap=2, seed=1)
        for shift, name in enumerate(names):
            user = session.scalar(select(User).where(User.username == name))
            spans = []
            for i, (s, e) in enumerate(words):
                label = labels[(i + shift) % len(labels)]
                attrs = {"event_type": LONG_TYPE} if label == "EVENT" else {}
                spans.append({"start": s, "end": e, "label": label, "attributes": attrs})
            save_annotation(session, user, sid, AnnotationIn(spans, "done", 0, 3.0),
                            max_spent=60)
    return {"seeded": seeded, "sid": sid, "words": len(words)}


def assert_no_overlap(page, selector: str, at_least: int, where: str) -> None:
    boxes = page.evaluate(TAG_BOXES, selector)
    assert len(boxes) >= at_least, (where, len(boxes))
    # Tags of different annotators' rows or sentences are compared too: none may touch.
    assert overlapping(boxes) == [], where


def test_span_tags_never_overlap_on_any_page_at_any_width(live, database, unique, new_context):
    world = seed_dense(database, unique)
    seeded, sid, words = world["seeded"], world["sid"], world["words"]
    annotator = new_context().new_page()
    browser_login(annotator, live.url, seeded.users["ann0"])
    admin = new_context().new_page()
    browser_login(admin, live.url, seeded.users["admin"])
    pages = [
        (annotator, f"/sentences/{sid}", "#sentence mark.span", words),
        (admin, f"/projects/{seeded.project_id}/agreement/disagreements",
         ".drill-line mark.span", 2 * words),
        (admin, f"/sentences/{sid}/gold", "#annotator-rows mark.span", 2 * words),
    ]
    for width, height in ((1366, 850), (800, 900)):
        for page, path, selector, at_least in pages:
            page.set_viewport_size({"width": width, "height": height})
            if path.startswith("/sentences/") and not path.endswith("/gold"):
                open_sentence(page, live.url, sid)
            else:
                page.goto(f"{live.url}{path}")
            assert_no_overlap(page, selector, at_least, f"{path} at {width}px")
            # The tag is cut, never hidden: the full text stays in the mark's title.
            long_tag = page.locator(f"{selector}[data-label='EVENT']").first
            assert "Non-state actor overtakes territory" in (long_tag.get_attribute("title") or "")
