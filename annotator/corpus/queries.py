"""Documents of a project, and one document's sentences, a page at a time, for the admin pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from annotator import caching
from annotator.corpus.models import Document, Sentence, any_staged, published_sentence
from annotator.paging import Pager

DOCUMENTS_PER_PAGE = 100
SENTENCES_PER_DOCUMENT_PAGE = 200


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    url: str | None
    published: date | None
    sentences: int
    excluded: int


def count_documents(session: Session, project_id: int) -> int:
    """The project's published documents (an index count: cheap at a million sentences)."""
    return session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.project_id == project_id, Document.import_id.is_(None))
    ) or 0


@dataclass(frozen=True)
class SentenceCount:
    total: int  # published sentences
    excluded: int

    @property
    def annotatable(self) -> int:
        return self.total - self.excluded


def count_sentences(session: Session, project_id: int) -> SentenceCount:
    """How many sentences the project has, and how many of them are excluded.

    Counting a million index entries costs SQLite ~100 ms, so the total is kept (``caching``)
    for the project's published documents: sentences are only ever added or removed with
    their document, so the count and the highest id of the published documents fingerprint
    it. The excluded ones are few and counted on their own (partial) index every time.
    """
    fingerprint = tuple(session.execute(
        select(func.count(), func.max(Document.id))
        .where(Document.project_id == project_id, Document.import_id.is_(None))
    ).one())
    published = published_sentence(project_id, staged=any_staged(session, project_id))
    total = caching.get_or_compute(
        "sentence-count", (str(session.get_bind().url), project_id), fingerprint,
        lambda: session.scalar(
            select(func.count())
            .select_from(Sentence)
            .where(Sentence.project_id == project_id, published)
        ) or 0,
    )
    excluded = session.scalar(
        select(func.count())
        .select_from(Sentence)
        .where(Sentence.project_id == project_id, Sentence.excluded == true(), published)
    ) or 0
    return SentenceCount(total, excluded)


def list_documents(
    session: Session, project_id: int, *, limit: int = DOCUMENTS_PER_PAGE, offset: int = 0
) -> list[DocumentRow]:
    """One page of the project's published documents by id, with their sentence counts."""
    docs = session.execute(
        select(Document.id, Document.title, Document.url, Document.published)
        .where(Document.project_id == project_id, Document.import_id.is_(None))
        .order_by(Document.id)
        .limit(limit)
        .offset(offset)
    ).all()
    if not docs:
        return []
    sizes = {
        doc_id: (n, excluded)
        for doc_id, n, excluded in session.execute(
            select(
                Sentence.document_id,
                func.count(),
                func.coalesce(func.sum(case((Sentence.excluded, 1), else_=0)), 0),
            )
            .where(Sentence.document_id.in_([d.id for d in docs]))
            .group_by(Sentence.document_id)
        )
    }
    return [DocumentRow(*d, *sizes.get(d.id, (0, 0))) for d in docs]


@dataclass(frozen=True)
class DocumentsPage:
    documents: list[DocumentRow]
    pager: Pager


def documents_page(session: Session, project_id: int, page: str | None) -> DocumentsPage:
    """The documents page: ``page`` as the query string gives it (bad values: page 1)."""
    pager = Pager.of(page, DOCUMENTS_PER_PAGE, count_documents(session, project_id))
    return DocumentsPage(
        list_documents(session, project_id, limit=pager.per_page, offset=pager.offset), pager
    )


@dataclass(frozen=True)
class DocumentPage:
    sentences: list[Sentence]
    pager: Pager


def document_page(session: Session, document: Document, page: str | None) -> DocumentPage:
    """One page of a document's sentences (their indexes run 0..n-1: a range, no OFFSET)."""
    total = session.scalar(
        select(func.count()).select_from(Sentence).where(Sentence.document_id == document.id)
    ) or 0
    pager = Pager.of(page, SENTENCES_PER_DOCUMENT_PAGE, total)
    sentences = session.scalars(
        select(Sentence)
        .where(
            Sentence.document_id == document.id,
            Sentence.index >= pager.offset,
            Sentence.index < pager.offset + pager.per_page,
        )
        .order_by(Sentence.index)
    ).all()
    return DocumentPage(list(sentences), pager)
