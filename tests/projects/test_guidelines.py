"""Guidelines: safe Markdown, definitions and examples, versions bumped on publication, and the
page, the editor and the citations on the adjudication page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from annotator.corpus.models import Sentence
from annotator.projects.guidelines import (
    GuidelinesError,
    anchor,
    apply_definitions,
    entries,
    field_names,
    next_version,
    render_markdown,
)
from annotator.projects.models import GuidelinesVersion, Project
from annotator.projects.schema import SchemaError, default_schema_document, parse_schema
from tests.conftest import login
from tests.factories import prepare_project


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


ALLOWED_TAGS = {"a", "p", "h1", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote"}


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<svg onload=alert(1)>",
    '<a href="https://x.test" onclick="evil()">x</a>',
    "![tracker](https://evil.test/pixel.png)",
    "<iframe src=https://x.test></iframe>",
    "[ok](https://x.test \"t\" onclick=evil())",
])
def test_markdown_is_rendered_without_raw_html_or_script_links(text: str) -> None:
    parser = _Elements()
    parser.feed(render_markdown(text))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, text)
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "http://", "mailto:")), attrs


def test_markdown_keeps_what_guidelines_need() -> None:
    html = render_markdown(
        "# Events\n\nMark **the trigger**, not the *whole* clause.\n\n- one\n- two\n\n"
        "| Type | Example |\n| --- | --- |\n| Riot | stones thrown |\n\n"
        "See [ACLED](https://acleddata.com/) or `code`."
    )
    assert "<h1>Events</h1>" in html and "<strong>the trigger</strong>" in html
    assert "<li>one</li>" in html and "<td>Riot</td>" in html and "<code>code</code>" in html
    assert '<a href="https://acleddata.com/" rel="noopener noreferrer nofollow">ACLED</a>' in html


@pytest.mark.parametrize("before, after", [
    ("1.0", "1.1"), ("1", "2"), ("2.3.9", "2.3.10"), ("v1", "v2"), ("2024-06", "2024-07"),
    ("beta", "beta.1"), ("", "1"),
])
def test_next_version_bumps_the_last_number(before: str, after: str) -> None:
    assert next_version(before) == after


def test_definitions_and_examples_are_applied_and_checked() -> None:
    doc = default_schema_document()
    schema = parse_schema(doc)
    event = schema.keys.index("EVENT")
    riot = [v.value for v in schema.label("EVENT").attributes[0].values].index("riot")
    d, m, x = field_names(event)
    vd, vm, vx = field_names(event, 0, riot)
    new = apply_definitions(doc, {
        d: "The words reporting the event.", m: "shelled\n\n  captured ", x: "the war",
        vd: "A violent demonstration.", vm: "protesters threw stones", vx: "",
    })
    assert doc == default_schema_document()  # the input is not changed
    parsed = parse_schema(new)
    label = parsed.label("EVENT")
    assert label.description == "The words reporting the event."
    assert label.examples.mark == ("shelled", "captured")
    assert label.examples.dont_mark == ("the war",)
    value = next(v for v in label.attributes[0].values if v.value == "riot")
    assert value.description == "A violent demonstration."
    assert value.examples.mark == ("protesters threw stones",) and value.examples.dont_mark == ()
    titles = [e.title for e in entries(parsed)]
    assert "Event" in titles and "Event · Riot" in titles
    assert anchor("EVENT", "event_type", "riot") == "def-EVENT-event_type-riot"


@pytest.mark.parametrize("fields, message", [
    ({"l0-mark": "\n".join(f"example {i}" for i in range(21))}, "At most 20"),
    ({"l0-mark": "x" * 501}, "longer than 500"),
    ({"l0-description": "x" * 2001}, "longer than 2,000"),
    ({"l0-description": "nul \x00 here"}, "NUL"),
])
def test_bad_definitions_are_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(GuidelinesError, match=message):
        apply_definitions(default_schema_document(), fields)


@pytest.mark.parametrize("examples, message", [
    (["x"], "must be an object"),
    ({"mark": "x"}, "list of strings"),
    ({"mark": [1]}, "list of strings"),
    ({"marks": []}, "unknown key"),
])
def test_schema_examples_are_checked(examples: object, message: str) -> None:
    doc = default_schema_document()
    doc["labels"][0]["examples"] = examples
    with pytest.raises(SchemaError, match=message):
        parse_schema(doc)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_admin_publishes_a_version_annotators_read_it_and_exports_name_it(app, db) -> None:
    scene = prepare_project(db.session)
    project_id = scene["project"].id
    admin = app.test_client()
    login(admin, "admin1")
    form = admin.get(f"/projects/{project_id}/guidelines/edit")
    assert form.status_code == 200
    token = _token(form.get_data(as_text=True))
    d, m, x = field_names(0)
    body = "# Actors\n\nMark the **armed group**.\n\n<script>alert(1)</script>"
    preview = admin.post(f"/projects/{project_id}/guidelines/edit", data={
        "csrf_token": token, "body": body, "preview": "1", d: "Who acts.", m: "the militia"})
    assert preview.status_code == 200
    assert "<strong>armed group</strong>" in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GuidelinesVersion)) == 0

    done = admin.post(f"/projects/{project_id}/guidelines/edit", data={
        "csrf_token": token, "body": body, "publish": "1", d: "Who acts.", m: "the militia",
        x: "the war"})
    assert done.status_code == 302
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    assert project.schema.version == "1.1"  # the default schema is 1.0
    assert project.schema.labels[0].description == "Who acts."
    assert project.schema.labels[0].examples.mark == ("the militia",)

    reader = app.test_client()
    login(reader, "ann_a")
    page = reader.get(f"/projects/{project_id}/guidelines").get_data(as_text=True)
    assert "Version 1.1" in page and "<strong>armed group</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "Who acts." in page and "the militia" in page and "the war" in page
    assert 'id="def-EVENT-event_type-riot"' in page
    assert reader.get(f"/projects/{project_id}/guidelines/edit").status_code == 403

    # A second publication keeps the first readable as an older version.
    admin.post(f"/projects/{project_id}/guidelines/edit", data={
        "csrf_token": token, "body": "Changed.", "publish": "1"})
    current = reader.get(f"/projects/{project_id}/guidelines").get_data(as_text=True)
    assert "Version 1.2" in current and "Changed." in current and "Version 1.1</a>" in current
    older = reader.get(f"/projects/{project_id}/guidelines?version=1.1").get_data(as_text=True)
    assert "an older version" in older and "armed group" in older
    assert reader.get(f"/projects/{project_id}/guidelines?version=9.9").status_code == 404

    card = admin.get(f"/projects/{project_id}/export/card?format=gold-json")
    assert card.status_code == 200
    assert "1.2" in card.get_data(as_text=True)  # the card names the guidelines' version


def test_a_refused_publication_changes_nothing(app, db) -> None:
    scene = prepare_project(db.session)
    project_id = scene["project"].id
    admin = app.test_client()
    login(admin, "admin1")
    token = _token(admin.get(f"/projects/{project_id}/guidelines/edit").get_data(as_text=True))
    answer = admin.post(f"/projects/{project_id}/guidelines/edit", data={
        "csrf_token": token, "body": "ok", "publish": "1", "l0-mark": "x" * 600})
    assert answer.status_code == 422
    assert "longer than 500" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Project, project_id).schema.version == "1.0"
    assert db.session.scalar(select(func.count()).select_from(GuidelinesVersion)) == 0


def test_annotation_page_carries_the_definitions_panel(app, db) -> None:
    scene = prepare_project(db.session)
    client = app.test_client()
    login(client, "ann_a")
    sentence_id = db.session.scalar(select(func.min(Sentence.id)))
    page = client.get(f"/sentences/{sentence_id}").get_data(as_text=True)
    assert 'id="guide-panel"' in page and 'id="def-EVENT"' in page
    assert f'/projects/{scene["project"].id}/guidelines' in page


def test_guidelines_show_each_labels_roles_with_their_definitions(app, db) -> None:
    scene = prepare_project(db.session)
    client = app.test_client()
    login(client, "ann_a")
    page = client.get(f"/projects/{scene['project'].id}/guidelines").get_data(as_text=True)
    event = page[page.index('id="def-EVENT"'):]
    event = event[:event.index("</section>")]
    assert "<kbd>Shift+1</kbd> Actor 1 (initiator) <code>actor1</code>" in event
    assert "The other side: the target, the victims, the opponents." in event
    assert "Filled by LOCATION." in event
    actor = page[page.index('id="def-ACTOR"'):]
    assert "Roles (" not in actor[:actor.index("</section>")]
