"""The automatic pass: accepted spans with provenance, scope, re-runs, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.models import GoldSentence
from annotator.adjudication.queries import get_gold
from annotator.assignments.services import create_batch
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from annotator.errors import Invalid, NotFound
from tests.adjudication.conftest import annotate, counts, gold_of, span_of
from tests.factories import make_articles


def test_majority_pass_accepts_agreed_spans_with_provenance(db, scene) -> None:
    result = auto_adjudicate(db.session, scene["project"].id, min_agree=2,
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
    assert "3 sentences" in result.summary() and "1 open conflict;" in result.summary()


def test_rerunning_the_pass_changes_nothing(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    before = counts(db)
    versions = db.session.execute(select(GoldSentence.id, GoldSentence.version)).all()
    result = auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    assert result.changed == 0 and result.created == 0 and result.closed == 0
    assert result.kept_complete == 2 and result.open_conflicts == 1
    assert counts(db) == before
    assert db.session.execute(select(GoldSentence.id, GoldSentence.version)).all() == versions


def test_unanimity_leaves_every_difference_to_curators(db, scene) -> None:
    result = auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    t0 = scene["s0"].text
    r0 = t0.index("rebels")
    assert gold_of(db, scene["s0"]) == [(r0, r0 + 6, "ACTOR", "unanimous", 3, 3,
                                         ("ann0", "ann1", "ann2"))]
    assert get_gold(db.session, scene["s0"].id).status == "partial"
    assert result.open_conflicts == 3  # s0 label, s1 boundary and missed


def test_pass_is_scoped_to_a_batch(db, scene) -> None:

    make_articles(db.session, scene["project"], 1, sentences=2, start=10)
    other = create_batch(db.session, scene["project"].id, source="remaining",
                         annotators=["ann0", "ann1"], overlap=2, seed=1)
    db.session.commit()
    new = db.session.scalars(select(Sentence).where(Sentence.id.not_in(
        [s.id for s in scene["sentences"]])).order_by(Sentence.id)).first()
    for user in scene["annotators"][:2]:
        annotate(db.session, user, new.id, [span_of(new.text, "rebels")])
    db.session.commit()
    result = auto_adjudicate(db.session, scene["project"].id,
                             batch_id=other.batch.id, min_agree=2)
    assert (result.sentences, result.created, result.complete) == (1, 1, 1)
    assert db.session.scalars(select(GoldSentence.sentence_id)).all() == [new.id]


def test_sentences_with_too_few_annotators_are_left_alone(db, scene) -> None:
    a0 = scene["annotators"][0]
    s3 = scene["sentences"][3]
    annotate(db.session, a0, s3.id, [span_of(s3.text, "rebels")])
    db.session.commit()
    result = auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    assert result.too_few == 1 and get_gold(db.session, s3.id) is None
    solo = auto_adjudicate(db.session, scene["project"].id, min_agree=1)
    assert get_gold(db.session, s3.id).status == "complete"
    assert solo.too_few == 0


@pytest.mark.parametrize("bad", [0, -2, True, "2", 2.5, None])
def test_bad_min_agree_is_refused_and_nothing_changes(db, scene, bad) -> None:
    with pytest.raises(Invalid):
        auto_adjudicate(db.session, scene["project"].id, min_agree=bad)
    db.session.rollback()
    assert counts(db) == (0, 0, 0, 0)


def test_unknown_project_or_foreign_batch_is_not_found(db, scene) -> None:
    with pytest.raises(NotFound):
        auto_adjudicate(db.session, 9999, min_agree=2)
    with pytest.raises(NotFound):
        auto_adjudicate(db.session, scene["project"].id, batch_id=9999, min_agree=2)
    assert counts(db) == (0, 0, 0, 0)


def test_a_complete_sentence_survives_a_rerun_with_another_min_agree(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    before = gold_of(db, scene["s0"])
    result = auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    assert gold_of(db, scene["s0"]) == before and result.kept_complete == 2
