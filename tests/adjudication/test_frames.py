"""Event frames in gold: the automatic pass on relations, argument conflicts and their
decisions, the gold editor's relations and the removal cascade, "my labels vs gold"."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.bulk import import_gold
from annotator.adjudication.gold_edits import restore_gold, save_gold
from annotator.adjudication.models import GoldDecision
from annotator.adjudication.queries import get_gold
from annotator.adjudication.queue import list_queue
from annotator.adjudication.requests import GoldIn
from annotator.annotation.queries import get_annotation
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.audit.models import AuditEvent
from annotator.relations import Relation
from annotator.spans import Span
from tests.adjudication.conftest import annotate, counts, open_conflicts, pick_for, span_of
from tests.conftest import api_headers, login


def link(db, user, sentence, triples: list[tuple[str, str, str]]) -> None:
    """Add (event, role, argument) relations, words standing for their spans, to ``user``'s
    finished annotation of ``sentence``, saved through the real service (validated)."""
    annotation = get_annotation(db.session, user, sentence.id)
    text = sentence.text
    relations = [r.to_value().to_json() for r in annotation.relations]
    relations += [relation_json(text, head, role, child) for head, role, child in triples]
    spans = [s.to_value().to_json() for s in annotation.spans]
    save_annotation(db.session, user, sentence.id, AnnotationIn(
        spans, "done", annotation.version, 1.0, relations=relations), max_spent=60)


def frame_spans(text: str, *extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [span_of(text, "rebels"), span_of(text, "shelled", "EVENT"),
            span_of(text, "Kafr", "LOCATION"), *extra]


def relation_json(text: str, head: str, role: str, child: str) -> dict[str, Any]:
    h, c = text.index(head), text.index(child)
    return {"head": {"start": h, "end": h + len(head)},
            "child": {"start": c, "end": c + len(child)}, "role": role}


def gold_links(db, sentence) -> list[tuple]:
    gold = get_gold(db.session, sentence.id)
    db.session.refresh(gold)
    text = sentence.text
    return sorted(
        (text[r.head_start:r.head_end], r.role, text[r.child_start:r.child_end], r.source,
         r.votes, r.voters, tuple(r.annotators))
        for r in gold.relations
    )


@pytest.fixture
def frames(db, world):
    """Two sentences; ann0..ann2 all mark "rebels" ACTOR, "shelled" EVENT, "Kafr" LOCATION.

    s0: all three link shelled -actor1-> rebels; ann0 and ann1 also shelled -location-> Kafr.
    s1: ann0 links shelled -actor1-> rebels, ann1 shelled -actor2-> rebels, ann2 nothing;
        ann0 also marks "post 1" LOCATION alone (a span conflict of kind missed).
    """
    a0, a1, a2 = world["annotators"]
    s0, s1 = world["sentences"][:2]
    for user in (a0, a1, a2):
        annotate(db.session, user, s0.id, frame_spans(s0.text))
    annotate(db.session, a0, s1.id, frame_spans(s1.text, span_of(s1.text, "post 1", "LOCATION")))
    for user in (a1, a2):
        annotate(db.session, user, s1.id, frame_spans(s1.text))
    for user in (a0, a1, a2):
        link(db, user, s0, [("shelled", "actor1", "rebels")])
    for user in (a0, a1):
        link(db, user, s0, [("shelled", "location", "Kafr")])
    link(db, a0, s1, [("shelled", "actor1", "rebels")])
    link(db, a1, s1, [("shelled", "actor2", "rebels")])
    db.session.commit()
    return {**world, "s0": s0, "s1": s1}


def test_the_pass_accepts_agreed_relations_on_gold_spans_with_provenance(db, frames) -> None:
    result = auto_adjudicate(db.session, frames["project"].id, min_agree=2,
                             actor=frames["admin"])
    db.session.commit()
    s0, s1 = frames["s0"], frames["s1"]
    assert gold_links(db, s0) == [
        ("shelled", "actor1", "rebels", "unanimous", 3, 3, ("ann0", "ann1", "ann2")),
        ("shelled", "location", "Kafr", "majority", 2, 3, ("ann0", "ann1")),
    ]
    assert get_gold(db.session, s0.id).status == "complete"
    # s1: one vote each for actor1 and actor2: nothing accepted, an argument conflict.
    assert gold_links(db, s1) == []
    assert get_gold(db.session, s1.id).status == "partial"
    assert (result.arguments, result.open_conflicts) == (2, 2)
    assert "2 event arguments accepted" in result.summary()
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == "gold", AuditEvent.sentence_id == s0.id)).all()
    assert [r["role"] for r in event.after["relations"]] == ["actor1", "location"]
    # Re-running changes nothing and records nothing.
    before = counts(db)
    again = auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    assert (again.changed, again.arguments, counts(db)) == (0, 2, before)


def test_argument_conflicts_follow_the_span_conflicts_in_the_queue(db, frames) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    s1 = frames["s1"]
    items = list_queue(db.session, frames["project"].id).items
    assert [(i.sentence_id, i.conflict.kind, s1.text[i.conflict.start:i.conflict.end])
            for i in items] == [(s1.id, "missed", "post 1"), (s1.id, "argument", "shelled")]
    assert items[1].conflict.roles == ("actor1", "actor2")
    assert [i.conflict.kind for i in list_queue(db.session, frames["project"].id,
                                                kind="argument").items] == ["argument"]


def test_deciding_an_argument_conflict_keeps_one_version_then_the_sentence_closes(
    client, db, frames
) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    s1 = frames["s1"]
    login(client, "curator1")
    headers = api_headers(client)
    body = client.get(f"/api/sentences/{s1.id}/gold").json
    span_conflict, argument = body["conflicts"]
    assert (span_conflict["kind"], argument["kind"]) == ("missed", "argument")
    assert sorted(v["annotator"] for v in argument["versions"]) == [
        "Annotator 1", "Annotator 2", "Annotator 3"]
    assert sorted(len(v["relations"]) for v in argument["versions"]) == [0, 1, 1]
    # The span conflict first: keep none; the argument conflict keeps the sentence partial.
    answer = client.post(f"/api/sentences/{s1.id}/decisions", headers=headers, json={
        "start": span_conflict["start"], "end": span_conflict["end"], "choice": "none",
        "version": body["version"]})
    assert answer.status_code == 200 and answer.json["status"] == "partial"
    _, outcome, _ = open_conflicts(db, s1)
    pick = pick_for(s1.id, outcome, "ann1")
    answer = client.post(f"/api/sentences/{s1.id}/decisions", headers=headers, json={
        "kind": "argument", "start": argument["start"], "end": argument["end"],
        "choice": "version", "pick": pick, "version": answer.json["version"],
        "reason": "annotator_error"})
    assert answer.status_code == 200 and answer.json["status"] == "complete"
    db.session.expire_all()
    assert gold_links(db, s1) == [("shelled", "actor2", "rebels", "curator", 1, 3, ("ann1",))]
    decision = db.session.scalars(select(GoldDecision).where(
        GoldDecision.kind == "argument")).one()
    assert (decision.choice, decision.annotators, decision.reason) == (
        "version", ["ann1"], "annotator_error")
    # Decided: a second decision of the same conflict is stale.
    again = client.post(f"/api/sentences/{s1.id}/decisions", headers=headers, json={
        "kind": "argument", "start": argument["start"], "end": argument["end"],
        "choice": "none", "version": answer.json["version"]})
    assert again.status_code == 409


def test_an_argument_decision_refuses_bad_input_and_changes_nothing(client, db, frames) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    s1 = frames["s1"]
    login(client, "curator1")
    headers = api_headers(client)
    h = s1.text.index("shelled")
    before = counts(db)
    base = {"kind": "argument", "start": h, "end": h + 7, "version": 1}
    for body, status in [
        ({**base, "choice": "version", "pick": 4}, 422),
        ({**base, "choice": "edited", "spans": []}, 422),
        ({**base, "kind": "event", "choice": "none"}, 422),
        ({**base, "choice": "edited",
          "relations": [relation_json(s1.text, "shelled", "actor1", "post 1")]}, 422),
        ({**base, "start": 0, "choice": "none"}, 409),
    ]:
        answer = client.post(f"/api/sentences/{s1.id}/decisions", headers=headers, json=body)
        assert answer.status_code == status, body
        assert "error" in answer.json
    assert counts(db) == before
    edited = client.post(f"/api/sentences/{s1.id}/decisions", headers=headers, json={
        **base, "choice": "edited",
        "relations": [relation_json(s1.text, "Kafr", "actor1", "rebels")]})
    assert edited.status_code == 422
    assert edited.json["error"]["message"] == "invalid relations"
    assert edited.json["error"]["relations"][0]["index"] == 0


def test_the_gold_editor_saves_relations_and_a_removed_span_takes_its_own(
    client, db, frames
) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    s0 = frames["s0"]
    text = s0.text
    login(client, "curator1")
    headers = api_headers(client)
    page = client.get(f"/sentences/{s0.id}/gold").get_data(as_text=True)
    assert "“shelled”: Actor 1 (initiator) → “rebels”" in page  # each annotator's links
    state = client.get(f"/api/sentences/{s0.id}/gold").json
    assert [r["role"] for r in state["relations"]] == ["actor1", "location"]
    assert state["relations"][0]["annotators"][0].startswith("Annotator ")  # blinded
    spans = [{k: s[k] for k in ("start", "end", "label", "attributes")} for s in state["spans"]]
    # Relations naming a span the body does not have: 422, nothing stored.
    before = counts(db)
    bad = client.put(f"/api/sentences/{s0.id}/gold", headers=headers, json={
        "spans": spans, "version": state["version"],
        "relations": [relation_json(text, "shelled", "location", "post 0")]})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid"
    assert bad.json["error"]["relations"] == [
        {"index": 0, "message": bad.json["error"]["relations"][0]["message"]}]
    assert counts(db) == before
    # An added argument is the curator's; kept ones keep their provenance.
    answer = client.put(f"/api/sentences/{s0.id}/gold", headers=headers, json={
        "spans": spans, "version": state["version"],
        "relations": [relation_json(text, "shelled", "actor1", "rebels"),
                      relation_json(text, "shelled", "location", "Kafr"),
                      relation_json(text, "shelled", "actor2", "rebels")]})
    assert answer.status_code == 200
    db.session.expire_all()
    assert [(role, source) for _, role, _, source, *_ in gold_links(db, s0)] == [
        ("actor1", "unanimous"), ("actor2", "curator"), ("location", "majority")]
    # Removing "Kafr" without sending relations: its location relation goes with it, audited.
    kept = [s for s in spans if text[s["start"]:s["end"]] != "Kafr"]
    answer = client.put(f"/api/sentences/{s0.id}/gold", headers=headers,
                        json={"spans": kept, "version": answer.json["version"]})
    assert answer.status_code == 200
    db.session.expire_all()
    assert [role for _, role, *_ in gold_links(db, s0)] == ["actor1", "actor2"]
    last = db.session.scalars(select(AuditEvent).where(AuditEvent.target == "gold")
                              .order_by(AuditEvent.id.desc())).first()
    assert [r["role"] for r in last.before["relations"]] == ["actor1", "actor2", "location"]
    assert [r["role"] for r in last.after["relations"]] == ["actor1", "actor2"]


def test_restoring_a_gold_version_restores_its_relations(client, db, frames) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    s0 = frames["s0"]
    first = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == "gold", AuditEvent.sentence_id == s0.id)).one()
    gold = get_gold(db.session, s0.id)
    spans = [s.to_value().to_json() for s in gold.spans]
    save_gold(db.session, frames["curator"], s0.id, GoldIn(spans, gold.version, relations=[]))
    db.session.commit()
    assert gold_links(db, s0) == []
    restore_gold(db.session, frames["admin"], first.id)
    db.session.commit()
    assert [role for _, role, *_ in gold_links(db, s0)] == ["actor1", "location"]


def test_feedback_scores_arguments_per_role(client, db, frames) -> None:
    auto_adjudicate(db.session, frames["project"].id, min_agree=2)
    db.session.commit()
    login(client, "ann2")
    page = client.get(f"/projects/{frames['project'].id}/feedback").get_data(as_text=True)
    # ann2 against s0's complete gold: actor1 right, location missed.
    assert 'id="argument-scores"' in page
    row = page.split('data-role="location"')[1].split("</tr>")[0]
    assert "<td>0</td><td>0</td><td>1</td>" in row.replace("\n", "").replace(" ", "")
    row = page.split('data-role="actor1"')[1].split("</tr>")[0]
    assert "1.00" in row
    assert "Location → “Kafr" in page  # the difference lists gold's argument in words


def test_imported_gold_carries_its_relations(db, world) -> None:
    s2 = world["sentences"][2]
    text = s2.text
    spans = [Span(text.index("rebels"), text.index("rebels") + 6, "ACTOR"),
             Span(text.index("shelled"), text.index("shelled") + 7, "EVENT")]
    relation = Relation(spans[1].start, spans[1].end, "actor1", spans[0].start, spans[0].end)
    import_gold(db.session, world["curator"], [(s2.id, spans, "from the 2024 release")],
                relations={s2.id: [relation]})
    db.session.commit()
    assert gold_links(db, s2) == [("shelled", "actor1", "rebels", "curator", 0, 0, ())]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.sentence_id == s2.id)).one()
    assert event.after["relations"][0]["note"] == "from the 2024 release"
