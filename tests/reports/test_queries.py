"""The dashboard's reads keep their values in the one cache, valid only while the input holds."""

from __future__ import annotations

from annotator import caching
from annotator.agreement import agreement_report
from annotator.reports import queries
from annotator.reports.input import agreement_columns, agreement_fingerprint
from tests.reports.conftest import annotate, span_of


def test_cached_report_peeks_and_never_computes(app, db, world) -> None:
    scope = queries.Scope(world["project"])
    assert queries.cached_report(db.session, scope, bootstrap=10) is None
    report = queries.get_report(db.session, scope, bootstrap=10)
    assert queries.cached_report(db.session, scope, bootstrap=10) is report
    assert queries.get_report(db.session, scope, bootstrap=10) is report
    assert queries.cached_report(db.session, scope, bootstrap=20) is None  # another key
    ann1, s = world["annotators"][1], world["sentences"]
    annotate(db.session, ann1, s[1].id, [span_of(s[1].text, "rebels", "ACTOR")])
    db.session.commit()
    assert queries.cached_report(db.session, scope, bootstrap=10) is None  # stale: not served
    assert queries.get_report(db.session, scope, bootstrap=10) is not report


def test_label_agreement_is_the_reports_and_follows_the_input(app, db, world) -> None:
    project = world["project"]
    figures, source = queries.label_agreement_for(db.session, project.id)
    assert source == queries.AGREEMENT_SOURCE
    report = agreement_report(agreement_columns(db.session, project.id))
    assert figures == {lb: b.span_f1.value for lb, b in report.per_label.items()
                       if b.span_f1.value is not None}
    key = (str(db.session.get_bind().url), project.id)
    held = caching.peek("label-agreement", key, agreement_fingerprint(db.session, project))
    assert held == (figures, source)
    # ann1's UNIT on s1 becomes ACTOR: every pair now agrees on s1, ACTOR's F1 goes up.
    ann1, s = world["annotators"][1], world["sentences"]
    annotate(db.session, ann1, s[1].id, [span_of(s[1].text, "rebels", "ACTOR")])
    db.session.commit()
    after, _ = queries.label_agreement_for(db.session, project.id)
    assert after["ACTOR"] > figures["ACTOR"]
    assert queries.label_agreement_for(db.session, 999_999) == ({}, queries.AGREEMENT_SOURCE)


def test_excluding_a_sentence_changes_the_fingerprint(app, db, world) -> None:
    project, s = world["project"], world["sentences"]
    before = agreement_fingerprint(db.session, project)
    assert agreement_fingerprint(db.session, project) == before
    s[1].excluded = True
    db.session.commit()
    assert agreement_fingerprint(db.session, project) != before
