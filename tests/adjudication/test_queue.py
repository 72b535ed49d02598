"""The conflict queue and an annotator's feedback against gold."""

from __future__ import annotations

import copy

import pytest

from annotator import caching
from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.feedback import annotator_feedback
from annotator.adjudication.queries import get_gold, gold_counts
from annotator.adjudication import queue as queue_module
from annotator.adjudication.decisions import decide
from annotator.adjudication.models import GoldDecision
from annotator.adjudication.queue import CONFLICTS, CONFLICTS_LAYOUT, list_queue
from annotator.adjudication.requests import DecisionIn
from annotator.annotation.services import reopen_annotation
from annotator.export import services as export_services
from annotator.export.options import parse_options
from annotator.export.reading import gold_overview, iter_documents
from annotator.reports.input import agreement_columns, agreement_items
from tests.adjudication.conftest import annotate, gold_of, span_of


def test_queue_orders_disagreement_first_and_filters(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
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
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
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
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    kinds = lambda: sorted(  # noqa: E731
        (i.conflict.kind, len(i.conflict.versions))
        for i in list_queue(db.session, scene["project"].id).items if i.sentence_id == s1.id
    )
    assert kinds() == [("boundary", 3), ("missed", 3)]
    # Counted work is frozen: an admin reopens ann2's annotation (no longer finished), and
    # ann2 corrects "rebels shelled" to "rebels": the boundary conflict disappears.
    admin, (_, ann1, ann2) = scene["admin"], scene["annotators"]
    reopen_annotation(db.session, admin, s1.id, ann2.id)
    annotate(db.session, ann2, s1.id, [span_of(s1.text, "rebels")])
    db.session.commit()
    assert kinds() == [("missed", 3)]
    # An admin reopens ann1's annotation (no longer finished): two versions remain.
    reopen_annotation(db.session, admin, s1.id, ann1.id)
    db.session.commit()
    assert kinds() == [("missed", 2)]


def test_an_excluded_sentence_counts_nowhere_until_included_again(db, scene) -> None:
    """Excluding an annotated sentence takes it out of agreement, the automatic pass, the
    queue and the export; its annotations and gold stay and count again once included."""

    project_id = scene["project"].id
    auto_adjudicate(db.session, project_id, min_agree=3)
    db.session.commit()
    s0, s1 = scene["s0"], scene["s1"]
    gold_before = gold_of(db, s0)
    s0.excluded = True
    db.session.commit()

    assert s0.id not in agreement_columns(db.session, project_id).ids
    assert s0.id not in [item["id"] for item in agreement_items(db.session, project_id)]
    assert [i.sentence_id for i in list_queue(db.session, project_id).items] == [s1.id, s1.id]
    assert gold_counts(db.session, project_id).partial == 1
    rerun = auto_adjudicate(db.session, project_id, min_agree=3)
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


class CopyingStore(caching.LocalStore):
    """Hands out copies, as a store shared between servers (values pickled) would."""

    def get(self, kind, key, fingerprint):
        found, value = super().get(kind, key, fingerprint)
        return found, copy.deepcopy(value)


def test_the_queue_keeps_each_sentences_conflicts_in_the_cache(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    project_id = scene["project"].id
    first = list_queue(db.session, project_id)
    held = caching.peek(CONFLICTS, (str(db.engine.url), project_id), CONFLICTS_LAYOUT)
    assert set(held) == {scene["s0"].id, scene["s1"].id}  # the partial sentences
    previous = caching.use_store(CopyingStore())
    try:
        # Nothing kept between calls: every sentence computed again, the same queue.
        for _ in range(2):
            again = list_queue(db.session, project_id)
            assert [(i.sentence_id, i.conflict) for i in again.items] == [
                (i.sentence_id, i.conflict) for i in first.items]
    finally:
        caching.use_store(previous)


def test_the_whole_queue_is_kept_until_something_it_depends_on_changes(
    db, scene, monkeypatch
) -> None:
    """The sorted queue is kept by fingerprint: asking again computes nothing; a curator's
    decision, or a decision row written alone, gives the new queue at the next request."""
    project_id = scene["project"].id
    auto_adjudicate(db.session, project_id, min_agree=3)
    db.session.commit()
    computed = []
    real = queue_module._compute_queue
    monkeypatch.setattr(queue_module, "_compute_queue",
                        lambda *a: computed.append(1) or real(*a))
    first = list_queue(db.session, project_id)
    assert len(first.items) == 3 and len(computed) == 1
    assert list_queue(db.session, project_id).items == first.items
    list_queue(db.session, project_id, kind="boundary")  # a filter reads the kept queue
    assert len(computed) == 1

    s1 = scene["s1"]
    boundary = next(i.conflict for i in first.items if i.conflict.kind == "boundary")
    decide(db.session, scene["curator"], s1.id,
           DecisionIn(boundary.start, boundary.end, "none", get_gold(db.session, s1.id).version))
    db.session.commit()
    after = list_queue(db.session, project_id)
    assert len(computed) == 2
    assert [i.conflict.kind for i in after.items] == ["label", "missed"]

    # A decision row alone (no version bump) still changes the fingerprint.
    missed = next(i.conflict for i in after.items if i.conflict.kind == "missed")
    db.session.add(GoldDecision(gold_id=get_gold(db.session, s1.id).id, start=missed.start, end=missed.end,
                                kind="missed", choice="none",
                                curator_id=scene["curator"].id))
    db.session.commit()
    assert [i.conflict.kind for i in list_queue(db.session, project_id).items] == ["label"]
    assert len(computed) == 3
