"""Event-frame agreement from the database: relations read with the spans (both roads), the
page's section, the CSV's role rows, the drill-down of argument disagreements and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.agreement import agreement_report
from annotator.cli import main
from annotator.projects.models import Project
from annotator.reports.input import agreement_columns, agreement_items
from tests.factories import prepare_batch
from tests.reports.conftest import annotate, sentences_of, span_of
from tests.reports.test_views import BOOTSTRAP, admin_client, drill


def link(text: str, head: str, child: str, role: str) -> dict[str, Any]:
    h, c = text.index(head), text.index(child)
    return {"head": {"start": h, "end": h + len(head)},
            "child": {"start": c, "end": c + len(child)}, "role": role}


@pytest.fixture
def frames(db) -> dict[str, Any]:
    """Three annotators, one frame on each of two sentences:

    s0  all three: "shelled" actor1 "rebels", location "Kafr 0"
    s1  the same, except that ann1 makes "rebels" actor2 (a wrong role in each of ann1's pairs)
    """
    data = prepare_batch(db.session, k=3, annotators=3, articles=1)
    s = sentences_of(db.session, data["project"].id)
    for i in (0, 1):
        t = s[i].text
        place = "Kafr 0"  # the article's sentences all name its village
        spans = [span_of(t, "rebels", "ACTOR"), span_of(t, "shelled", "EVENT"),
                 span_of(t, place, "LOCATION")]
        for k, who in enumerate(data["annotators"]):
            links = [link(t, "shelled", "rebels", "actor2" if (i, k) == (1, 1) else "actor1"),
                     link(t, "shelled", place, "location")]
            annotate(db.session, who, s[i].id, spans, relations=links)
    db.session.commit()
    return {**data, "sentences": s}


def test_relations_are_read_with_the_spans_on_both_roads(app, db, frames) -> None:
    project = frames["project"]
    items = list(agreement_items(db.session, project.id))
    assert [r["role"] for r in items[1]["relations"]["ann1"]] == ["actor2", "location"]
    from_items = agreement_report(items, schema=project.schema).to_json()
    from_columns = agreement_report(agreement_columns(db.session, project.id),
                                    schema=project.schema).to_json()
    assert json.dumps(from_items) == json.dumps(from_columns)
    ov = from_columns["overall"]
    # pairs with ann1: 3 of 4 arguments shared -> 2*3/8; ann0/ann2: all 4 -> 1
    assert ov["argument_f1"] == pytest.approx((0.75 + 0.75 + 1.0) / 3)
    assert ov["argument_disagreements"]["wrong_role"] == 4
    roles = from_columns["per_role"]
    assert roles["actor1"]["argument_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert roles["actor2"]["argument_f1"] == 0.0  # ann0 / ann2: undefined, left out
    assert roles["location"]["argument_f1"] == 1.0
    assert from_columns["counts"]["arguments"] == {"actor1": 5, "actor2": 1, "location": 6}


def test_page_csv_and_drill_down_show_the_frames(app, db, frames) -> None:
    pid = frames["project"].id
    client = admin_client(app)
    html = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    section = html[html.index('id="arguments"'):html.index('id="disagreements"')]
    assert 'id="role-bars"' in section and 'id="argument-breakdown"' in section
    role_rows = dict(re.findall(r'<tr data-role="([a-z0-9_]+)" data-value="([^"]*)"', section))
    assert {r: float(v) for r, v in role_rows.items()} == pytest.approx(
        {"actor1": 7 / 9, "actor2": 0.0, "location": 1.0})
    assert 'data-figure="argument_f1"' in html

    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/projects/{pid}/agreement.csv").get_data(as_text=True))))
    role = {(r["subject"], r["name"]): r for r in rows if r["scope"] == "role"}
    assert float(role[("location", "argument_f1")]["value"]) == 1.0
    assert role[("location", "argument_f1")]["n_of"] == "arguments"
    assert role[("actor1", "disagreements.wrong_role")]["value"] == "2"
    overall = {r["name"]: r for r in rows if r["scope"] == "overall"}
    assert overall["argument_f1"]["ci_low"] != ""  # bootstrap interval, as span F1's

    page = drill(client, pid, role="actor2", kind="wrong_role")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.findall(r'class="card drill-sentence" data-sentence="(\d+)"', text) == [
        str(frames["sentences"][1].id)]
    assert text.count('data-kind="wrong_role" data-role="actor2"') == 2  # ann1 vs ann0, ann2
    assert 'actor2</span> of “<span dir="auto">shelled</span>”' in text
    assert drill(client, pid, role="actor1", label="ACTOR").status_code == 400
    json_report = json.loads(client.get(f"/projects/{pid}/agreement.json").data)
    project = db.session.get(Project, pid)
    expected = agreement_report(list(agreement_items(db.session, pid)), schema=project.schema,
                                bootstrap=BOOTSTRAP, seed=0).to_json()
    assert json_report == expected


def test_cli_reports_argument_f1_from_a_project_and_a_file(app, db, frames, tmp_path) -> None:
    result = app.test_cli_runner().invoke(
        args=["agreement", "--project", frames["project"].name, "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["per_role"]["location"]["argument_f1"] == 1.0
    items = list(agreement_items(db.session, frames["project"].id))
    for item in items:
        item.pop("group")
    path = tmp_path / "frames.jsonl"
    path.write_text("\n".join(json.dumps(it) for it in items) + "\n", encoding="utf-8")
    table = CliRunner().invoke(main, ["agreement", "--input", str(path)])
    assert table.exit_code == 0, table.output
    assert re.search(r"^location\s+1\.000\s+1\.000\s+1\.000$", table.output, re.M)
    items[0]["relations"]["ann0"][0]["child"] = {"start": 0, "end": 3}
    path.write_text("\n".join(json.dumps(it) for it in items) + "\n", encoding="utf-8")
    bad = CliRunner().invoke(main, ["agreement", "--input", str(path)])
    assert bad.exit_code == 1
    assert "line 1: annotator 'ann0', relation 0: child [0, 3) is not one of" in bad.output
