"""A hand-made project: three annotators whose disagreements on each sentence are known."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from annotator import caching
from annotator.annotation.queries import get_annotation
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.corpus.models import Sentence
from tests.factories import prepare_batch

# Sentence texts look like "Report 0-2: rebels shelled the village of Kafr 0 near post 2."


def span_of(text: str, words: str, label: str, **attributes: str) -> dict[str, Any]:
    """The span covering the first occurrence of ``words`` in ``text``."""
    start = text.index(words)
    return {"start": start, "end": start + len(words), "label": label, "attributes": attributes}


def annotate(session, user, sentence_id: int, spans: list[dict], status: str = "done",
             relations: list[dict] | None = None) -> None:
    """Save ``user``'s annotation of a sentence (and its relations) through the real service."""
    current = get_annotation(session, user, sentence_id)
    version = current.version if current is not None else 0
    save_annotation(session, user, sentence_id,
                    AnnotationIn(spans, status, version, 1.0, relations=relations),
                    max_spent=60)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Reports are cached per process: every test starts without them."""
    caching.clear()
    yield
    caching.clear()


@pytest.fixture
def app(app):
    app.config["AGREEMENT_BOOTSTRAP"] = 50  # intervals stay real, tests stay quick
    return app


def sentences_of(session, project_id: int) -> list[Sentence]:
    return list(session.scalars(
        select(Sentence).where(Sentence.project_id == project_id)
        .order_by(Sentence.document_id, Sentence.index)))


@pytest.fixture
def world(db) -> dict[str, Any]:
    """admin1; ann0..ann2 read every sentence of one live batch; known disagreements:

    s0  all three agree (ACTOR "rebels", LOCATION "Kafr 0")
    s1  ann1 says UNIT where ann0 and ann2 say ACTOR "rebels"     -> label_only (0-1, 1-2)
    s2  ann0 LOCATION "village of Kafr 0", ann1 LOCATION "Kafr 0",
        ann2 nothing                                             -> boundary_only (0-1),
                                                                    missed (0-2, 1-2)
    s3  EVENT "shelled": ann1's event type differs               -> subtype_only (0-1, 1-2)
    s4  nobody marked anything (all done)                        -> no disagreement
    s5  ann0 and ann2 ACTOR "rebels"; ann1 only started (not counted)
    """
    data = prepare_batch(db.session, k=3, annotators=3, articles=2)
    s = sentences_of(db.session, data["project"].id)
    a0, a1, a2 = data["annotators"]
    t = [x.text for x in s]
    actor = [span_of(t[0], "rebels", "ACTOR"), span_of(t[0], "Kafr 0", "LOCATION")]
    for who in (a0, a1, a2):
        annotate(db.session, who, s[0].id, actor)
    annotate(db.session, a0, s[1].id, [span_of(t[1], "rebels", "ACTOR")])
    annotate(db.session, a1, s[1].id, [span_of(t[1], "rebels", "UNIT")])
    annotate(db.session, a2, s[1].id, [span_of(t[1], "rebels", "ACTOR")])
    annotate(db.session, a0, s[2].id, [span_of(t[2], "village of Kafr 0", "LOCATION")])
    annotate(db.session, a1, s[2].id, [span_of(t[2], "Kafr 0", "LOCATION")])
    annotate(db.session, a2, s[2].id, [])
    shelling = "shelling_artillery_missile"
    annotate(db.session, a0, s[3].id, [span_of(t[3], "shelled", "EVENT", event_type=shelling)])
    annotate(db.session, a1, s[3].id,
             [span_of(t[3], "shelled", "EVENT", event_type="air_drone_strike")])
    annotate(db.session, a2, s[3].id, [span_of(t[3], "shelled", "EVENT", event_type=shelling)])
    for who in (a0, a1, a2):
        annotate(db.session, who, s[4].id, [])
    annotate(db.session, a0, s[5].id, [span_of(t[5], "rebels", "ACTOR")])
    annotate(db.session, a1, s[5].id, [span_of(t[5], "post", "LOCATION")], status="in_progress")
    annotate(db.session, a2, s[5].id, [span_of(t[5], "rebels", "ACTOR")])
    db.session.commit()
    return {**data, "sentences": s}
