"""Documents of a project, and one document's sentences, for the admin pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from annotator.corpus.models import Document, Sentence


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    url: str | None
    published: date | None
    sentences: int
    excluded: int


def list_documents(session: Session, project_id: int) -> list[DocumentRow]:
    rows = session.execute(
        select(
            Document.id,
            Document.title,
            Document.url,
            Document.published,
            func.count(Sentence.id),
            func.coalesce(func.sum(case((Sentence.excluded, 1), else_=0)), 0),
        )
        .outerjoin(Sentence, Sentence.document_id == Document.id)
        .where(Document.project_id == project_id)
        .group_by(Document.id)
        .order_by(Document.id)
    ).all()
    return [DocumentRow(*r) for r in rows]
