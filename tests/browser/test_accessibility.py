"""Every page passes axe-core (no serious or critical violation) in light and dark mode, for
each role, and every clickable thing on it can be reached with the keyboard.

The pages are not listed by hand: each role's walk starts at its home page and follows the
links it is shown, visiting one page per route (numbers in the path stand for any id), so a
page added later is checked as soon as something links to it. A seeded project gives every
page content: a batch, two annotators who disagree, an EVENT with and without its type and
linked to its arguments, a flagged sentence, automatic gold and open conflicts, among them an
argument conflict (the annotators linked different arguments to a gold event).

Set ANNOTATOR_A11Y_REPORT=FILE to write the per-page results (docs/accessibility.md is made
from it) and ANNOTATOR_SHOTS=DIR to save a screenshot of every page at 1366x850 and 800x900.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article
from tests.factories import make_user

ARTICLE = (
    "Rebels attacked the northern town of Kamdesh on Monday. "
    "Government troops from the Fifth Brigade shelled rebel positions near the river. "
    "Three civilians were hurt in the fighting, the district governor said."
)
BLOCKING = ("serious", "critical")
# Never followed: downloads, the log-out form, and pages that change something on GET.
SKIP = re.compile(r"(\.json|\.csv|/download|/card|/labelstudio-config|/files/|/logout|/continue|/next|/static/)")
REPORT: list[dict] = []
_axe = Axe()


def _span(text: str, words: str, label: str, event_type: str | None = None) -> dict:
    start = text.index(words)
    attributes = {"event_type": event_type} if event_type else {}
    return {"start": start, "end": start + len(words), "label": label, "attributes": attributes}


def _ref(text: str, words: str) -> dict:
    start = text.index(words)
    return {"start": start, "end": start + len(words)}


@pytest.fixture(scope="module")
def world(database, server) -> dict:
    """A project where every page has something to show, and one user of each role."""
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User

    seeded = seed_article(database, lambda base: f"{base}a11y", text=ARTICLE, annotators=2,
                          admin=True)
    t0, t1, t2 = seeded.texts
    names = [seeded.users["ann0"], seeded.users["ann1"]]
    with database.session() as session:
        curator = make_user(session, "curatora11y", "curator").username
        admin = session.scalar(select(User).where(User.username == seeded.users["admin"]))
        create_batch(session, seeded.project_id, source="remaining", annotators=names,
                     overlap=2, seed=1, name="Week 1", created_by=admin)
    plan = {
        names[0]: [
            [_span(t0, "Rebels", "ACTOR"), _span(t0, "attacked", "EVENT", "armed_clash"),
             _span(t0, "Kamdesh", "LOCATION")],
            [_span(t1, "Fifth Brigade", "UNIT"), _span(t1, "shelled", "EVENT")],
            [],
        ],
        names[1]: [
            [_span(t0, "Rebels", "UNIT"), _span(t0, "attacked", "EVENT", "armed_clash"),
             _span(t0, "Kamdesh", "LOCATION")],
            [_span(t1, "the Fifth Brigade", "UNIT"),
             _span(t1, "shelled", "EVENT", "shelling_artillery_missile")],
            [],
        ],
    }
    # Event frames: both link the attack to the rebels, only the first to Kamdesh. The attack
    # and Kamdesh become gold, so that location link is an open argument conflict.
    attacked, rebels, kamdesh = (_ref(t0, words) for words in ("attacked", "Rebels", "Kamdesh"))
    links = {
        names[0]: [{"head": attacked, "role": "actor1", "child": rebels},
                   {"head": attacked, "role": "location", "child": kamdesh}],
        names[1]: [{"head": attacked, "role": "actor1", "child": rebels}],
    }
    with database.session() as session:
        for name, per_sentence in plan.items():
            user = session.scalar(select(User).where(User.username == name))
            for i, (sid, spans) in enumerate(zip(seeded.sentence_ids, per_sentence, strict=True)):
                flagged = name == names[1] and i == 2
                save_annotation(
                    session, user, sid,
                    AnnotationIn(spans, "skipped" if flagged else "done", 0, 4.0, flagged=flagged,
                                 flag_comment="Is the governor an actor here?" if flagged else "",
                                 relations=links[name] if i == 0 else None),
                    max_spent=60,
                )
        admin = session.scalar(select(User).where(User.username == seeded.users["admin"]))
        auto_adjudicate(session, seeded.project_id, min_agree=2, actor=admin)
    return {"seeded": seeded, "users": {"annotator": names[0], "curator": curator,
                                        "admin": seeded.users["admin"]}}


def route_of(url: str) -> str:
    """The route a URL belongs to: its path with every number as <n>."""
    return re.sub(r"/\d+", "/<n>", urlparse(url).path)


def links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map((a) => new URL(a.getAttribute('href'), document.baseURI).href)")
    return [h.split("#")[0] for h in hrefs
            if h.startswith(base_url) and not SKIP.search(urlparse(h).path)]


def blocking(results: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in results["violations"] if v["impact"] in BLOCKING
    ]


def by_impact(results: dict) -> dict[str, int]:
    counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for violation in results["violations"]:
        counts[violation["impact"]] += len(violation["nodes"])
    return counts


# Everything drawn as clickable (a pointer cursor) must be a control the keyboard reaches: a
# link, button or field, something with a tabindex, or inside one of them (SVG <a> included).
# A drawing that only repeats a control for the mouse (an event's connector above the text)
# names that control in data-keyboard-twin: the control must then be on the page, shown and
# reachable (so the keyboard can do what the click does).
UNREACHABLE_JS = """() => {
  const reachable = (el) => el.closest(
    'a[href], button, input, select, textarea, summary, label, [tabindex]:not([tabindex="-1"])');
  const twinned = (el) => {
    const owner = el.closest('[data-keyboard-twin]');
    const twin = owner && document.getElementById(owner.dataset.keyboardTwin);
    return Boolean(twin && reachable(twin) && !twin.disabled && twin.getClientRects().length);
  };
  return [...document.querySelectorAll('body *')]
    .filter((el) => getComputedStyle(el).cursor === 'pointer' && !reachable(el)
                    && !twinned(el) && el.getClientRects().length > 0)
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def check_page(page, role: str, scheme: str, problems: list[str]) -> None:
    """axe-core and the keyboard check on the page as it stands, for one colour scheme."""
    page.emulate_media(color_scheme=scheme)
    results = _axe.run(page).response
    where = f"{role} {scheme} {route_of(page.url)}"
    problems.extend(f"{where}: {line}" for line in blocking(results))
    problems.extend(f"{where}: not reachable by keyboard: {html}"
                    for html in page.evaluate(UNREACHABLE_JS))
    REPORT.append({"route": route_of(page.url), "role": role, "scheme": scheme,
                   **by_impact(results),
                   "rules": sorted({v["id"] for v in results["violations"]}),
                   "nodes": [f"{v['id']}: {' '.join(n['target'])}"
                             for v in results["violations"] for n in v["nodes"]]})
    shots = os.environ.get("ANNOTATOR_SHOTS")
    if shots:
        name = re.sub(r"[^a-z0-9]+", "-", f"{role}-{route_of(page.url)}".lower()).strip("-")
        Path(shots).mkdir(parents=True, exist_ok=True)
        for width, height in ((1366, 850), (800, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=f"{shots}/{name}-{scheme}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def walk(page, base_url: str, start: list[str], role: str, limit: int = 40) -> list[str]:
    """Visit one page per route reachable from ``start``; check each in both schemes."""
    problems: list[str] = []
    # Nothing a page loads may fail (the favicon included); only the page itself may be a 404.
    page.on("response", lambda r: problems.append(f"{role}: {r.status} for {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    seen: set[str] = set()
    queue = [urljoin(base_url, path) for path in start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        route = route_of(url)
        if route in seen:
            continue
        seen.add(route)
        page.goto(url)
        if page.locator("body[data-editor-ready]").count() or "/sentences/" in url:
            page.wait_for_load_state("networkidle")
        for scheme in ("light", "dark"):
            check_page(page, role, scheme, problems)
        queue.extend(u for u in links(page, base_url) if route_of(u) not in seen)
    return problems


@pytest.mark.parametrize("role", ["annotator", "curator", "admin"])
def test_every_page_passes_axe_for_each_role(live, world, page, role):
    username = world["users"][role]
    browser_login(page, live.url, username)
    seeded = world["seeded"]
    start = ["/projects/", f"/projects/{seeded.project_id}", f"/sentences/{seeded.sentence_ids[0]}",
             # Error pages: a page this role may not open (403 for all but the admin) and 404.
             f"/documents/{seeded.document_id}", "/no-such-page", "/api/docs"]
    problems = walk(page, live.url, start, role)
    visited = {r["route"] for r in REPORT if r["role"] == role}
    # The project's sentence list is reached through the project navigation bar.
    assert {"/projects/", "/projects/<n>", "/sentences/<n>",
            "/projects/<n>/sentences", "/api/docs"} <= visited, visited
    if role != "annotator":
        # The queue links the open argument conflict of the seeded event.
        assert {"/projects/<n>/adjudication", "/sentences/<n>/gold",
                "/sentences/<n>/arguments/<n>/<n>"} <= visited, visited
    if role == "admin":
        assert {"/projects/<n>/agreement", "/projects/<n>/dashboard", "/admin/users",
                "/admin/jobs"} <= visited, visited
    assert not problems, "\n".join(problems)
    icon = page.get_attribute("link[rel=icon]", "href")
    assert page.request.get(urljoin(live.url, icon)).status == 200
    favicon = page.request.get(f"{live.url}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/svg")


def test_log_in_page_passes_axe_anonymous(live, page):
    problems: list[str] = []
    page.goto(f"{live.url}/login")
    for scheme in ("light", "dark"):
        check_page(page, "anonymous", scheme, problems)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module", autouse=True)
def write_report():
    yield
    target = os.environ.get("ANNOTATOR_A11Y_REPORT")
    if target:
        Path(target).write_text(json.dumps(REPORT, indent=1))


# The colour a CSS colour value paints, as 8-bit sRGB (a canvas normalises every syntax).
RGB_JS = """(css) => {
  const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  ctx.fillStyle = '#000'; ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
  return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
}"""
# Every label of the page's schema as a span tag and a span-list chip, painted as the editor
# paints them; the colours their text and background compute to.
TAGS_JS = """() => {
  const schema = JSON.parse(document.getElementById('editor-data').textContent).schema;
  return schema.labels.map((label) => {
    const mark = document.createElement('mark');
    mark.className = 'span';
    mark.dataset.tag = label.key;
    mark.textContent = 'words';
    mark.style.setProperty('--label-color', label.color);
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.textContent = label.key;
    chip.style.setProperty('--label-color', label.color);
    document.getElementById('sentence').append(mark, chip);
    const after = getComputedStyle(mark, '::before');  // the tag
    const c = getComputedStyle(chip);
    return {key: label.key, color: label.color, tag: [after.color, after.backgroundColor],
            chip: [c.color, c.backgroundColor]};
  });
}"""


def contrast(a: list[int], b: list[int]) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(rgb: list[int]) -> float:
        lin = [(c / 255) / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
               for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_label_tags_keep_their_contrast_in_light_and_dark(live, world, page):
    from annotator.projects.schema import default_schema_document, parse_schema

    browser_login(page, live.url, world["users"]["annotator"])
    seen = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{live.url}/sentences/{world['seeded'].sentence_ids[0]}")
        page.wait_for_selector("body[data-editor-ready='1']", state="attached")
        paper = page.evaluate("() => getComputedStyle(document.querySelector('.reader'))"
                              ".backgroundColor")
        seen[scheme] = page.evaluate(RGB_JS, paper)
        for item in page.evaluate(TAGS_JS):
            for part in ("tag", "chip"):
                ink, background = (page.evaluate(RGB_JS, c) for c in item[part])
                ratio = contrast(ink, background)
                assert ratio >= 4.5, (scheme, item["key"], item["color"], part, ratio)
        assert [i["key"] for i in page.evaluate(TAGS_JS)] == [
            label.key for label in parse_schema(default_schema_document()).labels]
    # The dark scheme really is dark, the light one light.
    assert sum(seen["light"]) > 600 and sum(seen["dark"]) < 150, seen


# What shows where the keyboard is: an outline or a ring (box-shadow) on the focused element.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  // A chart's link shows its focus as a stroke round its shape (SVG draws no outline ring).
  const shape = el instanceof SVGElement ? el.querySelector('rect, path, circle') : null;
  const stroke = shape && getComputedStyle(shape).stroke !== 'none'
                 && parseFloat(getComputedStyle(shape).strokeWidth) > 0;
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
               || s.boxShadow !== 'none' || Boolean(stroke);
  return {html: el.outerHTML.slice(0, 100), ring, visible: el.getClientRects().length > 0};
}"""


@pytest.mark.parametrize(
    "path", ["/login", "/sentences/{sentence}", "/projects/{project}/agreement"])
def test_tab_shows_where_the_focus_is_on_every_control(live, world, page, path):
    """The first Tab offers a skip link; every control Tab reaches shows a focus ring."""
    if path != "/login":
        browser_login(page, live.url, world["users"]["admin"])
    seeded = world["seeded"]
    page.goto(live.url + path.format(sentence=seeded.sentence_ids[0], project=seeded.project_id))
    page.wait_for_load_state("networkidle")
    # The skip link is the first thing Tab reaches, shown while it has the focus.
    first = page.evaluate("() => document.querySelector('a[href], button, input, select, "
                          "textarea, [tabindex]:not([tabindex=\"-1\"])').className")
    assert first == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] < 0
    page.focus(".skip-link")
    assert page.locator(".skip-link").bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    seen = 0
    for _ in range(80):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        if focus is None:
            break
        seen += 1
        assert focus["ring"] and focus["visible"], focus
    assert seen >= 3
