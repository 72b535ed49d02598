"""The demo's linked events: both demo annotators' finished annotations of a few sentences,
with their EVENT spans linked to actors and places, and the gold the automatic pass makes of
them, so that a newcomer sees event frames at once (frames.json; created only when missing)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSource
from annotator.annotation.models import Annotation, Status
from annotator.annotation.services import create_annotations
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project
from annotator.relations import Relation, parse_relations
from annotator.spans import Span, parse_spans

DEMO_ANNOTATORS = ("alice", "bob")


def demo_frames() -> list[dict[str, Any]]:
    """The demo's frames as frames.json gives them."""
    text = resources.files("annotator.demo").joinpath("frames.json").read_text("utf-8")
    return json.loads(text)["frames"]


def load_demo_frames(session: Session, project: Project) -> list[str]:
    """Store the demo annotators' frames that are missing, then the gold agreed on; flushed.

    A sentence someone already annotated is left alone; nothing existing is changed.
    """
    users = [session.scalar(select(User).where(User.username == name))
             for name in DEMO_ANNOTATORS]
    if any(user is None for user in users):
        return []
    found = _sentences(session, project.id)
    made = 0
    for user in users:
        items, relations = [], {}
        for frame in demo_frames():
            sentence = found.get((frame["title"], frame["sentence"]))
            if sentence is None or _annotated(session, user.id, sentence.id):
                continue
            spans, links = frame_values(frame, sentence.text, project, user.username)
            items.append((sentence.id, spans))
            relations[sentence.id] = links
        if items:
            create_annotations(
                session, actor_id=None, owner_id=user.id, items=items,
                status=Status.DONE.value, action="demo", relations=relations,
            )
            made += len(items)
    if not made:
        return []
    auto_adjudicate(session, project.id, min_agree=len(users))
    _agreed_gold_relations(session, [s.id for s in found.values()], users)
    return [f"added {made} demo annotations with linked events, and their gold"]


def frame_values(
    frame: dict[str, Any], text: str, project: Project, annotator: str
) -> tuple[list[Span], list[Relation]]:
    """The frame's spans and links on the sentence ``text``, checked like an API save."""
    schema = project.schema
    raw = []
    for words, label, *event_type in frame["spans"]:
        start = text.index(words)
        attributes = {"event_type": event_type[0]} if event_type else {}
        raw.append({"start": start, "end": start + len(words), "label": label,
                    "attributes": attributes})
    spans = parse_spans(raw, text, schema)
    if not schema.has_roles:  # a demo project made before roles: spans only
        return spans, []
    left_out = [tuple(r) for r in frame.get("bob_leaves_out", [])] if annotator == "bob" else []
    links = []
    for head, role, child in frame["relations"]:
        if (head, role, child) in left_out:
            continue
        h, c = text.index(head), text.index(child)
        links.append({"head": {"start": h, "end": h + len(head)}, "role": role,
                      "child": {"start": c, "end": c + len(child)}})
    return spans, parse_relations(links, spans, schema)


def _sentences(session: Session, project_id: int) -> dict[tuple[str, int], Sentence]:
    titles = {frame["title"] for frame in demo_frames()}
    rows = session.execute(
        select(Sentence, Document.title)
        .join(Document, Document.id == Sentence.document_id)
        .where(Sentence.project_id == project_id, Document.title.in_(titles))
    ).all()
    return {(title, sentence.index): sentence for sentence, title in rows}


def _annotated(session: Session, user_id: int, sentence_id: int) -> bool:
    return session.scalar(
        select(Annotation.id).where(
            Annotation.annotator_id == user_id, Annotation.sentence_id == sentence_id
        )
    ) is not None


def _agreed_gold_relations(
    session: Session, sentence_ids: Sequence[int], users: Sequence[User]
) -> None:
    """Give gold the links every demo annotator made whose two spans are gold, where the
    automatic pass has not already (it does once it takes relations)."""
    golds = session.scalars(
        select(GoldSentence).where(GoldSentence.sentence_id.in_(sentence_ids))
    ).all()
    names = sorted(user.username for user in users)
    for gold in golds:
        if gold.relations:
            continue
        spans = {(s.start, s.end) for s in gold.spans}
        made = [
            {r.to_value() for r in a.relations}
            for a in session.scalars(
                select(Annotation).where(
                    Annotation.sentence_id == gold.sentence_id,
                    Annotation.annotator_id.in_([u.id for u in users]),
                )
            )
        ]
        agreed = set.intersection(*made) if len(made) == len(users) else set()
        for r in sorted(agreed):
            if r.head in spans and r.child in spans:
                gold.relations.append(GoldRelationRow(
                    head_start=r.head_start, head_end=r.head_end, role=r.role,
                    child_start=r.child_start, child_end=r.child_end,
                    source=GoldSource.UNANIMOUS.value, votes=len(users), voters=len(users),
                    annotators=names,
                ))
    session.flush()
