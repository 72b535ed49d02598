"""The agreement dashboard in real Chromium: SVG charts, drill-down by click, hostile text."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article

ARTICLE = (
    'Rebels <script>window.__xss=1</script> attacked the northern town of Kamdesh on Monday. '
    'Government troops from the Fifth Brigade <img src=x onerror="window.__xss=2"> arrived '
    "later that night. "
    "Three civilians were hurt in the fighting."
)


def span(text: str, words: str, label: str) -> dict:
    start = text.index(words)
    return {"start": start, "end": start + len(words), "label": label, "attributes": {}}


def seed_disagreements(database, unique):
    """Two annotators on one batch; ann0 ACTOR vs ann1 UNIT on "Rebels", a missed LOCATION."""
    from sqlalchemy import select

    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User

    seeded = seed_article(database, unique, text=ARTICLE, annotators=2, admin=True)
    texts = seeded.texts
    assert len(texts) == 3 and "<script>" in texts[0] and "<img" in texts[1], texts
    names = seeded.users["ann0"], seeded.users["ann1"]
    with database.session() as session:
        admin = session.scalar(select(User).where(User.username == seeded.users["admin"]))
        create_batch(session, seeded.project_id, source="remaining", annotators=list(names),
                     overlap=2, seed=1, created_by=admin)
    plan = {
        names[0]: [[span(texts[0], "Rebels", "ACTOR"),
                    span(texts[0], "<script>window.__xss=1</script>", "LOCATION")],
                   [span(texts[1], "Fifth Brigade", "UNIT")], []],
        names[1]: [[span(texts[0], "Rebels", "UNIT")],
                   [span(texts[1], "Fifth Brigade", "UNIT")], []],
    }
    with database.session() as session:
        for name, per_sentence in plan.items():
            user = session.scalar(select(User).where(User.username == name))
            for sid, spans in zip(seeded.sentence_ids, per_sentence):
                save_annotation(session, user, sid, AnnotationIn(spans, "done", 0, 2.0),
                                max_spent=60)
    return seeded, names


def no_injection(page) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator("main img, main script, main [onerror]").count() == 0


def test_admin_reads_the_charts_and_drills_into_disagreements(live, database, unique,
                                                              new_context):
    seeded, (ann0, ann1) = seed_disagreements(database, unique)
    page = new_context().new_page()
    browser_login(page, live.url, seeded.users["admin"])

    # From the project page to the dashboard.
    page.goto(f"{live.url}/projects/{seeded.project_id}")
    page.click("text=Agreement")
    page.wait_for_url(f"{live.url}/projects/{seeded.project_id}/agreement")
    for chart in ("#pair-heatmap", "#label-bars", "#label-breakdown", "#pair-breakdown",
                  "#confusion-matrix"):
        box = page.locator(f"svg{chart}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 30, chart
    # Colours come from attributes and the stylesheet (the CSP forbids inline styles).
    cell = page.locator(f"#pair-heatmap rect.cell[data-row='{ann0}'][data-col='{ann1}']")
    assert cell.get_attribute("fill").startswith("#")
    missed = page.locator("#label-breakdown rect.segment.kind-missed").first
    assert page.evaluate("(el) => getComputedStyle(el).fill", missed.element_handle()) == (
        "rgb(181, 71, 8)")
    assert page.locator("#summary-table tr[data-figure=span_f1] td.value").text_content() != ""
    assert page.locator("#reading li").count() >= 1

    # A heatmap cell opens the pair's disagreements: sentence 1 only (sentence 2 agrees).
    cell.click()
    page.wait_for_url("**/agreement/disagreements?**")
    query = parse_qs(urlparse(page.url).query)
    assert sorted(query["pair"]) == sorted([ann0, ann1])
    sentences = page.locator("li.drill-sentence")
    assert sentences.count() == 1
    assert sentences.first.get_attribute("data-sentence") == str(seeded.sentence_ids[0])
    kinds = page.locator("ul.drill-items li").evaluate_all("(els) => els.map(e => e.dataset.kind)")
    assert sorted(kinds) == ["label_only", "missed"]
    # The hostile text is shown as text, spans side by side, coloured by reports.js.
    rows = sentences.first.locator("table.versions tr")
    assert rows.evaluate_all("(els) => els.map(e => e.dataset.annotator)") == [ann0, ann1]
    line = rows.first.locator(".drill-line")
    assert line.text_content() == seeded.texts[0]
    assert "<script>window.__xss=1</script>" in line.text_content()
    mark = rows.first.locator("mark.span[data-label=LOCATION]")
    assert mark.text_content() == "<script>window.__xss=1</script>"
    assert page.evaluate(
        "(el) => getComputedStyle(el).getPropertyValue('--label-color').trim()",
        mark.element_handle()) == "#2e8b57"
    no_injection(page)
    assert page.locator("a.sentence-link").get_attribute("href") == (
        f"/sentences/{seeded.sentence_ids[0]}")
    assert page.locator("a.history-link").get_attribute("href") == (
        f"/sentences/{seeded.sentence_ids[0]}/history")

    # Back on the dashboard, a confusion cell: one's ACTOR against the other's UNIT.
    page.click("#back")
    page.wait_for_url(f"{live.url}/projects/{seeded.project_id}/agreement")
    page.locator("#confusion-matrix rect.cell[data-row=ACTOR][data-col=UNIT]").click()
    page.wait_for_url("**/agreement/disagreements?**")
    assert parse_qs(urlparse(page.url).query)["cell"] == ["ACTOR", "UNIT"]
    assert page.locator("li.drill-sentence").count() == 1
    assert page.locator("ul.drill-items li").evaluate_all(
        "(els) => els.map(e => e.dataset.kind)") == ["label_only"]
    assert "Rebels" in page.locator("ul.drill-items").text_content()
    no_injection(page)

    # A breakdown segment: the missed LOCATION, whose span is the hostile markup.
    page.go_back()
    page.locator("#label-breakdown rect.segment[data-row=LOCATION][data-kind=missed]").click()
    page.wait_for_url("**/agreement/disagreements?**")
    items = page.locator("ul.drill-items li")
    assert items.count() == 1
    assert "<script>window.__xss=1</script>" in items.first.text_content()
    no_injection(page)


def test_annotators_cannot_open_the_dashboard(live, database, unique, new_context):
    seeded, (ann0, _) = seed_disagreements(database, unique)
    page = new_context().new_page()
    browser_login(page, live.url, ann0)
    response = page.goto(f"{live.url}/projects/{seeded.project_id}/agreement")
    assert response.status == 403
    page.goto(f"{live.url}/projects/{seeded.project_id}")
    assert page.locator("a", has_text="Agreement").count() == 0
