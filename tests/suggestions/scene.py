"""A project with gold, a gazetteer list, a pattern and two batches (suggestions on and off)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.assignments.services import create_batch
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Document, Sentence
from annotator.suggestions.services import import_gazetteer, save_pattern
from tests.export.gold_data import add_gold, span_at
from tests.factories import add_members, make_project, make_user

GOLD_TEXT = ("Government forces shelled the village of Kafr Tala on Monday, a local official "
             "said. Two drones struck a depot near al-Numan.")
NEW_TEXT = ("Rebels shelled positions near Kafr Tala as the 4th Armoured Division withdrew "
            "towards al-Numan.")
UNIT_PATTERN = json.dumps([{"TEXT": {"REGEX": r"^\d+(st|nd|rd|th)$"}},
                           {"IS_TITLE": True, "OP": "*"},
                           {"LOWER": {"IN": ["brigade", "division", "regiment"]}}])


def _import(session: Session, project_id: int, title: str, text: str) -> int:
    line = json.dumps({"title": title, "text": text})
    import_articles(session, project_id, [(f"{title}.jsonl", line.encode())])
    return session.scalar(select(Document.id).where(Document.title == title))


def prepare_suggestions(session: Session, *, pattern: bool = True) -> dict[str, Any]:
    """An admin, annotators a and b (both batches), c (a member without work), an outsider; gold
    on the first article; the second article in a batch with suggestions on, the first in one
    with them off. Committed."""
    admin = make_user(session, "admin1", "admin")
    a, b, c = (make_user(session, n) for n in ("ann_a", "ann_b", "ann_c"))
    outsider = make_user(session, "outsider")
    project = make_project(session)
    add_members(session, project, c)
    gold_doc = _import(session, project.id, "Gold", GOLD_TEXT)
    new_doc = _import(session, project.id, "New", NEW_TEXT)
    first = session.scalars(select(Sentence).where(Sentence.document_id == gold_doc)
                            .order_by(Sentence.index)).first()
    add_gold(session, first.id, [
        span_at(first.text, "Government forces", "ACTOR"),
        span_at(first.text, "shelled", "EVENT",
                attributes={"event_type": "shelling_artillery_missile"}),
        span_at(first.text, "Kafr Tala", "LOCATION"),
    ])
    import_gazetteer(session, project.id, "places", "text,label\nal-Numan,LOCATION\n")
    if pattern:
        save_pattern(session, project.id, name="ordinal unit", label="UNIT", event_type=None,
                     pattern_text=UNIT_PATTERN)
    on = create_batch(session, project.id, source="documents", document_ids=[new_doc],
                      annotators=["ann_a", "ann_b"], overlap=2, suggestions=True).batch
    off = create_batch(session, project.id, source="documents", document_ids=[gold_doc],
                       annotators=["ann_a", "ann_b"], overlap=2).batch
    new = session.scalars(select(Sentence).where(Sentence.document_id == new_doc)).one()
    session.commit()
    return {"admin": admin, "a": a, "b": b, "c": c, "outsider": outsider, "project": project,
            "new": new, "gold": first, "on": on, "off": off}


def words(text: str, suggestions: list[dict]) -> list[tuple[str, str, str, str]]:
    """(text, label, source, name) of each suggestion."""
    return [(text[s["start"]:s["end"]], s["label"], s["source"], s["name"])
            for s in suggestions]
