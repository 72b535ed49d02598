"""Gold services: the automatic pass, decisions, the gold editor, close/reopen, restore."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.adjudication import services
from annotator.adjudication.conflicts import display_order
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldSpanRow
from annotator.adjudication.queries import (
    annotator_feedback,
    get_gold,
    gold_counts,
    list_queue,
    sentence_outcome,
)
from annotator.annotation.models import Annotation, SpanRow
from annotator.audit.models import AuditEvent
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.reports.input import agreement_columns, agreement_items
from tests.adjudication.conftest import annotate, span_of


def counts(db) -> tuple[int, int, int, int]:
    """Rows in gold_sentence, gold_span, gold_decision, and gold audit events."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (GoldSentence, GoldSpanRow, GoldDecision)
    ) + (db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.target == "gold")
    ),)


def annotator_rows(db) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(Annotation.id, Annotation.version, SpanRow.start, SpanRow.end, SpanRow.label)
        .join(SpanRow, SpanRow.annotation_id == Annotation.id).order_by(SpanRow.id)
    )]


@pytest.fixture
def scene(db, world):
    """Three sentences annotated by ann0..ann2:

    s0: everyone marks "rebels" ACTOR (unanimous) and "Kafr 0" LOCATION; ann2 marks it UNIT.
    s1: ann0 and ann1 mark "rebels" ACTOR, ann2 marks "rebels shelled" ACTOR (boundary);
        only ann0 marks "post 0" LOCATION (missed).
    s2: nobody marks anything.
    """
    a0, a1, a2 = world["annotators"]
    s0, s1, s2 = world["sentences"][:3]
    t0, t1 = s0.text, s1.text
    annotate(db.session, a0, s0.id, [span_of(t0, "rebels"), span_of(t0, "Kafr 0", "LOCATION")])
    annotate(db.session, a1, s0.id, [span_of(t0, "rebels"), span_of(t0, "Kafr 0", "LOCATION")])
    annotate(db.session, a2, s0.id, [span_of(t0, "rebels"), span_of(t0, "Kafr 0", "UNIT")])
    annotate(db.session, a0, s1.id, [span_of(t1, "rebels"), span_of(t1, "post 1", "LOCATION")])
    annotate(db.session, a1, s1.id, [span_of(t1, "rebels")])
    annotate(db.session, a2, s1.id, [span_of(t1, "rebels shelled")])
    for user in (a0, a1, a2):
        annotate(db.session, user, s2.id, [])
    db.session.commit()
    return {**world, "s0": s0, "s1": s1, "s2": s2}


def gold_of(db, sentence) -> list[tuple]:
    gold = get_gold(db.session, sentence.id)
    return sorted(
        (s.start, s.end, s.label, s.source, s.votes, s.voters, tuple(s.annotators))
        for s in gold.spans
    )


# ---------------------------------------------------------------------------- automatic pass


def test_majority_pass_accepts_agreed_spans_with_provenance(db, scene) -> None:
    result = services.auto_adjudicate(db.session, scene["project"].id, min_agree=2,
                                      actor=scene["admin"])
    db.session.commit()
    t0, t1 = scene["s0"].text, scene["s1"].text
    r0, k0 = t0.index("rebels"), t0.index("Kafr 0")
    assert gold_of(db, scene["s0"]) == [
        (r0, r0 + 6, "ACTOR", "unanimous", 3, 3, ("ann0", "ann1", "ann2")),
        (k0, k0 + 6, "LOCATION", "majority", 2, 3, ("ann0", "ann1")),
    ]
    r1 = t1.index("rebels")
    assert gold_of(db, scene["s1"]) == [
        (r1, r1 + 6, "ACTOR", "majority", 2, 3, ("ann0", "ann1")),
    ]
    # s1: the boundary dissent is outvoted; "post 1" (one vote) stays a missed conflict.
    assert get_gold(db.session, scene["s0"].id).status == "complete"
    assert get_gold(db.session, scene["s1"].id).status == "partial"
    assert get_gold(db.session, scene["s2"].id).status == "complete"
    assert get_gold(db.session, scene["s2"].id).spans == []
    assert (result.sentences, result.created, result.changed, result.accepted) == (3, 3, 3, 3)
    assert (result.closed, result.complete, result.open_conflicts) == (2, 2, 1)
    assert get_gold(db.session, scene["s1"].id).min_agree == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.target == "gold")).all()
    assert {(e.sentence_id, e.action, e.actor_id, e.before) for e in events} == {
        (s.id, "auto", scene["admin"].id, None) for s in (scene["s0"], scene["s1"], scene["s2"])
    }
    assert "3 sentences" in result.summary() and "1 open conflicts" in result.summary()


def test_rerunning_the_pass_changes_nothing(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    before = counts(db)
    versions = db.session.execute(select(GoldSentence.id, GoldSentence.version)).all()
    result = services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    assert result.changed == 0 and result.created == 0 and result.closed == 0
    assert result.kept_complete == 2 and result.open_conflicts == 1
    assert counts(db) == before
    assert db.session.execute(select(GoldSentence.id, GoldSentence.version)).all() == versions


def test_unanimity_leaves_every_difference_to_curators(db, scene) -> None:
    result = services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    t0 = scene["s0"].text
    r0 = t0.index("rebels")
    assert gold_of(db, scene["s0"]) == [(r0, r0 + 6, "ACTOR", "unanimous", 3, 3,
                                         ("ann0", "ann1", "ann2"))]
    assert get_gold(db.session, scene["s0"].id).status == "partial"
    assert result.open_conflicts == 3  # s0 label, s1 boundary and missed


def test_pass_is_scoped_to_a_batch(db, scene) -> None:
    from annotator.assignments.services import create_batch
    from annotator.corpus.models import Sentence
    from tests.factories import make_articles

    make_articles(db.session, scene["project"], 1, sentences=2, start=10)
    other = create_batch(db.session, scene["project"].id, source="remaining",
                         annotators=["ann0", "ann1"], overlap=2, seed=1)
    db.session.commit()
    new = db.session.scalars(select(Sentence).where(Sentence.id.not_in(
        [s.id for s in scene["sentences"]])).order_by(Sentence.id)).first()
    for user in scene["annotators"][:2]:
        annotate(db.session, user, new.id, [span_of(new.text, "rebels")])
    db.session.commit()
    result = services.auto_adjudicate(db.session, scene["project"].id,
                                      batch_id=other.batch.id, min_agree=2)
    assert (result.sentences, result.created, result.complete) == (1, 1, 1)
    assert db.session.scalars(select(GoldSentence.sentence_id)).all() == [new.id]


def test_sentences_with_too_few_annotators_are_left_alone(db, scene) -> None:
    a0 = scene["annotators"][0]
    s3 = scene["sentences"][3]
    annotate(db.session, a0, s3.id, [span_of(s3.text, "rebels")])
    db.session.commit()
    result = services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    assert result.too_few == 1 and get_gold(db.session, s3.id) is None
    solo = services.auto_adjudicate(db.session, scene["project"].id, min_agree=1)
    assert get_gold(db.session, s3.id).status == "complete"
    assert solo.too_few == 0


@pytest.mark.parametrize("bad", [0, -2, True, "2", 2.5, None])
def test_bad_min_agree_is_refused_and_nothing_changes(db, scene, bad) -> None:
    with pytest.raises(Invalid):
        services.auto_adjudicate(db.session, scene["project"].id, min_agree=bad)
    db.session.rollback()
    assert counts(db) == (0, 0, 0, 0)


def test_unknown_project_or_foreign_batch_is_not_found(db, scene) -> None:
    with pytest.raises(NotFound):
        services.auto_adjudicate(db.session, 9999, min_agree=2)
    with pytest.raises(NotFound):
        services.auto_adjudicate(db.session, scene["project"].id, batch_id=9999, min_agree=2)
    assert counts(db) == (0, 0, 0, 0)


# ---------------------------------------------------------------------------- decisions


def open_conflicts(db, sentence):
    gold = get_gold(db.session, sentence.id)
    outcome, decided, _ = sentence_outcome(db.session, sentence.id, gold)
    from annotator.adjudication.conflicts import is_open

    return gold, outcome, [c for c in outcome.conflicts if is_open(c, decided)]


def pick_for(sentence_id: int, outcome, name: str) -> int:
    return display_order(sentence_id, outcome.voters).index(name) + 1


def test_picking_a_version_makes_curator_gold_and_closes_the_sentence(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    annotations_before = annotator_rows(db)
    gold, outcome, (conflict,) = open_conflicts(db, s1)
    assert conflict.kind == "missed"
    saved = services.decide(
        db.session, scene["curator"], s1.id,
        services.DecisionIn(conflict.start, conflict.end, "version", gold.version,
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
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    gold, outcome, conflicts = open_conflicts(db, s1)
    first, second = conflicts
    v = gold.version
    before = counts(db)
    with pytest.raises(Conflict) as stale:
        services.decide(db.session, scene["curator"], s1.id,
                        services.DecisionIn(first.start, first.end, "none", v - 1))
    assert stale.value.details["current"]["version"] == v
    assert counts(db) == before
    with pytest.raises(Invalid):
        services.decide(db.session, scene["curator"], s1.id,
                        services.DecisionIn(first.start, first.end, "version", v,
                                            pick=4))
    with pytest.raises(Conflict):  # not a conflict region
        services.decide(db.session, scene["curator"], s1.id,
                        services.DecisionIn(first.start, first.end + 1, "none", v))
    assert counts(db) == before
    saved = services.decide(db.session, scene["curator"], s1.id,
                            services.DecisionIn(first.start, first.end, "none", v))
    db.session.commit()
    assert saved.status == "partial" and saved.version == v + 1
    assert not any(s.start < first.end and first.start < s.end
                   for s in get_gold(db.session, s1.id).spans)
    with pytest.raises(Conflict):  # already decided
        services.decide(db.session, scene["curator"], s1.id,
                        services.DecisionIn(first.start, first.end, "none", saved.version))
    saved = services.decide(
        db.session, scene["curator"], s1.id,
        services.DecisionIn(second.start, second.end, "none", saved.version))
    db.session.commit()
    assert saved.status == "complete"
    with pytest.raises(Conflict):  # closed
        services.decide(db.session, scene["curator"], s1.id,
                        services.DecisionIn(second.start, second.end, "none", saved.version))


def test_edited_spans_must_stay_inside_the_region(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s0 = scene["s0"]
    gold, _, (conflict,) = open_conflicts(db, s0)
    text = s0.text
    with pytest.raises(Invalid) as outside:
        services.decide(db.session, scene["curator"], s0.id, services.DecisionIn(
            conflict.start, conflict.end, "edited", gold.version,
            spans=[span_of(text, "village of Kafr 0", "LOCATION")]))
    assert outside.value.details["spans"][0]["index"] == 0
    with pytest.raises(Invalid):
        services.decide(db.session, scene["curator"], s0.id, services.DecisionIn(
            conflict.start, conflict.end, "edited", gold.version,
            spans=[{"start": 0, "end": 3, "label": "NOPE"}]))
    saved = services.decide(db.session, scene["curator"], s0.id, services.DecisionIn(
        conflict.start, conflict.end, "edited", gold.version,
        spans=[span_of(text, "Kafr", "LOCATION")], reason="guideline_gap"))
    db.session.commit()
    k = text.index("Kafr")
    row = next(s for s in get_gold(db.session, s0.id).spans if s.start == k)
    assert (row.end, row.source, row.votes, row.annotators, row.reason) == (
        k + 4, "curator", 0, [], "guideline_gap")
    assert saved.status == "complete"


def test_annotators_cannot_decide(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    gold, _, (conflict,) = open_conflicts(db, scene["s1"])
    with pytest.raises(Forbidden):
        services.decide(db.session, scene["annotators"][0], scene["s1"].id,
                        services.DecisionIn(conflict.start, conflict.end, "none", gold.version))


# ---------------------------------------------------------------------------- gold editor


def test_editor_save_keeps_provenance_and_records_edited_decisions(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    gold = get_gold(db.session, s1.id)
    text = s1.text
    spans = [span_of(text, "rebels"), span_of(text, "post", "LOCATION")]
    saved = services.save_gold(db.session, scene["curator"], s1.id,
                               services.GoldIn(spans, gold.version, "ambiguous_text", "hm"))
    db.session.commit()
    r, p = text.index("rebels"), text.index("post")
    assert gold_of(db, s1) == [
        (r, r + 6, "ACTOR", "majority", 2, 3, ("ann0", "ann1")),
        (p, p + 4, "LOCATION", "curator", 0, 3, ()),
    ]
    decision = db.session.scalar(select(GoldDecision))
    assert (decision.choice, decision.kind, decision.reason, decision.note) == (
        "edited", "missed", "ambiguous_text", "hm")
    assert saved.status == "complete"
    # The same spans again: nothing changes, no new version.
    again = services.save_gold(db.session, scene["curator"], s1.id,
                               services.GoldIn(spans, saved.version))
    assert again.version == saved.version
    with pytest.raises(Conflict):
        services.save_gold(db.session, scene["curator"], s1.id, services.GoldIn([], 1))
    with pytest.raises(Invalid) as bad:
        services.save_gold(db.session, scene["curator"], s1.id, services.GoldIn(
            [{"start": 0, "end": 999, "label": "ACTOR"}], saved.version))
    assert bad.value.details["spans"][0]["index"] == 0


def test_editor_creates_gold_for_a_sentence_without_any(db, scene) -> None:
    s3 = scene["sentences"][3]
    with pytest.raises(Conflict):
        services.save_gold(db.session, scene["curator"], s3.id, services.GoldIn([], 3))
    saved = services.save_gold(db.session, scene["curator"], s3.id,
                               services.GoldIn([span_of(s3.text, "rebels")], 0))
    db.session.commit()
    assert saved.version == 1 and saved.status == "complete"
    assert [s.source for s in get_gold(db.session, s3.id).spans] == ["curator"]


# ---------------------------------------------------------------------------- close, reopen, restore


def test_reopen_withdraws_decisions_so_they_can_be_redone(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    gold, outcome, (conflict,) = open_conflicts(db, s1)
    saved = services.decide(db.session, scene["curator"], s1.id, services.DecisionIn(
        conflict.start, conflict.end, "version", gold.version,
        pick=pick_for(s1.id, outcome, "ann0")))
    db.session.commit()
    with pytest.raises(Invalid):
        services.close_gold(db.session, scene["curator"], s1.id, saved.version)
    reopened = services.reopen_gold(db.session, scene["curator"], s1.id, saved.version)
    db.session.commit()
    assert reopened.status == "partial"
    assert db.session.scalar(select(func.count()).select_from(GoldDecision)) == 0
    queue = list_queue(db.session, scene["project"].id)
    assert [(i.sentence_id, i.conflict.start) for i in queue.items] == [(s1.id, conflict.start)]
    # The pass never overwrites the curator's span while the conflict is redone.
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    assert any(s.source == "curator" for s in get_gold(db.session, s1.id).spans)
    redone = services.decide(db.session, scene["curator"], s1.id, services.DecisionIn(
        conflict.start, conflict.end, "none", reopened.version))
    db.session.commit()
    assert redone.status == "complete"
    assert not any(s.source == "curator" for s in get_gold(db.session, s1.id).spans)


def test_close_decides_every_open_conflict_as_none(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    gold = get_gold(db.session, s1.id)
    saved = services.close_gold(db.session, scene["curator"], s1.id, gold.version)
    db.session.commit()
    assert saved.status == "complete"
    decisions = db.session.scalars(select(GoldDecision)).all()
    assert sorted(d.choice for d in decisions) == ["none", "none"]
    queued = {i.sentence_id for i in list_queue(db.session, scene["project"].id).items}
    assert queued == {scene["s0"].id}


def test_a_complete_sentence_survives_a_rerun_with_another_min_agree(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    before = gold_of(db, scene["s0"])
    result = services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    assert gold_of(db, scene["s0"]) == before and result.kept_complete == 2


def test_admin_restores_an_earlier_gold_version(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s0 = scene["s0"]
    first = get_gold(db.session, s0.id)
    original = gold_of(db, s0)
    services.save_gold(db.session, scene["curator"], s0.id, services.GoldIn([], first.version))
    db.session.commit()
    assert gold_of(db, s0) == []
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.sentence_id == s0.id, AuditEvent.action == "auto")
    ).one()
    with pytest.raises(Forbidden):
        services.restore_gold(db.session, scene["curator"], event.id)
    saved = services.restore_gold(db.session, scene["admin"], event.id)
    db.session.commit()
    assert gold_of(db, s0) == original and saved.status == "complete"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.sentence_id == s0.id).where(
            AuditEvent.target == "gold").order_by(AuditEvent.id)).all()
    assert actions == ["auto", "edit", "restore"]


# ---------------------------------------------------------------------------- queue, feedback


def test_queue_orders_disagreement_first_and_filters(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    queue = list_queue(db.session, scene["project"].id)
    kinds = [(i.sentence_id, i.conflict.kind) for i in queue.items]
    s0, s1 = scene["s0"].id, scene["s1"].id
    # label first; then missed before boundary.
    assert kinds == [(s0, "label"), (s1, "missed"), (s1, "boundary")]
    assert queue.annotators == ["ann0", "ann1", "ann2"]
    assert set(queue.agreement) == {"ACTOR", "LOCATION", "UNIT"}
    assert [i.conflict.kind for i in list_queue(db.session, scene["project"].id,
                                                 kind="boundary").items] == ["boundary"]
    assert [i.conflict.labels for i in list_queue(db.session, scene["project"].id,
                                                   label="UNIT").items] == [("LOCATION", "UNIT")]
    assert list_queue(db.session, scene["project"].id, annotator="nobody").items == []
    assert gold_counts(db.session, scene["project"].id).partial == 2


def test_feedback_scores_an_annotator_against_complete_gold(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    ann2 = scene["annotators"][2]
    feedback = annotator_feedback(db.session, scene["project"].id, ann2.id)
    # Complete gold: s0 (rebels ACTOR, Kafr 0 LOCATION) and s2 (nothing); ann2 said UNIT.
    assert feedback.sentences == 2
    assert (feedback.per_label["ACTOR"].tp, feedback.per_label["ACTOR"].fp) == (1, 0)
    assert (feedback.per_label["LOCATION"].fn, feedback.per_label["UNIT"].fp) == (1, 1)
    assert feedback.overall.f1 == pytest.approx(2 * 1 / (2 + 1 + 1))
    (diff,) = feedback.differences
    assert diff.sentence_id == scene["s0"].id
    assert [s.label for s in diff.mine] == ["ACTOR", "UNIT"]
    assert [s.label for s in diff.gold] == ["ACTOR", "LOCATION"]
    ann0 = annotator_feedback(db.session, scene["project"].id, scene["annotators"][0].id)
    assert ann0.overall.f1 == 1.0 and ann0.differences == []


def test_queue_follows_annotations_changed_after_the_pass(db, scene) -> None:
    services.auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    kinds = lambda: sorted(  # noqa: E731
        (i.conflict.kind, len(i.conflict.versions))
        for i in list_queue(db.session, scene["project"].id).items if i.sentence_id == s1.id
    )
    assert kinds() == [("boundary", 3), ("missed", 3)]
    # ann2 corrects "rebels shelled" to "rebels": the boundary conflict disappears.
    annotate(db.session, scene["annotators"][2], s1.id, [span_of(s1.text, "rebels")])
    db.session.commit()
    assert kinds() == [("missed", 3)]
    # ann1 reopens their annotation (no longer finished): two versions remain.
    annotate(db.session, scene["annotators"][1], s1.id, [span_of(s1.text, "rebels")],
             status="in_progress")
    db.session.commit()
    assert kinds() == [("missed", 2)]


def test_an_excluded_sentence_counts_nowhere_until_included_again(db, scene) -> None:
    """Excluding an annotated sentence takes it out of agreement, the automatic pass, the
    queue and the export; its annotations and gold stay and count again once included."""
    from annotator.export import services as export_services
    from annotator.export.options import parse_options
    from annotator.export.reading import gold_overview, iter_documents

    project_id = scene["project"].id
    services.auto_adjudicate(db.session, project_id, min_agree=3)
    db.session.commit()
    s0, s1 = scene["s0"], scene["s1"]
    gold_before = gold_of(db, s0)
    s0.excluded = True
    db.session.commit()

    assert s0.id not in agreement_columns(db.session, project_id).ids
    assert s0.id not in [item["id"] for item in agreement_items(db.session, project_id)]
    assert [i.sentence_id for i in list_queue(db.session, project_id).items] == [s1.id, s1.id]
    assert gold_counts(db.session, project_id).partial == 1
    rerun = services.auto_adjudicate(db.session, project_id, min_agree=3)
    db.session.commit()
    assert rerun.sentences == 2
    options = parse_options("gold-json")
    prepared = export_services.prepare_export(db.session, scene["project"], options,
                                              with_agreement=False)
    exported = [s.id for d in iter_documents(db.session, prepared)
                for s in d.sentences]
    assert s0.id not in exported and s1.id in exported
    assert gold_overview(db.session, project_id)["sentences"] == 2

    s0.excluded = False
    db.session.commit()
    assert gold_of(db, s0) == gold_before  # nothing was deleted
    assert s0.id in agreement_columns(db.session, project_id).ids
    assert gold_counts(db.session, project_id).partial == 2
    assert gold_overview(db.session, project_id)["sentences"] == 3
