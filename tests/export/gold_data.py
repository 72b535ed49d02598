"""Gold-standard test data written straight into the tables (independent of adjudication code)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.auth.models import User
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Sentence
from annotator.projects.models import Project
from tests.factories import add_members, make_project, make_user

FIXED_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def add_gold(
    session: Session, sentence_id: int, spans: list[dict[str, Any]], status: str = "complete",
    relations: list[dict[str, Any]] = (),
) -> GoldSentence:
    """One gold sentence, its spans and relations; each span dict needs start, end, label, each
    relation dict head and child (span dicts) and role (the rest defaults)."""
    gold = GoldSentence(sentence_id=sentence_id, status=status, created_at=FIXED_TIME,
                        updated_at=FIXED_TIME)
    session.add(gold)
    session.flush()
    for s in spans:
        session.add(GoldSpanRow(
            gold_id=gold.id, start=s["start"], end=s["end"], label=s["label"],
            attributes=s.get("attributes", {}), source=s.get("source", "unanimous"),
            votes=s.get("votes", 2), voters=s.get("voters", 2),
            annotators=s.get("annotators", []), curator_id=s.get("curator_id"),
            reason=s.get("reason"), note=s.get("note"), created_at=s.get("created_at", FIXED_TIME),
        ))
    for r in relations:
        head, child = r["head"], r["child"]
        session.add(GoldRelationRow(
            gold_id=gold.id, head_start=head["start"], head_end=head["end"], role=r["role"],
            child_start=child["start"], child_end=child["end"],
            source=r.get("source", "unanimous"), votes=r.get("votes", 2),
            voters=r.get("voters", 2), annotators=r.get("annotators", []),
            curator_id=r.get("curator_id"), reason=r.get("reason"), note=r.get("note"),
            created_at=FIXED_TIME,
        ))
    session.flush()
    return gold


def link(head: dict[str, Any], role: str, child: dict[str, Any], **extra: Any) -> dict:
    """A gold relation dict between two span dicts."""
    return {"head": head, "role": role, "child": child, **extra}


def span_at(text: str, phrase: str, label: str, **extra: Any) -> dict[str, Any]:
    """A span dict over the first occurrence of ``phrase`` in ``text``."""
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label, **extra}


def sentences_of(session: Session, project_id: int) -> list[Sentence]:
    return list(session.scalars(
        select(Sentence).where(Sentence.project_id == project_id)
        .order_by(Sentence.document_id, Sentence.index)
    ))


def annotate(session: Session, user: User, sentence: Sentence, spans: list[dict[str, Any]],
             status: str = "done", relations: list[dict[str, Any]] | None = None) -> None:
    """Save ``user``'s annotation through the service; ``relations`` as ``link`` makes them."""
    body = [{"head": _ref(r["head"]), "child": _ref(r["child"]), "role": r["role"]}
            for r in relations or ()]
    save_annotation(session, user, sentence.id,
                    AnnotationIn(spans, status, 0, 1.0, relations=body), max_spent=60)


def _ref(span: dict[str, Any]) -> dict[str, int]:
    return {"start": span["start"], "end": span["end"]}


GOLDEN_ARTICLES = [
    {
        "title": "Shelling near Kafr Tala",
        "url": "https://example.test/kafr-tala",
        "published": "2024-03-04",
        "text": (
            "Government forces shelled the village of Kafr Tala on Monday, a local official "
            "said. The 25th Mechanised Brigade advanced 3.5 km along the M5 highway.\n\n"
            "Gen. Samir Haddad told reporters that the U.S. had not been informed. "
            "Nothing else happened."
        ),
    },
    {
        "title": "Attack in Mogadishu",
        "text": (
            "Al-Shabaab fighters attacked Mogadishu's Lido Beach on Friday. "
            "Nobody claimed the café bombing \U0001F4A5 in Baidoa. The weather was calm."
        ),
    },
    {"title": "No gold here", "text": "Talks resumed in Geneva. Delegates met for two hours."},
]


def golden_project(session: Session) -> dict[str, Any]:
    """A small hand-made project whose exports are kept as golden files (tests/export/golden).

    Sentences (document, index): (1,0) three spans, one of each source; (1,1) two unanimous
    spans; (1,2) partial; (1,3) complete with no span (a negative example); (2,0) and (2,1)
    spans with an emoji before one of them; (2,2) and document 3: no gold, not exported.
    Annotators a, b, c finished (1,0); a and b finished (1,1), which c left as a draft whose
    event is linked to its unit and place.
    """
    admin = make_user(session, "admin1", "admin")
    a, b, c = (make_user(session, name) for name in ("ann_a", "ann_b", "ann_c"))
    curator = make_user(session, "cur", "curator")
    project = make_project(session, "Golden")
    add_members(session, project, a, b, c)  # they annotate it
    import_articles(session, project.id, [(
        "golden.jsonl", "\n".join(json.dumps(x) for x in GOLDEN_ARTICLES).encode()
    )])
    s = sentences_of(session, project.id)
    texts = [x.text for x in s]
    assert len(s) == 9, texts
    t = texts
    shelling = {"event_type": "shelling_artillery_missile"}
    forces = span_at(t[0], "Government forces", "ACTOR", annotators=["ann_a", "ann_b", "ann_c"],
                     votes=3, voters=3)
    shelled = span_at(t[0], "shelled", "EVENT", attributes=shelling, source="majority", votes=2,
                      voters=3, annotators=["ann_a", "ann_c"])
    kafr_tala = span_at(t[0], "Kafr Tala", "LOCATION", source="curator", votes=1, voters=3,
                        annotators=["ann_b"], curator_id=curator.id, reason="annotator_error",
                        note="only the place name, not 'the village of'")
    add_gold(session, s[0].id, [forces, shelled, kafr_tala], relations=[
        link(shelled, "actor1", forces, source="majority", votes=2, voters=3,
             annotators=["ann_a", "ann_c"]),
        link(shelled, "location", kafr_tala, source="curator", votes=0, voters=3,
             curator_id=curator.id, reason="guideline_gap", note="where the shells fell"),
    ])
    add_gold(session, s[1].id, [
        span_at(t[1], "25th Mechanised Brigade", "UNIT", annotators=["ann_a", "ann_b"]),
        span_at(t[1], "M5 highway", "LOCATION", annotators=["ann_a", "ann_b"]),
    ])
    add_gold(session, s[2].id, [span_at(t[2], "Gen. Samir Haddad", "ACTOR", source="majority",
                                        votes=2, voters=3, annotators=["ann_a", "ann_b"])],
             status="partial")
    add_gold(session, s[3].id, [])
    fighters = span_at(t[4], "Al-Shabaab fighters", "ACTOR", annotators=["ann_a", "ann_b"])
    attacked = span_at(t[4], "attacked", "EVENT", attributes={"event_type": "armed_clash"},
                       annotators=["ann_a", "ann_b"])
    beach = span_at(t[4], "Mogadishu's Lido Beach", "LOCATION", source="curator", votes=0,
                    voters=2, curator_id=curator.id, reason="guideline_gap")
    add_gold(session, s[4].id, [fighters, attacked, beach], relations=[
        link(attacked, "actor1", fighters, annotators=["ann_a", "ann_b"]),
        link(attacked, "location", beach, annotators=["ann_a", "ann_b"]),
    ])
    add_gold(session, s[5].id, [
        span_at(t[5], "bombing", "EVENT", attributes={"event_type": "remote_explosive"},
                annotators=["ann_a", "ann_b"]),
        span_at(t[5], "Baidoa", "LOCATION", annotators=["ann_a", "ann_b"]),
    ])
    annotate(session, a, s[0], [span_at(t[0], "Government forces", "ACTOR"),
                                span_at(t[0], "shelled", "EVENT", attributes=shelling)])
    annotate(session, b, s[0], [span_at(t[0], "Government forces", "ACTOR"),
                                span_at(t[0], "village of Kafr Tala", "LOCATION")])
    annotate(session, c, s[0], [span_at(t[0], "Government forces", "ACTOR"),
                                span_at(t[0], "shelled", "EVENT", attributes=shelling)])
    for user in (a, b):
        annotate(session, user, s[1], [span_at(t[1], "25th Mechanised Brigade", "UNIT"),
                                       span_at(t[1], "M5 highway", "LOCATION")])
    # c's draft links the brigade's advance to the unit and the road (drafts are exported
    # with include_annotations, and agreement never reads them).
    brigade = span_at(t[1], "25th Mechanised Brigade", "UNIT")
    advanced = span_at(t[1], "advanced", "EVENT",
                       attributes={"event_type": "strategic_development"})
    road = span_at(t[1], "M5 highway", "LOCATION")
    annotate(session, c, s[1], [brigade, advanced, road], status="in_progress", relations=[
        link(advanced, "location", road), link(advanced, "actor1", brigade)])
    session.commit()
    return {"project": project, "admin": admin, "annotators": [a, b, c], "curator": curator,
            "sentences": s}


def project_by_name(session: Session, name: str) -> Project:
    return session.scalar(select(Project).where(Project.name == name))



SPAN_PHRASES = (("Rebels", "ACTOR"), ("shelled", "EVENT"), ("Kafr", "LOCATION"),
                ("Brigade", "UNIT"), ("M5", "LOCATION"))


def bulk_gold_project(session: Session, name: str, documents: int, per_document: int) -> Project:
    """A project of ``documents`` x ``per_document`` gold sentences with five spans each,
    inserted in bulk (for size-dependent tests; the services are tested elsewhere)."""
    from annotator.corpus.models import Document

    project = make_project(session, name)
    sentence = "Rebels shelled Kafr as the 4th Brigade held the M5 road."
    spans = [(sentence.index(p), sentence.index(p) + len(p), label) for p, label in SPAN_PHRASES]
    step = len(sentence) + 1
    text = " ".join([sentence] * per_document)
    session.execute(insert(Document), [
        {"project_id": project.id, "title": f"Doc {i}", "text": text, "content_hash": f"{name}{i}"}
        for i in range(documents)])
    doc_ids = session.scalars(select(Document.id).where(Document.project_id == project.id)
                              .order_by(Document.id)).all()
    session.execute(insert(Sentence), [
        {"document_id": d, "project_id": project.id, "index": j, "start": j * step,
         "end": j * step + len(sentence), "excluded": False}
        for d in doc_ids for j in range(per_document)])
    sentence_ids = session.scalars(select(Sentence.id).where(Sentence.project_id == project.id)
                                   .order_by(Sentence.id)).all()
    session.execute(insert(GoldSentence), [
        {"sentence_id": s, "status": "complete", "version": 1, "created_at": FIXED_TIME,
         "updated_at": FIXED_TIME} for s in sentence_ids])
    gold_ids = session.scalars(select(GoldSentence.id).join(Sentence).where(
        Sentence.project_id == project.id).order_by(GoldSentence.id)).all()
    session.execute(insert(GoldSpanRow), [
        {"gold_id": g, "start": a, "end": b, "label": label, "attributes": {},
         "source": "unanimous", "votes": 2, "voters": 2, "annotators": ["ann_a", "ann_b"],
         "created_at": FIXED_TIME}
        for g in gold_ids for a, b, label in spans])
    (actor, event, place) = spans[0], spans[1], spans[2]
    session.execute(insert(GoldRelationRow), [
        {"gold_id": g, "head_start": event[0], "head_end": event[1], "role": role,
         "child_start": child[0], "child_end": child[1], "source": "unanimous", "votes": 2,
         "voters": 2, "annotators": ["ann_a", "ann_b"], "created_at": FIXED_TIME}
        for g in gold_ids for role, child in (("actor1", actor), ("location", place))])
    session.commit()
    return project


def bulk_annotations(session: Session, project: Project, names: tuple[str, ...]) -> None:
    """Every sentence of a ``bulk_gold_project`` done by each of ``names``: the gold's five
    spans and its two event links, inserted in bulk."""
    from annotator.annotation.models import Annotation, RelationRow, SpanRow

    users = [make_user(session, name) for name in names]
    sentence = "Rebels shelled Kafr as the 4th Brigade held the M5 road."
    spans = [(sentence.index(p), sentence.index(p) + len(p), label) for p, label in SPAN_PHRASES]
    (actor, event, place) = spans[0], spans[1], spans[2]
    sentence_ids = session.scalars(select(Sentence.id).where(Sentence.project_id == project.id)
                                   .order_by(Sentence.id)).all()
    session.execute(insert(Annotation), [
        {"sentence_id": s, "annotator_id": u.id, "status": "done", "version": 1,
         "time_spent": 5.0, "created_at": FIXED_TIME, "updated_at": FIXED_TIME}
        for s in sentence_ids for u in users])
    annotation_ids = session.scalars(
        select(Annotation.id).join(Sentence).where(Sentence.project_id == project.id)).all()
    session.execute(insert(SpanRow), [
        {"annotation_id": a, "start": start, "end": end, "label": label, "attributes": {}}
        for a in annotation_ids for start, end, label in spans])
    session.execute(insert(RelationRow), [
        {"annotation_id": a, "head_start": event[0], "head_end": event[1], "role": role,
         "child_start": child[0], "child_end": child[1]}
        for a in annotation_ids for role, child in (("actor1", actor), ("location", place))])
    session.commit()
