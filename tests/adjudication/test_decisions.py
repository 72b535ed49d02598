"""Deciding a conflict: a version, none, edited spans; stale and repeated decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.decisions import decide
from annotator.adjudication.models import GoldDecision
from annotator.adjudication.queries import get_gold
from annotator.adjudication.requests import DecisionIn
from annotator.audit.models import AuditEvent
from annotator.errors import Conflict, Forbidden, Invalid
from tests.adjudication.conftest import annotator_rows, counts, open_conflicts, pick_for, span_of


def test_picking_a_version_makes_curator_gold_and_closes_the_sentence(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    annotations_before = annotator_rows(db)
    gold, outcome, (conflict,) = open_conflicts(db, s1)
    assert conflict.kind == "missed"
    saved = decide(
        db.session, scene["curator"], s1.id,
        DecisionIn(conflict.start, conflict.end, "version", gold.version,
                   pick=pick_for(s1.id, outcome, "ann0"), reason="annotator_error",
                   note="post is a place"),
    )
    db.session.commit()
    assert saved.status == "complete" and saved.version == gold.version
    p1 = s1.text.index("post 1")
    row = next(s for s in get_gold(db.session, s1.id).spans if s.start == p1)
    assert (row.label, row.source, row.votes, row.voters, row.annotators) == (
        "LOCATION", "curator", 1, 3, ["ann0"])
    assert (row.curator_id, row.reason, row.note) == (
        scene["curator"].id, "annotator_error", "post is a place")
    decision = db.session.scalar(select(GoldDecision))
    assert (decision.kind, decision.choice, decision.annotators, decision.curator_id) == (
        "missed", "version", ["ann0"], scene["curator"].id)
    gold = get_gold(db.session, s1.id)
    assert gold.closed_by_id == scene["curator"].id and gold.closed_at is not None
    assert annotator_rows(db) == annotations_before  # annotators' own work is untouched
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decide")).one()
    assert event.target == "gold" and event.actor_id == scene["curator"].id
    assert len(event.after["spans"]) == len(event.before["spans"]) + 1


def test_keep_none_and_stale_or_repeated_decisions(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    gold, outcome, conflicts = open_conflicts(db, s1)
    first, second = conflicts
    v = gold.version
    before = counts(db)
    with pytest.raises(Conflict) as stale:
        decide(db.session, scene["curator"], s1.id,
               DecisionIn(first.start, first.end, "none", v - 1))
    assert stale.value.details["current"]["version"] == v
    assert counts(db) == before
    with pytest.raises(Invalid):
        decide(db.session, scene["curator"], s1.id,
               DecisionIn(first.start, first.end, "version", v,
                                   pick=4))
    with pytest.raises(Conflict):  # not a conflict region
        decide(db.session, scene["curator"], s1.id,
               DecisionIn(first.start, first.end + 1, "none", v))
    assert counts(db) == before
    saved = decide(db.session, scene["curator"], s1.id,
                   DecisionIn(first.start, first.end, "none", v))
    db.session.commit()
    assert saved.status == "partial" and saved.version == v + 1
    assert not any(s.start < first.end and first.start < s.end
                   for s in get_gold(db.session, s1.id).spans)
    with pytest.raises(Conflict):  # already decided
        decide(db.session, scene["curator"], s1.id,
               DecisionIn(first.start, first.end, "none", saved.version))
    saved = decide(
        db.session, scene["curator"], s1.id,
        DecisionIn(second.start, second.end, "none", saved.version))
    db.session.commit()
    assert saved.status == "complete"
    with pytest.raises(Conflict):  # closed
        decide(db.session, scene["curator"], s1.id,
               DecisionIn(second.start, second.end, "none", saved.version))


def test_edited_spans_must_stay_inside_the_region(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s0 = scene["s0"]
    gold, _, (conflict,) = open_conflicts(db, s0)
    text = s0.text
    with pytest.raises(Invalid) as outside:
        decide(db.session, scene["curator"], s0.id, DecisionIn(
            conflict.start, conflict.end, "edited", gold.version,
            spans=[span_of(text, "village of Kafr 0", "LOCATION")]))
    assert outside.value.details["spans"][0]["index"] == 0
    with pytest.raises(Invalid):
        decide(db.session, scene["curator"], s0.id, DecisionIn(
            conflict.start, conflict.end, "edited", gold.version,
            spans=[{"start": 0, "end": 3, "label": "NOPE"}]))
    saved = decide(db.session, scene["curator"], s0.id, DecisionIn(
        conflict.start, conflict.end, "edited", gold.version,
        spans=[span_of(text, "Kafr", "LOCATION")], reason="guideline_gap"))
    db.session.commit()
    k = text.index("Kafr")
    row = next(s for s in get_gold(db.session, s0.id).spans if s.start == k)
    assert (row.end, row.source, row.votes, row.annotators, row.reason) == (
        k + 4, "curator", 0, [], "guideline_gap")
    assert saved.status == "complete"


def test_annotators_cannot_decide(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    gold, _, (conflict,) = open_conflicts(db, scene["s1"])
    with pytest.raises(Forbidden):
        decide(db.session, scene["annotators"][0], scene["s1"].id,
               DecisionIn(conflict.start, conflict.end, "none", gold.version))
