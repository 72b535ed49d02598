"""The exported gold read straight from the tables, to compare other tools' files with.

Independent of the export code: plain ORM queries, offsets as stored (sentence-relative) and
turned into document offsets by adding the sentence's start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.corpus.models import Document, Sentence


@dataclass
class GoldDocument:
    """A document's text and its gold, in document offsets."""

    id: int
    title: str
    text: str
    # (start, end, label, event_type or None), document offsets
    spans: set[tuple[int, int, str, str | None]] = field(default_factory=set)
    # ((head start, head end), role, (child start, child end)), document offsets
    relations: set[tuple[tuple[int, int], str, tuple[int, int]]] = field(default_factory=set)
    # (sentence id, sentence text, gold status, [(start, end, label, event_type)] sentence
    # offsets, in order) for each gold sentence, in document order
    sentences: list[tuple[int, str, str, list[tuple[int, int, str, str | None]]]] = field(
        default_factory=list)


def gold_documents(session: Session, project_id: int) -> dict[int, GoldDocument]:
    """Every document with gold of the project, by id."""
    out: dict[int, GoldDocument] = {}
    rows = session.execute(
        select(Sentence, GoldSentence)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Sentence.project_id == project_id, Sentence.excluded.is_(False))
        .order_by(Sentence.document_id, Sentence.index)
    ).all()
    for sentence, gold in rows:
        document = session.get(Document, sentence.document_id)
        item = out.setdefault(document.id, GoldDocument(document.id, document.title,
                                                        document.text))
        spans = session.scalars(select(GoldSpanRow).where(GoldSpanRow.gold_id == gold.id)
                                .order_by(GoldSpanRow.start)).all()
        own = []
        for s in spans:
            event_type = (s.attributes or {}).get("event_type")
            own.append((s.start, s.end, s.label, event_type))
            item.spans.add((sentence.start + s.start, sentence.start + s.end, s.label,
                            event_type))
        item.sentences.append((sentence.id, sentence.text, gold.status, own))
        for r in session.scalars(select(GoldRelationRow)
                                 .where(GoldRelationRow.gold_id == gold.id)):
            at = sentence.start
            item.relations.add(((at + r.head_start, at + r.head_end), r.role,
                                (at + r.child_start, at + r.child_end)))
    return out
