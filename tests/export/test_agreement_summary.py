"""The export's agreement figures are the agreement library's, for the project's finished work."""

from __future__ import annotations

import json

import jsonschema

from annotator.agreement import agreement_report
from annotator.agreement.summary import summarize_report
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.export import services
from annotator.export.agreement_summary import AGREEMENT_BOOTSTRAP, agreement_summary
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from annotator.reports.input import agreement_items
from tests.export.gold_data import annotate, golden_project, sentences_of
from tests.export.test_schema import SCHEMA
from tests.factories import make_articles, make_project, make_user


def test_summary_repeats_the_librarys_figures_with_intervals(db) -> None:
    project = golden_project(db.session)["project"]
    summary = agreement_summary(db.session, project)
    # Recomputed here from the items, as the agreement dashboard does (200 replicates, seed 0).
    items = list(agreement_items(db.session, project.id))
    report = agreement_report(items, schema=project.schema, bootstrap=200, seed=0).to_json()
    assert summary["annotators"] == 3 and summary["sentences"] == 2
    assert summary["overall"]["krippendorff_alpha"]["value"] == report["overall"][
        "krippendorff_alpha"]
    assert summary["overall"]["span_f1"]["ci95"] == report["overall"]["ci"]["span_f1"]
    for label in ("ACTOR", "LOCATION", "UNIT", "EVENT"):
        mine, theirs = summary["labels"][label], report["per_label"][label]
        assert mine["krippendorff_alpha"]["value"] == theirs["krippendorff_alpha"]
        assert mine["krippendorff_alpha"]["ci95"] == theirs["ci"]["krippendorff_alpha"]
        lo, hi = mine["span_f1"]["ci95"]
        assert lo <= hi
    # Everyone agreed on ACTOR; b's LOCATION differs from a's and c's.
    assert summary["labels"]["ACTOR"]["krippendorff_alpha"]["value"] == 1.0
    assert summary["labels"]["LOCATION"]["krippendorff_alpha"]["value"] < 0.667
    assert summary["warnings"] == report["warnings"]
    jsonschema.validate({"$defs": SCHEMA["$defs"], **SCHEMA["$defs"]["agreement"]}, summary)
    # The same every time (seeded bootstrap): the card does not change between exports.
    assert agreement_summary(db.session, project) == summary


def test_the_export_uses_the_dashboards_bootstrap_and_report(db) -> None:
    from annotator.reports import views as dashboard
    from annotator.reports.queries import Scope, get_report

    assert AGREEMENT_BOOTSTRAP == dashboard.DEFAULT_BOOTSTRAP
    project = golden_project(db.session)["project"]
    report = get_report(db.session, Scope(project), bootstrap=dashboard.DEFAULT_BOOTSTRAP)
    assert agreement_summary(db.session, project) == summarize_report(report)


def test_no_summary_without_two_annotators_on_a_sentence(db) -> None:
    project = make_project(db.session, "Solo")
    make_articles(db.session, project, 1, sentences=2)
    alone = make_user(db.session, "alone")
    other = make_user(db.session, "other")
    first, second = sentences_of(db.session, project.id)
    assert agreement_summary(db.session, project) is None
    annotate(db.session, alone, first, [{"start": 0, "end": 6, "label": "ACTOR"}])
    annotate(db.session, other, second, [])
    annotate(db.session, other, first, [], status="in_progress")  # a draft does not count
    db.session.commit()
    assert agreement_summary(db.session, project) is None
    save_annotation(db.session, other, first.id, AnnotationIn([], "done", 1, 1.0), max_spent=60)
    db.session.commit()
    summary = agreement_summary(db.session, project)
    assert summary["sentences"] == 1 and summary["annotators"] == 2
    assert summary["labels"]["ACTOR"]["span_f1"]["value"] == 0.0


def test_card_and_gold_json_carry_the_summary(db) -> None:
    project = golden_project(db.session)["project"]
    prepared = services.prepare_export(db.session, project, parse_options("gold-json"))
    tally = make_tally(prepared.header)
    data = json.loads("".join(services.stream_export(db.session, prepared, tally)))
    alpha = data["agreement"]["labels"]["LOCATION"]["krippendorff_alpha"]
    line = next(x for x in data["card"].splitlines() if x.startswith("| LOCATION | "))
    assert line.startswith(f"| LOCATION | {alpha['value']:.3f} | [{alpha['ci95'][0]:.3f}, ")
    assert f"LOCATION: annotators agree poorly (alpha {alpha['value']:.3f} < 0.667)" in data["card"]
    assert services.build_card(db.session, prepared) == data["card"]
