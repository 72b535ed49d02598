"""Counting an annotator's actions in the span editor, with and without suggestions (issue 16,
"measured, not assumed"); shared by tests/browser/test_actions_saved.py and
bench/bench_actions.py.

``ActionCounter`` is the only way the flows below touch ``page.mouse`` and ``page.keyboard``:
one mouse drag (press, move, release) is one action, one click is one, one key press is one.
Page loads (``page.goto``: moving to the next sentence, the same on both sides) and reads of
the page's state (what the annotator sees: the suggestions, the chooser's cursor) are not
actions.

The set-up: a project with ``GOLD_ARTICLES`` generated articles in complete gold (10 sentences
each), a model trained in-process on its gold (train part of the export split) and made active,
the gazetteer built from that gold; then ``NEW_ARTICLES`` new generated articles (their
generator spans are the target), annotated by one annotator in a batch with suggestions off
and by another in a batch with suggestions on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.news_generator import articles_jsonl, generate_articles, seed_gold
from tests.browser.helpers import char_point, stored, wait_ready
from tests.factories import add_members, make_project, make_user

GOLD_ARTICLES = 20  # 200 gold sentences
NEW_ARTICLES = 2  # 20 new sentences
EPOCHS = 12


class ActionCounter:
    """Every mouse and keyboard action of a flow, counted per sentence."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.per_sentence: dict[int, int] = {}
        self.log: list[tuple[int, str, str]] = []
        self.current = 0

    def begin(self, sentence_id: int) -> None:
        """Count what follows for ``sentence_id``."""
        self.current = sentence_id
        self.per_sentence.setdefault(sentence_id, 0)

    def _count(self, kind: str, what: str) -> None:
        self.per_sentence[self.current] = self.per_sentence.get(self.current, 0) + 1
        self.log.append((self.current, kind, what))

    @property
    def total(self) -> int:
        """All actions counted."""
        return sum(self.per_sentence.values())

    def press(self, key: str) -> None:
        """One key press (``Shift+A`` is one press of a chord)."""
        self._count("key", key)
        self.page.keyboard.press(key)

    def drag(self, start: int, end: int) -> None:
        """One mouse drag selecting code points [start, end) of the sentence."""
        x1, y1 = char_point(self.page, start, "before")
        x2, y2 = char_point(self.page, end, "after")
        self._count("drag", f"{start}-{end}")
        mouse = self.page.mouse
        mouse.move(x1, y1)
        mouse.down()
        mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=3)
        mouse.move(x2, y2, steps=3)
        mouse.up()

    def click(self, locator: Any, what: str) -> None:
        """One mouse click in the middle of ``locator``."""
        box = locator.bounding_box()
        assert box is not None, f"nothing to click: {what}"
        self._count("click", what)
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


# ---------------------------------------------------------------- set-up


@dataclass(frozen=True)
class Target:
    """A new sentence and the spans it must end with (the generator's gold)."""

    sentence_id: int
    text: str
    spans: tuple[tuple[int, int, str, dict[str, str]], ...]


@dataclass
class Setup:
    project_id: int
    off_user: str
    on_user: str
    targets: list[Target] = field(default_factory=list)
    model_f1: float | None = None
    train_seconds: float = 0.0


def seed_project(database: Any, unique: Any, models: Path, seed: int = 16,
                 model: bool = True) -> Setup:
    """Gold, a trained active model (unless ``model`` is false: the gazetteer alone) and the
    new sentences (committed); the two annotators."""
    from annotator.corpus.importing import import_articles
    from annotator.corpus.models import Document, Sentence

    rng = random.Random(seed)
    gold = generate_articles(GOLD_ARTICLES, seed=rng.randint(0, 10**6))
    new = generate_articles(NEW_ARTICLES, seed=rng.randint(0, 10**6))
    for i, article in enumerate(new):
        article.title = f"New report {seed}-{i}"
    with database.session() as session:
        off = make_user(session, unique("offann"))
        on = make_user(session, unique("onann"))
        project = make_project(session, unique("Actions project "))
        add_members(session, project, off, on)
        seed_gold(session, project.id, gold)
        import_articles(session, project.id, [("new.jsonl", articles_jsonl(new))])
        session.flush()
        setup = Setup(project.id, off.username, on.username)
        by_title = {a.title: a for a in new}
        rows = session.execute(
            select(Sentence.id, Sentence.start, Sentence.end, Document.title, Document.text)
            .join(Document, Document.id == Sentence.document_id)
            .where(Document.title.in_(list(by_title)))
            .order_by(Sentence.document_id, Sentence.index)
        ).all()
        for sid, start, end, title, text in rows:
            spans = tuple(
                (s.start - start, s.end - start, s.label, dict(s.attributes))
                for s in by_title[title].spans if s.start >= start and s.end <= end)
            setup.targets.append(Target(sid, text[start:end], spans))
        if model:
            train_active_model(session, project, models, setup)
    return setup


def train_active_model(session: Any, project: Any, models: Path, setup: Setup) -> None:
    """Train the NER model on the project's gold in this process and make it active (what
    the "train-model" job does, without the queue)."""
    from annotator.learning.dataset import read_dataset
    from annotator.learning.models import TrainedModel
    from annotator.learning.services import register_model
    from annotator.learning.training import train

    data = read_dataset(session, project)
    trained = train(data.train, data.dev, project.schema.keys, language="xx", epochs=EPOCHS,
                    seed=0, patience=4)
    target = models / f"project-{project.id}" / "v1"
    target.parent.mkdir(parents=True, exist_ok=True)
    trained.nlp.to_disk(target)
    register_model(session, TrainedModel(
        project_id=project.id, version=1, language="xx", epochs=len(trained.curve),
        split="80/10/10", seed=0, **trained.sizes,
        scores=trained.scores.as_json() if trained.scores else {},
        baseline=trained.baseline.as_json() if trained.baseline else {},
        curve=[], seconds=trained.seconds, path=str(target)), activate=True)
    setup.model_f1 = trained.scores.overall["f"] if trained.scores else None
    setup.train_seconds = trained.seconds


def make_batch(database: Any, setup: Setup, username: str, suggestions: bool) -> int:
    """A batch of the new sentences for one annotator; its id."""
    from annotator.assignments.services import create_batch
    from annotator.corpus.models import Sentence

    with database.session() as session:
        documents = session.scalars(
            select(Sentence.document_id).distinct()
            .where(Sentence.id.in_([t.sentence_id for t in setup.targets]))).all()
        created = create_batch(session, setup.project_id, source="documents",
                               document_ids=list(documents), annotators=[username], overlap=1,
                               suggestions=suggestions)
        return created.batch.id


def archive_batch(database: Any, batch_id: int) -> None:
    """Archive a finished batch (its annotations kept), freeing its sentences."""
    from annotator.assignments.services import remove_batch

    with database.session() as session:
        remove_batch(session, batch_id, confirm=True)


# ---------------------------------------------------------------- the two flows

_PENDING_JS = """() => {
  const s = window.annotatorEditor.state;
  const key = (x) => `${x.source}|${x.name}|${x.start}|${x.end}|${x.label}`;
  const overlaps = (a, b) => a.start < b.end && b.start < a.end;
  return s.suggestions.filter((x) => !s.suggestionRejected.has(key(x))
    && !s.spans.some((t) => overlaps(x, t)))
    .map((x) => ({start: x.start, end: x.end, label: x.label,
                  event_type: (x.attributes || {}).event_type || null}));
}"""

_CHOOSER_JS = """(wanted) => {
  const options = [...document.querySelectorAll('#span-popup .etype-option')];
  return {n: options.length,
          cursor: options.findIndex((o) => o.classList.contains('cursor')),
          index: options.findIndex((o) => o.dataset.value === wanted)};
}"""

HOTKEY = {"ACTOR": "1", "LOCATION": "2", "UNIT": "3", "EVENT": "4"}


def choose_event_type(counter: ActionCounter, event_type: str) -> None:
    """In the open chooser: the arrow keys the short way round to ``event_type``, Enter."""
    page = counter.page
    page.locator("#etype-filter").wait_for(state="visible")
    where = page.evaluate(_CHOOSER_JS, event_type)
    assert where["index"] >= 0, f"no event type {event_type} in the chooser"
    down = (where["index"] - max(where["cursor"], 0)) % where["n"]
    up = where["n"] - down
    for _ in range(down if down <= up else up):
        counter.press("ArrowDown" if down <= up else "ArrowUp")
    counter.press("Enter")
    page.locator("#span-popup").wait_for(state="hidden")


def draw(counter: ActionCounter, span: tuple[int, int, str, dict[str, str]]) -> None:
    """Select the span's text with the mouse, press its label key (and choose its type)."""
    start, end, label, attributes = span
    counter.drag(start, end)
    counter.press(HOTKEY[label])
    if label == "EVENT" and attributes.get("event_type"):
        choose_event_type(counter, attributes["event_type"])


def fix_event_type(counter: ActionCounter, start: int, event_type: str) -> None:
    """Click an EVENT span of the annotator's and choose its type."""
    counter.click(counter.page.locator(f"#sentence mark.span[data-start='{start}']"),
                  f"span at {start}")
    choose_event_type(counter, event_type)


def wait_settled(page: Any) -> None:
    """Every edit saved: nothing in flight, the page says saved."""
    page.wait_for_function(
        """() => { const s = window.annotatorEditor.state;
                   return !s.inFlight && s.retryTimer === null
                     && document.getElementById('save-status').textContent === 'saved'; }""",
        timeout=15_000)


def open_target(page: Any, base_url: str, target: Target) -> None:
    """Load the sentence and wait for its suggestions' answer (on or off: either way the
    sentence is drawn again then, and a drag must not straddle that redraw)."""
    page.goto(f"{base_url}/sentences/{target.sentence_id}")
    wait_ready(page)
    page.wait_for_selector("body[data-suggestions-ready='1']", state="attached")


def annotate_off(counter: ActionCounter, base_url: str, target: Target) -> None:
    """Suggestions off: draw every target span."""
    open_target(counter.page, base_url, target)
    counter.begin(target.sentence_id)
    for span in target.spans:
        draw(counter, span)
    wait_settled(counter.page)


def annotate_on(counter: ActionCounter, base_url: str, target: Target) -> None:
    """Suggestions on: take the pending suggestions in reading order — Shift+A when all that
    are left are right, else `a` for a right one, the menu for a right span with a wrong label,
    `x` for a wrong one — then fix event types and draw what is still missing."""
    page = counter.page
    open_target(page, base_url, target)
    counter.begin(target.sentence_id)
    wanted = {(s, e): (label, attrs) for s, e, label, attrs in target.spans}
    for _ in range(100):
        pending = page.evaluate(_PENDING_JS)
        if not pending:
            break
        right = [wanted.get((p["start"], p["end"]), (None,))[0] == p["label"] for p in pending]
        first = pending[0]
        if all(right):
            counter.press("Shift+A" if len(pending) > 1 else "a")
        elif right[0]:
            counter.press("a")
        elif (first["start"], first["end"]) in wanted:
            label = wanted[(first["start"], first["end"])][0]
            counter.click(page.locator(f"#sentence mark.suggestion[data-start='{first['start']}']"),
                          "suggestion")
            menu = page.locator("#suggestion-menu")
            counter.click(menu.locator(f"button.label-choice[data-label='{label}']"),
                          f"accept as {label}")
        else:
            counter.press("x")
    else:
        raise AssertionError("suggestions never ran out")
    page.wait_for_function("() => !document.querySelector('#sentence mark.suggestion')")
    have = {(s["start"], s["end"]): s for s in page.evaluate(
        "() => window.annotatorEditor.state.spans.map((s) => ({start: s.start, end: s.end,"
        " label: s.label, event_type: (s.attributes || {}).event_type || null}))")}
    for span in target.spans:
        start, end, label, attributes = span
        got = have.get((start, end))
        if got is None:
            draw(counter, span)
        elif label == "EVENT" and got["event_type"] != attributes.get("event_type"):
            fix_event_type(counter, start, attributes["event_type"])
    wait_settled(page)


def end_state(database: Any, target: Target, username: str) -> list[tuple]:
    """The spans stored for ``username`` on the sentence, as target tuples."""
    saved = stored(database, target.sentence_id, username)
    return [] if saved is None else [tuple(s) for s in saved["spans"]]


def saving(off: int, on: int) -> float:
    """The share of actions saved with suggestions (0.0 when there was nothing to do)."""
    return 0.0 if off == 0 else 1 - on / off
