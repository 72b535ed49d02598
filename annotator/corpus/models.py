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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotator.db import Base, UTCDateTime, utcnow


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("project_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the text (the same article under another title is a duplicate)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="document", order_by="Sentence.index", passive_deletes=True
    )


class Sentence(Base):
    __tablename__ = "sentence"
    __table_args__ = (
        UniqueConstraint("document_id", "index"),
        CheckConstraint('start >= 0 AND start < "end"', name="offsets"),
        Index("ix_sentence_project_order", "project_id", "document_id", "index"),
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

    document: Mapped[Document] = relationship(back_populates="sentences")

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]
