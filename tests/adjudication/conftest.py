"""Fixtures for adjudication: three annotators, a curator, sentences they all annotate."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from annotator.annotation.queries import get_annotation
from annotator.annotation.services import AnnotationIn, save_annotation
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
