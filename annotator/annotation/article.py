"""The whole article of a sentence, read-only, for anyone who may open that sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.queries import get_sentence_for
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence


@dataclass(frozen=True)
class ArticlePiece:
    """A stretch of the article: a sentence (``index`` set) or the text between two."""

    text: str
    index: int | None = None
    current: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class Article:
    """An article as the reading view shows it: its facts and its text cut at sentences."""

    sentence_id: int
    sentence_index: int
    title: str
    url: str | None
    link: str | None  # the URL when it is http(s), safe for an href; else None
    outlet: str | None  # the host name of the URL ("www." dropped)
    published: date | None
    sentence_count: int
    pieces: list[ArticlePiece]

    def to_json(self) -> dict[str, Any]:
        """The article as the API sends it (the dialog on the annotation page)."""
        return {
            "sentence_id": self.sentence_id, "sentence_index": self.sentence_index,
            "title": self.title, "url": self.url, "link": self.link, "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
            "sentence_count": self.sentence_count,
            "pieces": [
                {"text": p.text, "index": p.index, "current": p.current, "excluded": p.excluded}
                for p in self.pieces
            ],
        }


def outlet_of(url: str | None) -> str | None:
    """The outlet an article came from, as its URL's host name without "www."."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def web_link(url: str | None) -> str | None:
    """The URL if a browser may follow it as a link (http or https), else None."""
    return url if url and urlsplit(url).scheme.lower() in ("http", "https") else None


def get_article(session: Session, user: User, sentence_id: int) -> Article:
    """Return the article of a sentence this user may open, that sentence marked current.

    Raises:
        NotFound: no such sentence.  Forbidden: the user may not open it (as the editor).
    """
    sentence = get_sentence_for(session, user, sentence_id)
    document: Document = sentence.document
    rows = session.execute(
        select(Sentence.index, Sentence.start, Sentence.end, Sentence.excluded)
        .where(Sentence.document_id == document.id)
        .order_by(Sentence.index)
    ).all()
    text = document.text
    pieces: list[ArticlePiece] = []
    at = 0
    for index, start, end, excluded in rows:
        if start > at:  # the spaces and line breaks between sentences keep the paragraphs
            pieces.append(ArticlePiece(text[at:start]))
        pieces.append(ArticlePiece(
            text[start:end], index=index, current=index == sentence.index, excluded=excluded,
        ))
        at = max(at, end)
    if at < len(text):
        pieces.append(ArticlePiece(text[at:]))
    return Article(
        sentence_id=sentence.id, sentence_index=sentence.index, title=document.title,
        url=document.url, link=web_link(document.url), outlet=outlet_of(document.url),
        published=document.published, sentence_count=len(rows), pieces=pieces,
    )
