"""The agreement dashboard: the library's numbers on the page, drill-down, downloads, edge cases."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from typing import Any

import pytest
from markupsafe import escape

from annotator.agreement import DISAGREEMENT_KINDS, agreement_report
from annotator.assignments.services import create_batch
from annotator.projects.models import Project
from annotator.reports.input import agreement_items
from tests.conftest import login
from tests.factories import make_document, make_project, make_user
from tests.reports.conftest import annotate, sentences_of, span_of

BOOTSTRAP = 50  # set on the app by tests/reports/conftest.py


def expected_report(db, project_id: int, batch_id: int | None = None) -> dict[str, Any]:
    """The library's report on the same data, computed independently of the page."""
    items = list(agreement_items(db.session, project_id, batch_id=batch_id))
    if batch_id is not None:
        for item in items:
            item.pop("group")
    project = db.session.get(Project, project_id)
    return agreement_report(items, schema=project.schema, bootstrap=BOOTSTRAP, seed=0).to_json()


def admin_client(app, name: str = "admin1"):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def attrs(html: str, tag_class: str, *names: str) -> list[dict[str, str]]:
    """The data-* attributes of every element whose class attribute starts with tag_class."""
    out = []
    for tag in re.findall(r"<(?:rect|tr|g)\b[^>]*>", html):
        cls = re.search(r'class="([^"]*)"', tag)
        if not cls or not cls.group(1).startswith(tag_class):
            continue
        found = dict(re.findall(r'\s(data-[a-z]+)="([^"]*)"', tag))
        out.append({n: unescape(found[n]) for n in names if n in found})
    return out


def value(text: str) -> float | None:
    return None if text == "" else float(text)


def drill(client, project_id: int, **params: Any):
    return client.get(f"/projects/{project_id}/agreement/disagreements", query_string=params)


def drilled(response) -> tuple[list[int], list[str]]:
    """(sentence ids listed, kinds of the disagreements listed) of a drill-down page."""
    html = response.get_data(as_text=True)
    ids = [int(x) for x in re.findall(r'class="card drill-sentence" data-sentence="(\d+)"', html)]
    kinds = re.findall(r'<li data-kind="([a-z_]+)">', html)
    return ids, kinds


# --- the dashboard -----------------------------------------------------------------------------


def test_page_shows_the_librarys_figures(app, db, world) -> None:
    pid = world["project"].id
    expected = expected_report(db, pid)
    response = admin_client(app).get(f"/projects/{pid}/agreement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    summary = {}
    for tr in re.findall(r'<tr data-figure="([^"]+)" data-value="([^"]*)">', html):
        summary[tr[0]] = value(tr[1])
    overall = expected["overall"]
    assert summary["krippendorff_alpha"] == overall["krippendorff_alpha"]
    assert summary["fleiss_kappa"] == overall["fleiss_kappa"]
    assert summary["cohen_kappa"] == overall["cohen_kappa"]
    assert summary["span_f1"] == overall["span_f1"]
    assert summary["span_f1_partial"] == overall["span_f1_partial"]
    assert summary["unitizing_alpha"] == overall["unitizing_alpha"]
    assert summary["inside_spans.krippendorff_alpha"] == (
        overall["inside_spans"]["krippendorff_alpha"])
    assert summary["event_type.hierarchical_agreement"] == (
        overall["event_type"]["hierarchical_agreement"])
    lo, hi = overall["ci"]["krippendorff_alpha"]
    assert f"{lo:.3f} – {hi:.3f}" in html
    lo, hi = overall["ci"]["span_f1"]
    assert f"{lo:.3f} – {hi:.3f}" in html
    for line in expected["reading"]:
        assert f"<li>{escape(line)}</li>" in html
    for warning in expected["warnings"]:
        assert f"<li>{escape(warning)}</li>" in html

    # heatmap: every off-diagonal cell carries its pair's kappa (both orientations)
    cells = attrs(html, "cell", "data-row", "data-col", "data-value")
    heat = {(c["data-row"], c["data-col"]): value(c["data-value"])
            for c in cells if "data-value" in c}
    assert len(heat) == 6
    for pair in expected["per_pair"]:
        a, b = pair["annotators"]
        assert heat[(a, b)] == heat[(b, a)] == pair["cohen_kappa"]

    # per-label bars
    bars = attrs(html, "bar-group", "data-label", "data-metric", "data-value")
    role_bars = [b for b in bars if b["data-label"] in expected["roles"]]
    assert len(role_bars) == 3 * len(expected["roles"])  # the event-frame section's bars
    for bar in role_bars:
        assert value(bar["data-value"]) == expected["per_role"][bar["data-label"]][
            bar["data-metric"]]
    bars = [b for b in bars if b["data-label"] in expected["labels"]]
    assert len(bars) == 4 * len(expected["labels"])
    for bar in bars:
        assert value(bar["data-value"]) == expected["per_label"][bar["data-label"]][
            bar["data-metric"]]

    # stacked disagreement bars, per label and per pair
    segments = attrs(html, "segment kind-", "data-row", "data-kind", "data-count")
    got = {(s["data-row"], s["data-kind"]): int(s["data-count"]) for s in segments
           if "data-row" in s}  # (legend swatches carry no data)
    want = {("all labels", k): n for k, n in overall["disagreements"].items() if n}
    for label, block in expected["per_label"].items():
        want.update({(label, k): n for k, n in block["disagreements"].items() if n})
    for pair in expected["per_pair"]:
        want.update({(" / ".join(pair["annotators"]), k): n
                     for k, n in pair["disagreements"].items() if n})
    assert got == want
    assert got[("ann0 / ann2", "missed")] == 1 and got[("ann1 / ann2", "subtype_only")] == 1

    # confusion matrix: every cell
    conf = {(c["data-row"], c["data-col"]): int(c["data-count"])
            for c in attrs(html, "cell ", "data-row", "data-col", "data-count")
            if "data-count" in c}
    names = expected["confusion"]["labels"]
    assert conf == {(names[i], names[j]): expected["confusion"]["spans"][i][j]
                    for i in range(len(names)) for j in range(len(names))}
    assert conf[("ACTOR", "UNIT")] == 2 and conf[("LOCATION", "O")] == 2

    # annotators: finished sentences and spans per label
    rows = re.findall(r'<tr data-annotator="(ann\d)"><td>ann\d</td><td class="num">(\d+)</td>',
                      html)
    assert dict(rows) == {a: str(n) for a, n in
                          expected["counts"]["annotations_per_annotator"].items()}
    assert dict(rows)["ann1"] == "5"  # its sixth sentence is only in progress

    # per batch
    batch = world["batch"]
    assert f'<tr data-batch="{batch.id}">' in html
    assert re.search(r'<svg class="chart heatmap"', html)
    assert re.search(r'<svg class="chart label-bars"', html)
    assert re.search(r'<svg class="chart stacked" id="label-breakdown"', html)
    assert re.search(r'<svg class="chart confusion"', html)


def test_heatmap_metric_can_be_chosen(app, db, world) -> None:
    pid = world["project"].id
    expected = expected_report(db, pid)
    client = admin_client(app)
    for metric in ("span_f1", "span_f1_partial", "unitizing_alpha"):
        html = client.get(f"/projects/{pid}/agreement?metric={metric}").get_data(as_text=True)
        cells = attrs(html, "cell", "data-row", "data-col", "data-value")
        heat = {(c["data-row"], c["data-col"]): value(c["data-value"])
                for c in cells if "data-value" in c}
        for pair in expected["per_pair"]:
            assert heat[tuple(pair["annotators"])] == pair[metric]
    assert client.get(f"/projects/{pid}/agreement?metric=bogus").status_code == 400


def test_page_follows_new_annotations(app, db, world) -> None:
    """The cached report is recomputed once an annotation changes."""
    pid = world["project"].id
    client = admin_client(app)
    before = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    assert "6 sentences with a finished annotation" in before
    s = world["sentences"]
    ann0, ann1 = world["annotators"][:2]
    annotate(db.session, ann1, s[1].id, [span_of(s[1].text, "rebels", "ACTOR")])  # now agrees
    annotate(db.session, ann0, s[6].id, [])
    db.session.commit()
    after = client.get(f"/projects/{pid}/agreement").get_data(as_text=True)
    assert "7 sentences with a finished annotation" in after
    summary = dict(re.findall(r'<tr data-figure="([^"]+)" data-value="([^"]*)">', after))
    assert float(summary["krippendorff_alpha"]) == expected_report(db, pid)["overall"][
        "krippendorff_alpha"]
    ids, _ = drilled(drill(client, pid, label="UNIT"))
    assert ids == []


def test_batch_page_covers_only_the_batch(app, db, world) -> None:
    pid, batch = world["project"].id, world["batch"]
    client = admin_client(app)
    response = client.get(f"/batches/{batch.id}/agreement")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{pid}/agreement?batch={batch.id}")
    html = client.get(f"/projects/{pid}/agreement?batch={batch.id}").get_data(as_text=True)
    expected = expected_report(db, pid, batch.id)
    summary = dict(re.findall(r'<tr data-figure="([^"]+)" data-value="([^"]*)">', html))
    assert float(summary["span_f1"]) == expected["overall"]["span_f1"]
    assert f"batch {batch.name}" in html
    data = json.loads(client.get(f"/projects/{pid}/agreement.json?batch={batch.id}").data)
    assert data == expected


def test_batch_of_another_project_or_bad_id_is_refused(app, db, world) -> None:
    pid = world["project"].id
    other = make_project(db.session, "Other project")
    make_document(db.session, other)
    alone = make_user(db.session, "solo")
    db.session.commit()
    foreign = create_batch(db.session, other.id, source="remaining", annotators=["solo"],
                           overlap=1, seed=1, created_by=world["admin"]).batch
    db.session.commit()
    assert alone.id
    client = admin_client(app)
    for url in (f"/projects/{pid}/agreement", f"/projects/{pid}/agreement.csv",
                f"/projects/{pid}/agreement/disagreements"):
        assert client.get(f"{url}?batch={foreign.id}").status_code == 404
        assert client.get(f"{url}?batch=99999").status_code == 404
        response = client.get(f"{url}?batch=abc")
        assert response.status_code == 400
        assert "batch must be a batch id" in response.get_data(as_text=True)
    response = client.get(f"/projects/{pid}/agreement.json?batch=-1")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert client.get("/batches/99999/agreement").status_code == 404


# --- drill-down --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "sentences", "kinds"),
    [
        ({"pair": ["ann0", "ann1"]}, [1, 2, 3], ["label_only", "boundary_only", "subtype_only"]),
        ({"pair": ["ann1", "ann0"]}, [1, 2, 3], ["label_only", "boundary_only", "subtype_only"]),
        ({"pair": ["ann0", "ann2"]}, [2], ["missed"]),
        ({"pair": ["ann1", "ann2"]}, [1, 2, 3], ["label_only", "missed", "subtype_only"]),
        ({"label": "UNIT"}, [1], ["label_only", "label_only"]),
        ({"label": "ACTOR"}, [1], ["label_only", "label_only"]),
        ({"label": "LOCATION"}, [2], ["boundary_only", "missed", "missed"]),
        ({"label": "EVENT"}, [3], ["subtype_only", "subtype_only"]),
        ({"label": "NOPE"}, [], []),
        ({"kind": "missed"}, [2], ["missed", "missed"]),
        ({"kind": "boundary_only"}, [2], ["boundary_only"]),
        ({"kind": "label_and_boundary"}, [], []),
        ({"label": "LOCATION", "kind": "missed"}, [2], ["missed", "missed"]),
        ({"pair": ["ann0", "ann1"], "kind": "subtype_only"}, [3], ["subtype_only"]),
        ({"cell": ["ACTOR", "UNIT"]}, [1], ["label_only", "label_only"]),
        ({"cell": ["UNIT", "ACTOR"]}, [1], ["label_only", "label_only"]),
        ({"cell": ["O", "LOCATION"]}, [2], ["missed", "missed"]),
        ({"cell": ["EVENT", "EVENT"]}, [3], ["subtype_only", "subtype_only"]),
        ({"cell": ["ACTOR", "ACTOR"]}, [], []),
        ({}, [1, 2, 3], ["label_only", "label_only", "boundary_only", "missed", "missed",
                         "subtype_only", "subtype_only"]),
    ],
)
def test_drill_down_lists_exactly_the_disagreeing_sentences(app, db, world, params, sentences,
                                                            kinds) -> None:
    ids = [s.id for s in world["sentences"]]
    response = drill(admin_client(app), world["project"].id, **params)
    assert response.status_code == 200
    got_ids, got_kinds = drilled(response)
    assert got_ids == [ids[i] for i in sentences]
    assert sorted(got_kinds) == sorted(kinds)


def test_drill_down_counts_match_the_charts(app, db, world) -> None:
    """Every bar segment's count is the number of disagreements its drill-down lists."""
    pid = world["project"].id
    expected = expected_report(db, pid)
    client = admin_client(app)
    for label, block in expected["per_label"].items():
        for kind in DISAGREEMENT_KINDS:
            _, kinds = drilled(drill(client, pid, label=label, kind=kind))
            assert len(kinds) == block["disagreements"][kind], (label, kind)
    for pair in expected["per_pair"]:
        for kind in DISAGREEMENT_KINDS:
            _, kinds = drilled(drill(client, pid, pair=pair["annotators"], kind=kind))
            assert len(kinds) == pair["disagreements"][kind], (pair["annotators"], kind)
    names = expected["confusion"]["labels"]
    for i, row in enumerate(names):
        for j, col in enumerate(names):
            if i != j:
                _, kinds = drilled(drill(client, pid, cell=[row, col]))
                assert len(kinds) == expected["confusion"]["spans"][i][j], (row, col)


def test_drill_down_shows_both_annotators_spans_and_links(app, db, world) -> None:
    s = world["sentences"]
    html = drill(admin_client(app), world["project"].id, pair=["ann0", "ann1"],
                 kind="boundary_only").get_data(as_text=True)
    assert re.findall(r'<tr data-annotator="([^"]+)">', html) == ["ann0", "ann1"]
    assert '>village of Kafr 0</mark>' in html and '>Kafr 0</mark>' in html
    assert html.count('class="span disputed"') == 2
    assert f'href="/sentences/{s[2].id}"' in html
    assert f'href="/sentences/{s[2].id}/history"' in html
    assert "1 disagreement in 1 sentence" in html


def test_drill_down_is_paginated(app, db) -> None:
    from tests.factories import prepare_batch

    data = prepare_batch(db.session, k=2, annotators=2, articles=7)  # 28 sentences
    pid = data["project"].id
    ann0, ann1 = data["annotators"]
    sentences = sentences_of(db.session, pid)
    for s in sentences:
        annotate(db.session, ann0, s.id, [span_of(s.text, "rebels", "ACTOR")])
        annotate(db.session, ann1, s.id, [])
    db.session.commit()
    client = admin_client(app)
    first, _ = drilled(drill(client, pid, kind="missed"))
    second, _ = drilled(drill(client, pid, kind="missed", page=2))
    assert len(first) == 20 and len(second) == 8
    assert first + second == [s.id for s in sentences]
    page = drill(client, pid, kind="missed").get_data(as_text=True)
    assert "28 disagreements in 28 sentences · page 1 of 2" in page
    assert 'rel="next" href="/projects/%d/agreement/disagreements?kind=missed&amp;page=2"' % (
        pid) in page
    assert drilled(drill(client, pid, kind="missed", page=99))[0] == second


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "bogus"}, "kind must be one of"),
        ({"pair": "ann0"}, "pair takes exactly two values"),
        ({"pair": ["ann0", "ann0"]}, "two different annotators"),
        ({"cell": ["ACTOR", "UNIT", "O"]}, "cell takes exactly two values"),
        ({"label": "X" * 300}, "label is too long"),
    ],
)
def test_drill_down_refuses_bad_filters(app, db, world, params, message) -> None:
    response = drill(admin_client(app), world["project"].id, **params)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))


# --- downloads ---------------------------------------------------------------------------------


def test_json_download_is_the_librarys_report(app, db, world) -> None:
    pid = world["project"].id
    response = admin_client(app).get(f"/projects/{pid}/agreement.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="agreement-project{pid}.json"')
    assert json.loads(response.data) == expected_report(db, pid)


def test_csv_download_has_one_row_per_figure(app, db, world) -> None:
    pid = world["project"].id
    expected = expected_report(db, pid)
    response = admin_client(app).get(f"/projects/{pid}/agreement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["scope", "subject", "name", "value", "ci_low", "ci_high", "n",
                             "n_of", "reason"]
    table = {(r["scope"], r["subject"], r["name"]): r for r in rows}
    assert len(table) == len(rows)  # no figure twice

    def check(key: tuple[str, str, str], val: float | None, ci: list[float] | None = None,
              reason: str = "") -> None:
        row = table[key]
        assert value(row["value"]) == val, key
        assert (value(row["ci_low"]), value(row["ci_high"])) == (tuple(ci) if ci else
                                                                 (None, None)), key
        assert row["reason"] == reason, key

    ov = expected["overall"]
    for name in ("krippendorff_alpha", "span_f1"):
        check(("overall", "", name), ov[name], ov["ci"][name])
    for name in ("fleiss_kappa", "cohen_kappa", "span_f1_partial", "unitizing_alpha"):
        check(("overall", "", name), ov[name])
    assert table[("overall", "", "krippendorff_alpha")]["n"] == str(
        expected["counts"]["tokens_compared"])
    assert table[("overall", "", "unitizing_alpha")]["n_of"] == "sentences"
    for kind, n in ov["disagreements"].items():
        assert int(table[("overall", "", f"disagreements.{kind}")]["value"]) == n
    for label, block in expected["per_label"].items():
        for name in ("krippendorff_alpha", "span_f1"):
            check(("label", label, name), block[name], block["ci"][name],
                  block["undefined"].get(name, ""))
        for name in ("cohen_kappa", "fleiss_kappa", "span_f1_partial", "unitizing_alpha"):
            check(("label", label, name), block[name], None, block["undefined"].get(name, ""))
        assert table[("label", label, "span_f1")]["n"] == str(block["spans_compared"])
    for pair in expected["per_pair"]:
        subject = " / ".join(pair["annotators"])
        for name in ("cohen_kappa", "span_f1", "precision", "recall", "span_f1_partial",
                     "unitizing_alpha"):
            check(("pair", subject, name), pair[name], None, pair["undefined"].get(name, ""))
    for group in expected["per_group"]:
        check(("batch", str(group["group"]), "krippendorff_alpha"),
              group["overall"]["krippendorff_alpha"],
              (group["overall"].get("ci") or {}).get("krippendorff_alpha"))
    # an undefined figure: empty value, its reason given
    undefined = [r for r in rows if r["value"] == ""]
    assert undefined and all(r["reason"] for r in undefined)


# --- edge cases and hostile text ---------------------------------------------------------------


def test_no_annotations_yet(app, db) -> None:
    from tests.factories import prepare_batch

    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    pid = data["project"].id
    client = admin_client(app)
    response = client.get(f"/projects/{pid}/agreement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing to measure yet" in html
    assert "undefined" in html
    assert json.loads(client.get(f"/projects/{pid}/agreement.json").data) == (
        expected_report(db, pid))
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/projects/{pid}/agreement.csv").get_data(as_text=True))))
    assert rows and all(r["value"] == "" for r in rows if not r["name"].startswith("disagree"))
    response = drill(client, pid, kind="missed")
    assert response.status_code == 200
    assert "No sentence has such a disagreement" in response.get_data(as_text=True)


def test_one_annotator_only_shows_undefined_figures_with_their_reason(app, db) -> None:
    from tests.factories import prepare_batch

    data = prepare_batch(db.session, k=1, annotators=1, articles=1)
    pid = data["project"].id
    (ann0,) = data["annotators"]
    for s in sentences_of(db.session, pid)[:3]:
        annotate(db.session, ann0, s.id, [span_of(s.text, "rebels", "ACTOR")])
    db.session.commit()
    client = admin_client(app)
    response = client.get(f"/projects/{pid}/agreement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    summary = dict(re.findall(r'<tr data-figure="([^"]+)" data-value="([^"]*)">', html))
    assert summary["krippendorff_alpha"] == "" and summary["span_f1"] == ""
    assert "only one annotator: nothing to compare" in html
    assert "only one annotator: agreement needs two or more" in html  # the warning
    assert "No pair of annotators to compare yet." in html
    assert client.get(f"/projects/{pid}/agreement.csv").status_code == 200
    assert drill(client, pid, label="ACTOR").status_code == 200


HOSTILE = ('Rebels <script>window.__x=1</script> & <img src=x onerror="alert(1)"> '
           'attacked "Kamdesh" today.')


def test_hostile_sentence_text_and_names_are_escaped(app, db) -> None:
    admin = make_user(db.session, "admin1", "admin")
    evil = make_user(db.session, '<b onmouseover="x()">eve</b>')
    bob = make_user(db.session, "bob")
    project = make_project(db.session, "Hostile")
    make_document(db.session, project, title="<i>t</i>", text=HOSTILE)
    db.session.commit()
    create_batch(db.session, project.id, source="remaining", annotators=[evil.username, "bob"],
                 overlap=2, seed=3, created_by=admin)
    db.session.commit()
    (sentence,) = sentences_of(db.session, project.id)
    annotate(db.session, evil, sentence.id, [span_of(sentence.text, "<script>", "ACTOR")])
    annotate(db.session, bob, sentence.id, [span_of(sentence.text, "Kamdesh", "LOCATION")])
    db.session.commit()
    client = admin_client(app)
    for response in (client.get(f"/projects/{project.id}/agreement"),
                     drill(client, project.id, kind="missed")):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<script>window" not in html and "<img" not in html and "<b " not in html
        assert 'onmouseover="x()"' not in html
        assert "&lt;b onmouseover=&#34;x()&#34;&gt;eve&lt;/b&gt;" in html
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html
    assert '&lt;img src=x onerror=&#34;alert(1)&#34;&gt;' in html
    assert ">&lt;script&gt;</mark>" in html  # the span itself, still text
    ids, kinds = drilled(drill(client, project.id, pair=[evil.username, "bob"]))
    assert ids == [sentence.id] and kinds == ["missed", "missed"]
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/projects/{project.id}/agreement.csv").get_data(as_text=True))))
    # no cell starts a spreadsheet formula; the pair's name is kept, as text
    assert any(r["subject"] == f"{evil.username} / bob" for r in rows)
