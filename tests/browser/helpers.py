"""Helpers for browser tests: seed through the real services, drive the editor, read the DB."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tests.factories import add_members, make_document, make_project, make_user

# Clearly separated sentences without abbreviations: every splitter cuts them the same way.
SIMPLE_ARTICLE = (
    "Rebels attacked the northern town of Kamdesh on Monday. "
    "Government troops from the Fifth Brigade arrived later that night. "
    "Three civilians were hurt in the fighting."
)


@dataclass(frozen=True)
class Seeded:
    project_id: int
    document_id: int
    sentence_ids: list[int]
    texts: list[str]
    users: dict[str, str]  # role or name -> username


def seed_article(database, unique, text: str | None = SIMPLE_ARTICLE,
                 title: str = "Clashes near Kamdesh", annotators: int = 1,
                 admin: bool = False) -> Seeded:
    """A project with one article (none if ``text`` is None) and fresh users (its annotators
    members), committed."""
    from annotator.corpus.models import Sentence

    with database.session() as session:
        users = {}
        if admin:
            users["admin"] = make_user(session, unique("admin"), "admin").username
        people = [make_user(session, unique(f"ann{i}x")) for i in range(annotators)]
        users.update({f"ann{i}": person.username for i, person in enumerate(people)})
        project = make_project(session, unique("Project "))
        add_members(session, project, *people)  # they annotate it
        if text is None:
            return Seeded(project.id, 0, [], [], users)
        result = make_document(session, project, title=title, text=text)
        assert result.documents_added == 1
        session.flush()
        rows = session.execute(
            select(Sentence.id, Sentence.document_id, Sentence.start, Sentence.end)
            .where(Sentence.project_id == project.id)
            .order_by(Sentence.document_id, Sentence.index)
        ).all()
        texts = [text[s:e] for _, _, s, e in rows]
        return Seeded(project.id, rows[0][1], [r[0] for r in rows], texts, users)


def sentence_ids_of(database, document_id: int) -> list[tuple[int, str]]:
    """(id, text) of a document's sentences in reading order."""
    from annotator.corpus.models import Document, Sentence

    with database.session() as session:
        doc = session.get(Document, document_id)
        rows = session.execute(
            select(Sentence.id, Sentence.start, Sentence.end)
            .where(Sentence.document_id == document_id)
            .order_by(Sentence.index)
        ).all()
        return [(i, doc.text[s:e]) for i, s, e in rows]


def stored(database, sentence_id: int, username: str) -> dict[str, Any] | None:
    """The annotation the server stored for this user and sentence (None if none)."""
    from annotator.annotation.models import Annotation, SpanRow
    from annotator.auth.models import User

    with database.session() as session:
        annotation = session.scalar(
            select(Annotation)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.sentence_id == sentence_id, User.username == username)
        )
        if annotation is None:
            return None
        spans = session.execute(
            select(SpanRow.start, SpanRow.end, SpanRow.label, SpanRow.attributes)
            .where(SpanRow.annotation_id == annotation.id)
            .order_by(SpanRow.start)
        ).all()
        return {
            "version": annotation.version,
            "status": annotation.status,
            "flagged": annotation.flagged,
            "flag_comment": annotation.flag_comment,
            "spans": [(s, e, label, attrs or {}) for s, e, label, attrs in spans],
        }


# ---------------------------------------------------------------- the editor page


def open_sentence(page, base_url: str, sentence_id: int) -> None:
    page.goto(f"{base_url}/sentences/{sentence_id}")
    wait_ready(page)


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-editor-ready='1']", state="attached")
    record_status(page)


def record_status(page) -> None:
    """Log every text the save status shows, so a test can assert the sequence it went through."""
    page.evaluate(
        """() => {
        const el = document.getElementById('save-status');
        window.__statusLog = [el.textContent];
        new MutationObserver(() => window.__statusLog.push(el.textContent))
            .observe(el, {childList: true, characterData: true, subtree: true});
    }"""
    )


def status_log(page) -> list[str]:
    return page.evaluate("() => window.__statusLog")


def wait_saved(page, version: int, timeout: float = 10_000) -> None:
    """Wait until the server confirmed ``version`` and the page says so."""
    page.wait_for_function(
        """(v) => window.annotatorEditor.state.version === v
              && document.getElementById('save-status').textContent === 'saved'""",
        arg=version,
        timeout=timeout,
    )


def idle(page) -> bool:
    """No save in flight and none scheduled: the page will not send anything by itself."""
    return page.evaluate(
        "() => { const s = window.annotatorEditor.state;"
        " return !s.inFlight && s.retryTimer === null; }"
    )


def editor_state(page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const s = window.annotatorEditor.state;
                   return {spans: s.spans, version: s.version, status: s.status,
                           selection: s.selection}; }"""
    )


# Code-point offsets in, viewport points out: a point in the left part of the character
# cluster (grapheme) that starts at a boundary ("before"), or in the right part of the one
# that ends there ("after"). Whole clusters, because a flag or a family emoji is one glyph.
_POINT_JS = """
([cp, side]) => {
  const root = document.getElementById('sentence');
  const text = root.textContent;
  const unitAt = (n) => [...text].slice(0, n).join('').length;
  const target = unitAt(cp);
  let cluster = null;
  for (const g of new Intl.Segmenter(undefined, {granularity: 'grapheme'}).segment(text)) {
    const end = g.index + g.segment.length;
    if (side === 'before' ? g.index === target : end === target) cluster = [g.index, end];
  }
  if (!cluster) throw new Error(`no character cluster ${side} code point ${cp}`);
  const locate = (unit) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let acc = 0;
    let node;
    let last = null;
    while ((node = walker.nextNode())) {
      if (unit < acc + node.length) return [node, unit - acc];
      acc += node.length;
      last = node;
    }
    return [last, last.length];
  };
  const range = document.createRange();
  range.setStart(...locate(cluster[0]));
  range.setEnd(...locate(cluster[1]));
  const rects = [...range.getClientRects()].filter((r) => r.width > 0);
  const r = side === 'before' ? rects[0] : rects[rects.length - 1];
  const x = side === 'before' ? r.left + r.width * 0.3 : r.right - r.width * 0.3;
  return {x, y: r.top + r.height / 2};
}
"""


def char_point(page, cp: int, side: str) -> tuple[float, float]:
    point = page.evaluate(_POINT_JS, [cp, side])
    return point["x"], point["y"]


def drag_select(page, start: int, end: int) -> None:
    """A real mouse drag from before code point ``start`` to after code point ``end - 1``."""
    x1, y1 = char_point(page, start, "before")
    x2, y2 = char_point(page, end, "after")
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=3)
    page.mouse.move(x2, y2, steps=3)
    page.mouse.up()


def click_span(page, start: int) -> None:
    """Click the middle of the span mark that starts at ``start`` (a real mouse click)."""
    box = page.locator(f"#sentence mark.span[data-start='{start}']").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def cp_find(text: str, word: str) -> tuple[int, int]:
    """Code-point [start, end) of the first occurrence of ``word`` (Python indices)."""
    start = text.index(word)
    return start, start + len(word)
