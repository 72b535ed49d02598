"""Adjudication in real Chromium: two annotators disagree, a curator resolves it with the
keyboard, and the gold-json download carries the curator's span with source "curator"."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article, wait_saved
from tests.factories import make_user


def seed_disagreement(database, unique) -> dict:
    """Two annotators in a batch with overlap 2, their annotations saved through the service.

    Sentence 1 "Rebels attacked the northern town of Kamdesh on Monday.": both mark Kamdesh
    LOCATION; "Rebels" is ACTOR for one, UNIT for the other (a label conflict).
    Sentence 2 "Government troops from the Fifth Brigade ...": "Fifth Brigade" UNIT for one,
    "the Fifth Brigade" UNIT for the other (a boundary conflict).
    """
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User

    seeded = seed_article(database, unique, annotators=2, admin=True)
    with database.session() as session:
        curator = make_user(session, unique("curator"), "curator").username
        names = [seeded.users["ann0"], seeded.users["ann1"]]
        create_batch(session, seeded.project_id, source="remaining", annotators=names,
                     overlap=2, seed=1)
        t0, t1 = seeded.texts[0], seeded.texts[1]

        def span(text, word, label):
            start = text.index(word)
            return {"start": start, "end": start + len(word), "label": label}

        readings = {
            names[0]: [[span(t0, "Rebels", "ACTOR"), span(t0, "Kamdesh", "LOCATION")],
                       [span(t1, "Fifth Brigade", "UNIT")]],
            names[1]: [[span(t0, "Rebels", "UNIT"), span(t0, "Kamdesh", "LOCATION")],
                       [span(t1, "the Fifth Brigade", "UNIT")]],
        }
        for name, (first, second) in readings.items():
            user = session.scalar(select(User).where(User.username == name))
            for sid, spans in zip(seeded.sentence_ids[:2], (first, second), strict=True):
                save_annotation(session, user, sid, AnnotationIn(spans, "done", 0, 3.0),
                                max_spent=60)
    return {"seeded": seeded, "curator": curator, "names": names}


def gold_spans(database, sentence_id: int) -> list[tuple]:
    from annotator.adjudication.models import GoldSentence, GoldSpanRow

    with database.session() as session:
        return [
            tuple(r) for r in session.execute(
                select(GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label, GoldSpanRow.source,
                       GoldSpanRow.reason)
                .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
                .where(GoldSentence.sentence_id == sentence_id)
                .order_by(GoldSpanRow.start)
            )
        ]


def version_key_for(page, label: str) -> str:
    """The key ("1", "2") of the annotator row whose version carries ``label``."""
    rows = page.locator("tr.version-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        if row.locator(f"mark.span[data-label='{label}']").count():
            return row.get_attribute("data-key")
    raise AssertionError(f"no version with {label}")


def test_curator_resolves_a_disagreement_with_the_keyboard(live, database, unique, page):
    world = seed_disagreement(database, unique)
    seeded = world["seeded"]
    s0, s1 = seeded.sentence_ids[:2]
    t0, t1 = seeded.texts[:2]
    browser_login(page, live.url, world["curator"])

    # The project page links the queue; the button runs the automatic pass (every
    # annotator must agree: min-agree 2 of 2).
    page.goto(f"{live.url}/projects/{seeded.project_id}")
    page.click("text=Adjudication")
    page.fill("#min_agree", "2")
    # The pass runs as a background job in the worker: its panel shows the progress (one
    # sentence per chunk with a pause here, see conftest.py), then the outcome.
    page.add_init_script("""document.addEventListener("job:update", (e) =>
        (window.seenJobs = window.seenJobs || []).push([e.detail.state, e.detail.progress]))""")
    page.click("#run-auto")
    page.wait_for_url(f"**/projects/{seeded.project_id}/adjudication")
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=20_000)
    seen = page.evaluate("window.seenJobs")
    assert any(state == "running" and 0 < progress < 1 for state, progress in seen), seen
    assert "Automatic adjudication done" in page.text_content(".job-panel .job-message")
    page.click(".job-panel .job-result")
    page.wait_for_selector("#queue tbody tr[data-kind]")
    kamdesh = t0.index("Kamdesh")
    assert gold_spans(database, s0) == [(kamdesh, kamdesh + 7, "LOCATION", "unanimous", None)]
    assert page.locator("#queue tbody tr[data-kind]").count() == 2
    # Disagreement first: the label conflict precedes the boundary conflict.
    kinds = page.locator("#queue tbody tr[data-kind]").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["label", "boundary"]

    page.click("#start-queue")
    page.wait_for_selector("body[data-adjudication-ready='1']")
    assert page.locator("#conflict-kind").text_content() == "label"
    # Names are hidden: the curator sees "Annotator 1" and "Annotator 2" only.
    card = page.locator("#conflict-card").text_content()
    assert "Annotator 1" in card and "Annotator 2" in card
    assert all(name not in card for name in world["names"])
    # The label's colour comes from the schema, painted by the page's script.
    mark = page.locator("tr.version-row mark.span[data-label='UNIT']").first
    assert mark.evaluate("m => getComputedStyle(m).getPropertyValue('--label-color')").strip()

    # Keyboard only: choose a reason, type a note, then pick the UNIT reading.
    key = version_key_for(page, "UNIT")
    page.keyboard.press("r")
    page.keyboard.press("ArrowDown")  # the first reason: guideline gap
    page.keyboard.press("Escape")
    page.keyboard.press("t")
    page.keyboard.type("a named unit, per the guidelines")
    page.keyboard.press("Escape")
    page.keyboard.press(key)
    # After the decision the next conflict opens: the boundary conflict of sentence 2.
    page.wait_for_url(f"**/sentences/{s1}/conflicts/**")
    page.wait_for_selector("body[data-adjudication-ready='1']")
    assert page.locator("#conflict-kind").text_content() == "boundary"
    rebels = t0.index("Rebels")
    assert gold_spans(database, s0) == [
        (rebels, rebels + 6, "UNIT", "curator", "guideline_gap"),
        (kamdesh, kamdesh + 7, "LOCATION", "unanimous", None),
    ]

    # "e" opens the gold editor (the annotation span editor, saving to the gold API): the
    # curator marks "Fifth Brigade" from the keyboard and the sentence closes.
    page.keyboard.press("e")
    page.wait_for_selector("body[data-editor-ready='1']")
    assert page.locator("#region-hint").count() == 1
    page.locator("#sentence").focus()
    page.keyboard.press("Shift+ArrowRight")  # the first token, "Government"
    for _ in range(4):
        page.keyboard.press("Alt+ArrowRight")  # ... moved to "Fifth"
    page.keyboard.press("Shift+ArrowRight")  # grown to "Fifth Brigade"
    assert page.locator("#sentence .pending").text_content() == "Fifth Brigade"
    page.select_option("#gold-reason", "annotator_error")
    page.locator("#gold-reason").focus()
    page.keyboard.press("1")  # typed into the focused select: not a label key
    assert page.locator("#sentence mark.span").count() == 0
    assert page.locator("#gold-reason").input_value() == "annotator_error"
    page.locator("#sentence").focus()
    assert page.locator("#sentence .pending").text_content() == "Fifth Brigade"
    page.keyboard.press("3")  # UNIT
    wait_saved(page, 2)
    fifth = t1.index("Fifth Brigade")
    assert gold_spans(database, s1) == [
        (fifth, fifth + len("Fifth Brigade"), "UNIT", "curator", "annotator_error")
    ]
    page.keyboard.press("d")  # next conflict: none left, back to the queue
    page.wait_for_url(f"**/projects/{seeded.project_id}/adjudication**")
    assert "No open conflict left" in page.locator(".flash-success").text_content()

    # The curator's own annotation of these sentences was never written.
    from tests.browser.helpers import stored

    assert stored(database, s0, world["curator"]) is None
    assert stored(database, s0, world["names"][0])["spans"][0][2] == "ACTOR"

    # The gold-json download holds the curator's span, with its provenance.
    response = page.request.get(
        f"{live.url}/projects/{seeded.project_id}/export/download?format=gold-json")
    assert response.status == 200, response.text()
    document = json.loads(response.body())
    sentences = {s["id"]: s for d in document["documents"] for s in d["sentences"]}
    unit = next(s for s in sentences[s0]["spans"] if s["start"] == rebels)
    assert (unit["label"], unit["text"], unit["source"], unit["curator"], unit["reason"]) == (
        "UNIT", "Rebels", "curator", world["curator"], "guideline_gap")
    assert unit["note"] == "a named unit, per the guidelines"
    # Names hidden: the curator's download gives the picked annotator's project pseudonym
    # (numbered when the curator first saw them, in user-id order).
    assert unit["annotators"] == ["Annotator 2"]
    assert all(name not in response.text() for name in world["names"])
    located = next(s for s in sentences[s0]["spans"] if s["start"] == kamdesh)
    assert located["source"] == "unanimous"
    assert sentences[s1]["spans"][0]["source"] == "curator"


def test_annotators_never_reach_the_adjudication_pages(live, database, unique, page):
    world = seed_disagreement(database, unique)
    seeded = world["seeded"]
    browser_login(page, live.url, world["names"][0])
    response = page.goto(f"{live.url}/projects/{seeded.project_id}/adjudication")
    assert response.status == 403
    response = page.goto(f"{live.url}/sentences/{seeded.sentence_ids[0]}/gold")
    assert response.status == 403
    page.goto(f"{live.url}/projects/{seeded.project_id}")
    assert page.locator("text=Adjudication").count() == 0
