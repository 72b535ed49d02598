"""An argument conflict in real Chromium: two annotators agree on the spans of an event but
swap who attacked whom; the curator keeps one version's arguments with one key."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article
from tests.factories import make_user

ARTICLE = (
    "Government artillery shelled rebel positions near Kamdesh on Monday. "
    "Residents reported no casualties in the town."
)


def seed_swapped_actors(database, unique) -> dict:
    """Both annotators mark the same four spans of sentence 1 and link Kamdesh as the
    location; ann0 has the artillery as actor1 and the rebels as actor2, ann1 the reverse."""
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User

    seeded = seed_article(database, unique, text=ARTICLE, title="Shelling near Kamdesh",
                          annotators=2)
    text = seeded.texts[0]

    def at(word: str) -> tuple[int, int]:
        start = text.index(word)
        return start, start + len(word)

    spans = [{"start": s, "end": e, "label": label} for (s, e), label in [
        (at("Government artillery"), "ACTOR"), (at("shelled"), "EVENT"),
        (at("rebel positions"), "ACTOR"), (at("Kamdesh"), "LOCATION")]]
    readings = [("Government artillery", "rebel positions"),
                ("rebel positions", "Government artillery")]
    with database.session() as session:
        curator = make_user(session, unique("curator"), "curator").username
        names = [seeded.users["ann0"], seeded.users["ann1"]]
        create_batch(session, seeded.project_id, source="remaining", annotators=names,
                     overlap=2, seed=1)
        for name, (first, second) in zip(names, readings, strict=True):
            user = session.scalar(select(User).where(User.username == name))
            (hs, he) = at("shelled")
            links = [
                {"head": {"start": hs, "end": he}, "role": role,
                 "child": dict(zip(("start", "end"), at(word), strict=True))}
                for role, word in [("actor1", first), ("actor2", second), ("location", "Kamdesh")]
            ]
            save_annotation(session, user, seeded.sentence_ids[0],
                            AnnotationIn(spans, "done", 0, 3.0, relations=links), max_spent=60)
            save_annotation(session, user, seeded.sentence_ids[1],
                            AnnotationIn([], "done", 0, 3.0), max_spent=60)
    return {"seeded": seeded, "curator": curator, "names": names, "text": text}


def gold_arguments(database, sentence_id: int, text: str) -> list[tuple]:
    from annotator.adjudication.models import GoldRelationRow, GoldSentence

    with database.session() as session:
        return sorted(
            (r.role, text[r.child_start:r.child_end], r.source, r.reason)
            for r in session.scalars(
                select(GoldRelationRow)
                .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
                .where(GoldSentence.sentence_id == sentence_id)
            )
        )


def test_curator_keeps_one_versions_arguments_with_a_key(live, database, unique, page):
    world = seed_swapped_actors(database, unique)
    seeded, text = world["seeded"], world["text"]
    s0 = seeded.sentence_ids[0]
    browser_login(page, live.url, world["curator"])
    page.goto(f"{live.url}/projects/{seeded.project_id}/adjudication")
    page.fill("#min_agree", "2")
    page.click("#run-auto")
    page.wait_for_selector(".job-panel[data-job-state=done]", timeout=20_000)  # the worker's
    page.click(".job-panel .job-result")
    page.wait_for_selector("#queue tbody tr[data-kind]")
    # The spans and the location are unanimous; who attacked whom is an argument conflict.
    assert gold_arguments(database, s0, text) == [("location", "Kamdesh", "unanimous", None)]
    kinds = page.locator("#queue tbody tr[data-kind]").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["argument"]

    page.click("#start-queue")
    page.wait_for_url(f"**/sentences/{s0}/arguments/**")
    page.wait_for_selector("body[data-adjudication-ready='1']")
    assert page.locator("#conflict-kind").text_content() == "argument"
    # Each version lists its links in words, under pseudonyms only.
    card = page.locator("#conflict-card").text_content()
    assert "Annotator 1" in card and "Annotator 2" in card
    assert all(name not in card for name in world["names"])
    wanted = "Actor 1 (initiator) → “Government artillery”"
    key = next(
        row.get_attribute("data-key") for row in page.locator("tr.version-row").all()
        if wanted in row.text_content()
    )
    # Keys typed into the note are the note's: "1" and "0" there decide nothing.
    page.keyboard.press("t")
    page.keyboard.type("artillery fired first 10")
    assert page.locator("#note").input_value() == "artillery fired first 10"
    page.keyboard.press("Escape")
    expect(page.locator("#note")).not_to_be_focused()
    assert gold_arguments(database, s0, text) == [("location", "Kamdesh", "unanimous", None)]
    # The help lists the keys of this page; "?" opens and closes it.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    assert "arguments of this event" in page.locator("#help").text_content()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("r")
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first reason: guideline gap
    expect(page.locator("#reason")).to_have_value("guideline_gap")
    page.keyboard.press("Escape")

    page.keyboard.press(key)
    # The last open conflict: the sentence closes and the queue says nothing is left.
    page.wait_for_url(f"**/projects/{seeded.project_id}/adjudication**")
    assert "No open conflict left" in page.locator(".flash-success").text_content()
    assert gold_arguments(database, s0, text) == [
        ("actor1", "Government artillery", "curator", "guideline_gap"),
        ("actor2", "rebel positions", "curator", "guideline_gap"),
        ("location", "Kamdesh", "unanimous", None),  # kept: it keeps its provenance
    ]
