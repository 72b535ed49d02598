"""Spans lacking an expected attribute (EVENT without event_type): counts, lists, home page.

What counts, decided here: each annotator's current spans in every status (unfinished work is
where they pile up) whose label declares ``event_type`` (or a required attribute) and whose
value is absent, JSON null or an empty string. Excluded sentences count nowhere. Per batch the
dashboard follows its archived toggle; the project-wide figure takes every annotation of the
project once (live batches, archived ones, work outside batches). Annotators see only their own,
and only the sentences they may open now.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from annotator.annotation.models import Annotation, SpanRow
from annotator.assignments import progress, untyped
from annotator.assignments.models import Assignment
from annotator.assignments.services import create_batch, remove_batch
from annotator.corpus.models import Document, Sentence
from annotator.projects.schema import default_schema_document, parse_schema
from annotator.projects.services import create_project
from tests.conftest import api_headers, login
from tests.factories import add_members, make_articles, make_user, prepare_batch

TYPED = {"event_type": "armed_clash"}


def sentences_of(db, project_id: int, title: str) -> list[int]:
    return list(db.session.scalars(
        select(Sentence.id).join(Document, Document.id == Sentence.document_id)
        .where(Document.project_id == project_id, Document.title == title)
        .order_by(Sentence.index)
    ))


def annotate(db, user, sentence_id: int, spans: list[tuple[str, Any]], status: str = "in_progress"):
    """An annotation with spans written directly: an empty string or JSON null as a value cannot
    come through the API (it refuses the first and drops the second) but may sit in older data."""
    ann = Annotation(sentence_id=sentence_id, annotator_id=user.id, status=status)
    ann.spans = [
        SpanRow(start=2 * i, end=2 * i + 1, label=label, attributes=attrs)
        for i, (label, attrs) in enumerate(spans)
    ]
    db.session.add(ann)
    db.session.flush()
    return ann


@pytest.fixture
def world(db) -> dict[str, Any]:
    """Batch 1 (live, overlap 2, ann0 + ann1), batch 2 (archived, ann1), an article in no batch,
    and another project; 9 untyped spans in the project, 6 of them in live batch 1."""
    data = prepare_batch(db.session, k=2, annotators=2, articles=3)
    project = data["project"]
    ann0, ann1 = data["annotators"]
    s = sentences_of(db, project.id, "Article 0")
    # ann0: typed, untyped ({}), empty string, JSON null, and an ACTOR (no attribute expected)
    annotate(db, ann0, s[0], [("EVENT", TYPED), ("EVENT", {}), ("EVENT", {"event_type": ""}),
                              ("EVENT", {"event_type": None}), ("ACTOR", {})])
    annotate(db, ann0, s[1], [("EVENT", {})], status="done")
    annotate(db, ann0, s[2], [("EVENT", {}), ("LOCATION", {})], status="skipped")
    annotate(db, ann1, s[0], [("EVENT", {}), ("EVENT", TYPED), ("UNIT", {})])
    annotate(db, ann1, s[1], [("EVENT", TYPED)], status="done")  # nothing missing
    annotate(db, ann1, s[3], [("EVENT", {})])
    db.session.get(Sentence, s[3]).excluded = True  # boilerplate: counts nowhere
    # batch 2: ann1 alone, then archived (it has annotations, so removal archives it)
    make_articles(db.session, project, 1, start=100)
    batch2 = create_batch(db.session, project.id, source="remaining", annotators=[ann1.username],
                          overlap=1, seed=1).batch
    t = sentences_of(db, project.id, "Article 100")
    annotate(db, ann1, t[0], [("EVENT", {}), ("EVENT", {})], status="done")
    assert remove_batch(db.session, batch2.id, confirm=True) == "archived"
    # an article in no batch (worked on before batches existed, say)
    make_articles(db.session, project, 1, start=200)
    u = sentences_of(db, project.id, "Article 200")
    annotate(db, ann0, u[0], [("EVENT", {})])
    # another project's untyped span counts in neither
    other = create_project(db.session, "Other project")
    make_articles(db.session, other, 1, start=300)
    annotate(db, ann0, sentences_of(db, other.id, "Article 300")[0], [("EVENT", {})])
    db.session.commit()
    return {**data, "ann0": ann0, "ann1": ann1, "s": s, "t": t, "u": u, "batch2": batch2,
            "other": other}


def client_for(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def list_rows(html: str) -> list[tuple[int, str]]:
    """(sentence id, annotator) of each row of the untyped list."""
    return [(int(sid), who) for sid, who in
            re.findall(r'<tr data-sentence="(\d+)" data-annotator="([^"]*)">', html)]


def test_expected_attributes_follow_the_schema() -> None:
    default = parse_schema(default_schema_document())
    expected = untyped.expected_attributes(default)
    assert expected == (untyped.ExpectedAttribute("EVENT", "event_type", "Event type"),)
    assert untyped.describe_untyped(expected) == "EVENT spans without an event type"
    custom = parse_schema({"name": "c", "labels": [
        {"key": "ACTOR", "attributes": [
            {"key": "role", "name": "Role", "required": True, "values": ["leader"]},
            {"key": "note", "name": "Note", "values": ["x"]},  # optional, not prompted: ignored
        ]},
        {"key": "LOC"},
    ]})
    assert untyped.expected_attributes(custom) == (
        untyped.ExpectedAttribute("ACTOR", "role", "Role"),)
    assert untyped.describe_untyped(untyped.expected_attributes(custom)) == (
        "ACTOR spans without a role")
    assert untyped.expected_attributes(parse_schema({"name": "n", "labels": [{"key": "A"}]})) == ()


def test_counts_per_batch_annotator_and_project(db, world) -> None:
    pid, b1, b2 = world["project"].id, world["batch"].id, world["batch2"].id
    ann0, ann1 = world["ann0"].id, world["ann1"].id
    assert untyped.untyped_counts(db.session, pid) == {(b1, ann0): 5, (b1, ann1): 1}
    assert untyped.untyped_counts(db.session, pid, include_archived=True) == {
        (b1, ann0): 5, (b1, ann1): 1, (b2, ann1): 2}
    assert untyped.untyped_counts(db.session, pid, user_id=ann1, include_archived=True) == {
        (b1, ann1): 1, (b2, ann1): 2}
    live = {(p.batch_id, p.annotator): p.untyped for p in progress.batch_progress(db.session, pid)}
    assert live == {(b1, "ann0"): 5, (b1, "ann1"): 1}
    totals = progress.batch_totals(db.session, pid, include_archived=True)
    assert {t.batch_id: t.untyped for t in totals} == {b1: 6, b2: 2}
    # every annotation of the project once: 5 + 1 live, 2 archived, 1 outside batches
    assert untyped.count_untyped(db.session, pid) == 9
    assert untyped.count_untyped(db.session, world["other"].id) == 1


def test_a_sentence_included_again_counts_again(db, world) -> None:
    db.session.get(Sentence, world["s"][3]).excluded = False
    db.session.commit()
    pid, b1 = world["project"].id, world["batch"].id
    assert untyped.untyped_counts(db.session, pid)[(b1, world["ann1"].id)] == 2
    assert untyped.count_untyped(db.session, pid) == 10


def test_dashboard_shows_the_counts_with_links_to_the_sentences(app, db, world) -> None:
    pid, b1 = world["project"].id, world["batch"].id
    admin = client_for(app, "admin1")
    html = admin.get(f"/projects/{pid}/dashboard").get_data(as_text=True)
    assert "EVENT spans without an event type" in html
    total = html.split('id="untyped-total"', 1)[1].split("</p>", 1)[0]
    assert f'href="/projects/{pid}/untyped-spans">9</a>' in total

    def cell(table: str, attrs: str) -> str:
        section = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
        row = section.split(f"<tr {attrs}>", 1)[1].split("</tr>", 1)[0]
        return row.split('class="untyped">', 1)[1].split("</td>", 1)[0]

    assert cell("batch-totals", f'data-batch="{b1}"') == (
        f'<a href="/projects/{pid}/untyped-spans?batch={b1}">6</a>')
    assert cell("progress", f'data-batch="{b1}" data-annotator="ann0"') == (
        f'<a href="/projects/{pid}/untyped-spans?batch={b1}&amp;annotator=ann0">5</a>')
    # the archived batch shows only with the toggle, with its own count
    assert f'data-batch="{world["batch2"].id}"' not in html
    with_archived = admin.get(f"/projects/{pid}/dashboard?archived=1").get_data(as_text=True)
    section = with_archived.split('id="progress"', 1)[1]
    row = section.split(f'<tr data-batch="{world["batch2"].id}" data-annotator="ann1">', 1)[1]
    assert ">2</a>" in row.split("</tr>", 1)[0]

    # each link lists the sentences concerned
    s, t, u = world["s"], world["t"], world["u"]
    page = admin.get(f"/projects/{pid}/untyped-spans?batch={b1}&annotator=ann0")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert list_rows(body) == [(s[0], "ann0"), (s[1], "ann0"), (s[2], "ann0")]
    assert f'href="/sentences/{s[0]}/history"' in body and f'href="/sentences/{s[0]}">open' in body
    assert "in progress" in body and "skipped" in body
    assert list_rows(admin.get(f"/projects/{pid}/untyped-spans?batch={b1}").get_data(
        as_text=True)) == [(s[0], "ann0"), (s[0], "ann1"), (s[1], "ann0"), (s[2], "ann0")]
    everything = admin.get(f"/projects/{pid}/untyped-spans").get_data(as_text=True)
    assert list_rows(everything) == [(s[0], "ann0"), (s[0], "ann1"), (s[1], "ann0"),
                                     (s[2], "ann0"), (t[0], "ann1"), (u[0], "ann0")]
    counts = re.findall(r'<td class="count">(\d+)</td>', everything)
    assert sum(map(int, counts)) == 9 and counts[0] == "3"
    # the links are real pages for the admin
    assert admin.get(f"/sentences/{s[0]}/history").status_code == 200
    assert admin.get(f"/sentences/{s[0]}").status_code == 200


def test_the_list_pages(app, db, world, monkeypatch) -> None:
    from annotator.assignments import pages

    monkeypatch.setattr(pages, "UNTYPED_PER_PAGE", 4)
    pid = world["project"].id
    admin = client_for(app, "admin1")
    first = admin.get(f"/projects/{pid}/untyped-spans").get_data(as_text=True)
    second = admin.get(f"/projects/{pid}/untyped-spans?page=2").get_data(as_text=True)
    assert len(list_rows(first)) == 4 and len(list_rows(second)) == 2
    assert "6 sentences" in first and f"/projects/{pid}/untyped-spans?page=2" in first
    assert not set(list_rows(first)) & set(list_rows(second))


def test_bad_filters(app, db, world) -> None:
    pid = world["project"].id
    admin = client_for(app, "admin1")
    assert admin.get(f"/projects/{pid}/untyped-spans?annotator=nobody").status_code == 404
    assert admin.get(f"/projects/{pid}/untyped-spans?batch=99999").status_code == 404
    assert admin.get(f"/projects/{pid}/untyped-spans?batch=first").status_code == 400
    other_batch = create_batch(db.session, world["other"].id, source="remaining",
                               annotators=["ann0"], overlap=1).batch
    db.session.commit()
    assert admin.get(f"/projects/{pid}/untyped-spans?batch={other_batch.id}").status_code == 404
    assert admin.get("/projects/99999/untyped-spans").status_code == 404


def test_annotators_see_only_their_own_openable_sentences(app, db, world) -> None:
    pid, b1 = world["project"].id, world["batch"].id
    s = world["s"]
    ann0 = client_for(app, "ann0")
    mine = ann0.get(f"/projects/{pid}/untyped-spans").get_data(as_text=True)
    # the sentence outside any batch is not theirs to open once batches exist
    assert list_rows(mine) == [(s[0], "ann0"), (s[1], "ann0"), (s[2], "ann0")]
    assert f'href="/sentences/{s[0]}"' in mine and "/history" not in mine
    assert ann0.get(f"/sentences/{s[0]}").status_code == 200
    assert ann0.get(f"/projects/{pid}/untyped-spans?annotator=ann1").status_code == 403
    assert ann0.get(f"/projects/{pid}/untyped-spans?annotator=ann0").status_code == 200
    # ann1's archived batch is not openable any more: only the live sentence
    ann1 = client_for(app, "ann1")
    assert list_rows(ann1.get(f"/projects/{pid}/untyped-spans").get_data(as_text=True)) == [
        (s[0], "ann1")]
    assert list_rows(ann1.get(f"/projects/{pid}/untyped-spans?batch={b1}").get_data(
        as_text=True)) == [(s[0], "ann1")]
    outsider = client_for(app, "outsider")
    assert list_rows(outsider.get(f"/projects/{pid}/untyped-spans").get_data(as_text=True)) == []


def test_home_page_tells_annotators_what_to_fix(app, db, world) -> None:
    pid, b1 = world["project"].id, world["batch"].id
    for name, n in (("ann0", 5), ("ann1", 1)):
        client = client_for(app, name)
        for url in ("/projects/", f"/projects/{pid}"):
            html = client.get(url).get_data(as_text=True)
            note = html.split('class="untyped-note"', 1)[1].split("</p>", 1)[0]
            assert f'href="/projects/{pid}/untyped-spans?batch={b1}"' in note
            assert f'EVENT spans without an event type: <span class="untyped-count">{n}</span>' \
                in note
    assert "untyped-note" not in client_for(app, "outsider").get("/projects/").get_data(
        as_text=True)


def test_typing_the_event_through_the_editor_api_clears_the_count(app, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=1, articles=1)
    pid = data["project"].id
    sid = db.session.scalar(select(Assignment.sentence_id).order_by(Assignment.position))
    client = client_for(app, "ann0")
    state = client.get(f"/api/sentences/{sid}/annotation").json
    span = {"start": 0, "end": 6, "label": "EVENT", "attributes": {}}
    r = client.put(f"/api/sentences/{sid}/annotation", headers=api_headers(client),
                   json={"spans": [span], "status": "in_progress", "version": state["version"]})
    assert r.status_code == 200
    assert untyped.count_untyped(db.session, pid) == 1
    assert "EVENT spans without an event type" in client.get("/projects/").get_data(as_text=True)
    typed = {**span, "attributes": {"event_type": "air_drone_strike"}}
    r = client.put(f"/api/sentences/{sid}/annotation", headers=api_headers(client),
                   json={"spans": [typed], "status": "done", "version": r.json["version"]})
    assert r.status_code == 200
    db.session.expire_all()
    assert untyped.count_untyped(db.session, pid) == 0
    assert untyped.untyped_counts(db.session, pid) == {}
    assert "untyped-note" not in client.get("/projects/").get_data(as_text=True)


def test_a_schema_without_expected_attributes_counts_nothing(app, db) -> None:
    make_user(db.session, "admin1", "admin")
    project = create_project(db.session, "Plain", {"name": "plain", "labels": [{"key": "THING"}]})
    db.session.commit()
    assert untyped.count_untyped(db.session, project.id) == 0
    assert untyped.untyped_counts(db.session, project.id) == {}
    admin = client_for(app, "admin1")
    assert 'id="untyped-total"' not in admin.get(f"/projects/{project.id}/dashboard").get_data(
        as_text=True)
    page = admin.get(f"/projects/{project.id}/untyped-spans")
    assert page.status_code == 200 and b"asks for no attribute" in page.data


def test_a_project_without_batches_shows_the_count_on_its_card(app, db) -> None:
    """Annotating without batches (as in the demo), the project card carries the count and
    links to the annotator's own list; nobody else's spans count in it."""
    make_user(db.session, "admin1", "admin")
    me, other = make_user(db.session, "ann0"), make_user(db.session, "ann1")
    project = create_project(db.session, "Free")
    add_members(db.session, project, me, other)
    make_articles(db.session, project, 1)
    db.session.commit()
    first, second = sentences_of(db, project.id, "Article 0")[:2]
    annotate(db, me, first, [("EVENT", {}), ("ACTOR", None)])
    annotate(db, me, second, [("EVENT", TYPED)], status="done")
    annotate(db, other, first, [("EVENT", {})])
    db.session.commit()
    assert untyped.count_untyped(db.session, project.id, user_id=me.id) == 1
    assert untyped.count_untyped(db.session, project.id) == 2

    client = client_for(app, "ann0")
    html = client.get("/projects/").get_data(as_text=True)
    note = html.split('class="untyped-note"', 1)[1].split("</p>", 1)[0]
    assert f'href="/projects/{project.id}/untyped-spans?annotator=ann0"' in note
    assert 'EVENT spans without an event type: <span class="untyped-count">1</span>' in note
    listed = client.get(f"/projects/{project.id}/untyped-spans?annotator=ann0")
    assert listed.status_code == 200
    assert list_rows(listed.get_data(as_text=True)) == [(first, "ann0")]
    # Someone who has not annotated here sees no note.
    make_user(db.session, "ann2")
    db.session.commit()
    assert "untyped-note" not in client_for(app, "ann2").get("/projects/").get_data(as_text=True)
