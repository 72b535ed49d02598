"""Fixtures for adjudication: three annotators, a curator, sentences they all annotate."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from annotator.adjudication.blinding import pseudonym_order
from annotator.adjudication.conflicts import is_open
from annotator.adjudication.input import sentence_outcome
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldSpanRow
from annotator.adjudication.queries import get_gold
from annotator.annotation.models import Annotation, SpanRow
from annotator.annotation.queries import get_annotation
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from tests.factories import make_user, prepare_batch


def span_of(text: str, word: str, label: str = "ACTOR", **attributes: str) -> dict[str, Any]:
    """The span covering the first occurrence of ``word`` in ``text``."""
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "attributes": attributes}


def annotate(session, user, sentence_id: int, spans: list[dict], status: str = "done") -> None:
    """Save ``user``'s annotation of a sentence through the real service."""
    current = get_annotation(session, user, sentence_id)
    version = current.version if current is not None else 0
    save_annotation(
        session, user, sentence_id, AnnotationIn(spans, status, version, 1.0), max_spent=60
    )


@pytest.fixture
def world(db) -> dict[str, Any]:
    """admin1, curator1, ann0..ann2 and one live batch where all three read every sentence.

    Sentence texts look like "Report 0-0: rebels shelled the village of Kafr 0 near post 0."
    """
    data = prepare_batch(db.session, k=3, annotators=3, articles=2)
    data["curator"] = make_user(db.session, "curator1", "curator")
    db.session.commit()
    sentences = list(
        db.session.scalars(
            select(Sentence)
            .where(Sentence.project_id == data["project"].id)
            .order_by(Sentence.document_id, Sentence.index)
        )
    )
    return {**data, "sentences": sentences}


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


def open_conflicts(db, sentence):
    gold = get_gold(db.session, sentence.id)
    outcome, decided, _ = sentence_outcome(db.session, sentence.id, gold)
    return gold, outcome, [c for c in outcome.conflicts if is_open(c, decided)]


def pick_for(sentence_id: int, outcome, name: str) -> int:
    """The key (1-9) that picks ``name``'s version: versions are in pseudonym order."""
    from annotator.extensions import db  # the app context's session, as the tests use it

    project_id = db.session.get(Sentence, sentence_id).project_id
    return pseudonym_order(db.session, project_id, outcome.voters).index(name) + 1
