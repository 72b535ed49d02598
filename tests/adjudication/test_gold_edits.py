"""The gold editor, closing, reopening and restoring a sentence's gold."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.decisions import decide
from annotator.adjudication.gold_changes import create_gold
from annotator.adjudication.gold_edits import close_gold, reopen_gold, restore_gold, save_gold
from annotator.adjudication.models import GoldDecision, GoldSentence
from annotator.adjudication.queries import get_gold, gold_state
from annotator.adjudication.queue import list_queue
from annotator.adjudication.requests import DecisionIn, GoldIn
from annotator.audit.models import AuditEvent
from annotator.errors import Conflict, Forbidden, Invalid
from tests.adjudication.conftest import gold_of, open_conflicts, pick_for, span_of


def test_editor_save_keeps_provenance_and_records_edited_decisions(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    gold = get_gold(db.session, s1.id)
    text = s1.text
    spans = [span_of(text, "rebels"), span_of(text, "post", "LOCATION")]
    saved = save_gold(db.session, scene["curator"], s1.id,
                      GoldIn(spans, gold.version, "ambiguous_text", "hm"))
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
    again = save_gold(db.session, scene["curator"], s1.id,
                      GoldIn(spans, saved.version))
    assert again.version == saved.version
    with pytest.raises(Conflict):
        save_gold(db.session, scene["curator"], s1.id, GoldIn([], 1))
    with pytest.raises(Invalid) as bad:
        save_gold(db.session, scene["curator"], s1.id, GoldIn(
            [{"start": 0, "end": 999, "label": "ACTOR"}], saved.version))
    assert bad.value.details["spans"][0]["index"] == 0


def test_editor_creates_gold_for_a_sentence_without_any(db, scene) -> None:
    s3 = scene["sentences"][3]
    with pytest.raises(Conflict):
        save_gold(db.session, scene["curator"], s3.id, GoldIn([], 3))
    saved = save_gold(db.session, scene["curator"], s3.id,
                      GoldIn([span_of(s3.text, "rebels")], 0))
    db.session.commit()
    assert saved.version == 1 and saved.status == "complete"
    assert [s.source for s in get_gold(db.session, s3.id).spans] == ["curator"]


def test_reopen_withdraws_decisions_so_they_can_be_redone(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s1 = scene["s1"]
    gold, outcome, (conflict,) = open_conflicts(db, s1)
    saved = decide(db.session, scene["curator"], s1.id, DecisionIn(
        conflict.start, conflict.end, "version", gold.version,
        pick=pick_for(s1.id, outcome, "ann0")))
    db.session.commit()
    with pytest.raises(Invalid):
        close_gold(db.session, scene["curator"], s1.id, saved.version)
    reopened = reopen_gold(db.session, scene["curator"], s1.id, saved.version)
    db.session.commit()
    assert reopened.status == "partial"
    assert db.session.scalar(select(func.count()).select_from(GoldDecision)) == 0
    queue = list_queue(db.session, scene["project"].id)
    assert [(i.sentence_id, i.conflict.start) for i in queue.items] == [(s1.id, conflict.start)]
    # The pass never overwrites the curator's span while the conflict is redone.
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    assert any(s.source == "curator" for s in get_gold(db.session, s1.id).spans)
    redone = decide(db.session, scene["curator"], s1.id, DecisionIn(
        conflict.start, conflict.end, "none", reopened.version))
    db.session.commit()
    assert redone.status == "complete"
    assert not any(s.source == "curator" for s in get_gold(db.session, s1.id).spans)


def test_close_decides_every_open_conflict_as_none(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    gold = get_gold(db.session, s1.id)
    saved = close_gold(db.session, scene["curator"], s1.id, gold.version)
    db.session.commit()
    assert saved.status == "complete"
    decisions = db.session.scalars(select(GoldDecision)).all()
    assert sorted(d.choice for d in decisions) == ["none", "none"]
    queued = {i.sentence_id for i in list_queue(db.session, scene["project"].id).items}
    assert queued == {scene["s0"].id}


def test_admin_restores_an_earlier_gold_version(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s0 = scene["s0"]
    first = get_gold(db.session, s0.id)
    original = gold_of(db, s0)
    save_gold(db.session, scene["curator"], s0.id, GoldIn([], first.version))
    db.session.commit()
    assert gold_of(db, s0) == []
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.sentence_id == s0.id, AuditEvent.action == "auto")
    ).one()
    with pytest.raises(Forbidden):
        restore_gold(db.session, scene["curator"], event.id)
    saved = restore_gold(db.session, scene["admin"], event.id)
    db.session.commit()
    assert gold_of(db, s0) == original and saved.status == "complete"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.sentence_id == s0.id).where(
            AuditEvent.target == "gold").order_by(AuditEvent.id)).all()
    assert actions == ["auto", "edit", "restore"]


def test_a_change_landing_meanwhile_is_409_with_the_gold_as_it_now_stands(db, scene) -> None:
    """The curator's request read the gold at version v; another request's change lands
    before its compare-and-set: 409 with the gold read again (no rollback), nothing stored."""
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    s1 = scene["s1"]
    gold = get_gold(db.session, s1.id)
    v = gold.version
    with db.engine.begin() as other:
        other.execute(update(GoldSentence).where(GoldSentence.id == gold.id)
                      .values(version=v + 1))
    with pytest.raises(Conflict) as stale:
        close_gold(db.session, scene["curator"], s1.id, v)
    assert stale.value.details["current"]["version"] == v + 1
    assert stale.value.details["current"]["status"] == "partial"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GoldDecision)) == 0


def test_gold_created_meanwhile_is_409_and_the_transaction_stays_usable(db, scene) -> None:
    auto_adjudicate(db.session, scene["project"].id, min_agree=2)
    db.session.commit()
    s0 = scene["s0"]
    with pytest.raises(Conflict) as stale:
        create_gold(db.session, s0.id)
    assert stale.value.details["current"] == gold_state(db.session, get_gold(db.session, s0.id))
    assert stale.value.details["current"]["version"] == 1
    assert db.session.scalar(select(func.count()).select_from(GoldSentence)) == 3
