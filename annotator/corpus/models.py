"""Documents (byte-exact article text) and their sentences (offsets into it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.sql import ColumnElement, Select

from annotator.db import Base, UTCDateTime, utcnow


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("project_id", "content_hash"),
        # covers "the project's published documents": counts and highest id without the rows
        Index("ix_document_project_import", "project_id", "import_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    # sha256 of the text (the same article under another title is a duplicate)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while a chunked import is still writing: the document and its sentences are staged,
    # shown nowhere, until the import's last short transaction clears it (corpus/importing.py).
    import_id: Mapped[str | None] = mapped_column(String(32))

    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="document", order_by="Sentence.index", passive_deletes=True
    )


def staged_documents(project_id: int) -> Select[tuple[int]]:
    """Ids of the project's documents an unfinished import is still writing."""
    return select(Document.id).where(
        Document.project_id == project_id, Document.import_id.is_not(None)
    )


def published_sentence(project_id: int, *, staged: bool = True) -> ColumnElement[bool]:
    """True for a sentence of the project that no unfinished import is still writing.

    ``staged=False`` (the caller found no staged document, ``any_staged``) makes it a plain
    TRUE, so that the query planner keeps its best index for the rest of the query.
    """
    if not staged:
        return true()
    return Sentence.document_id.not_in(staged_documents(project_id))


def any_staged(session: Session, project_id: int) -> bool:
    """Whether an import is still writing documents into the project (an index look-up)."""
    return session.scalar(select(staged_documents(project_id).exists())) or False


class Sentence(Base):
    __tablename__ = "sentence"
    __table_args__ = (
        UniqueConstraint("document_id", "index"),
        CheckConstraint('start >= 0 AND start < "end"', name="offsets"),
        Index("ix_sentence_project_order", "project_id", "document_id", "index"),
        # the few excluded sentences, counted without reading a million rows
        Index(
            "ix_sentence_excluded",
            "project_id",
            sqlite_where=text("excluded = 1"),
            postgresql_where=text("excluded"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    # Denormalised from the document: every listing and batch query filters by project.
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str | None] = mapped_column(String(200))
    # The sentence's text folded for search (``corpus.folding.fold``: no accents, harakat or
    # case), written by the import and backfilled by migration 0012; the sentence list's
    # text search is a substring test on it. Writers that insert sentences by other means
    # must fill it too (an empty value is simply never found by a text search).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    document: Mapped[Document] = relationship(back_populates="sentences")

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]
