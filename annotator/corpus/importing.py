"""Read article files (.txt, .jsonl), split them into sentences and store them in bulk."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from annotator.corpus.models import Document, Sentence
from annotator.corpus.splitting import split_sentences
from annotator.errors import Invalid
from annotator.inputs import InputError, jsonl_lines, loads_json, parse_iso_date

MAX_TITLE = 500
MAX_URL = 2000
MAX_LINE_BYTES = 5 * 1024 * 1024  # one JSONL article; a longer line is not an article
MAX_JSON_DEPTH = 20


class ImportRefused(Invalid):
    """A file cannot be imported; the message names the file and, where it applies, the line."""


@dataclass(frozen=True)
class ArticleIn:
    title: str
    text: str
    url: str | None
    published: date | None
    source: str  # "file.jsonl:12" — where it came from, for messages

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class ImportResult:
    documents_added: int = 0
    sentences_added: int = 0
    excluded_sentences: int = 0
    skipped: list[str] = field(default_factory=list)  # sources already in the project


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportRefused(f"{name}: line {line}: binary data (NUL byte); expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ImportRefused(f"{name}: line {line}: not valid UTF-8 (byte {err.start})") from None
    return text.removeprefix("\ufeff")


def read_txt(name: str, data: bytes) -> list[ArticleIn]:
    """A .txt file is one article: the first non-empty line is the title, the rest the body.

    The body is stored exactly as it stands after the title line, so offsets stay exact.
    """
    text = _decode(name, data)
    if not text.strip():
        raise ImportRefused(f"{name}: the file is empty")
    pos = 0
    while True:
        nl = text.find("\n", pos)
        line = text[pos:] if nl == -1 else text[pos:nl]
        if line.strip():
            title = line.strip()
            body = "" if nl == -1 else text[nl + 1 :]
            break
        pos = nl + 1
    if not body.strip():
        raise ImportRefused(f"{name}: has a title line but no article text after it")
    if len(title) > MAX_TITLE:
        raise ImportRefused(f"{name}: line 1: title longer than {MAX_TITLE} characters")
    return [ArticleIn(title=title, text=body, url=None, published=None, source=name)]


def read_jsonl(name: str, data: bytes) -> list[ArticleIn]:
    """A .jsonl file holds one article per line: title, text, and optionally url, published."""
    text = _decode(name, data)
    articles: list[ArticleIn] = []
    for lineno, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip():
            continue
        where = f"{name}: line {lineno}"
        if len(line) > MAX_LINE_BYTES:
            raise ImportRefused(f"{where}: line longer than {MAX_LINE_BYTES} characters")
        try:  # refuses deep nesting, integers past 64 bits, NUL and lone surrogates
            obj = loads_json(line, max_depth=MAX_JSON_DEPTH)
        except InputError as err:
            raise ImportRefused(f"{where}: {err}") from None
        if not isinstance(obj, dict):
            raise ImportRefused(f"{where}: expected an object with 'title' and 'text'")
        missing = [k for k in ("title", "text") if k not in obj]
        if missing:
            raise ImportRefused(f"{where}: missing field(s) {', '.join(missing)}")
        title, body = obj["title"], obj["text"]
        if not isinstance(title, str) or not title.strip():
            raise ImportRefused(f"{where}: 'title' must be a non-empty string")
        if len(title) > MAX_TITLE:
            raise ImportRefused(f"{where}: 'title' longer than {MAX_TITLE} characters")
        if not isinstance(body, str) or not body.strip():
            raise ImportRefused(f"{where}: 'text' must be a non-empty string")
        url = obj.get("url")
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            raise ImportRefused(f"{where}: 'url' must be a string of at most {MAX_URL} characters")
        published = obj.get("published")
        if published is not None:
            try:
                published = parse_iso_date(published, "'published'")
            except InputError as err:
                raise ImportRefused(f"{where}: {err}") from None
        articles.append(
            ArticleIn(
                title=title.strip(), text=body, url=url or None, published=published, source=where
            )
        )
    if not articles:
        raise ImportRefused(f"{name}: the file is empty")
    return articles


def read_articles(name: str, data: bytes) -> list[ArticleIn]:
    """Parse one uploaded or named file by its extension."""
    lower = name.lower()
    if lower.endswith(".jsonl"):
        return read_jsonl(name, data)
    if lower.endswith(".txt"):
        return read_txt(name, data)
    raise ImportRefused(f"{name}: unsupported file type (expected .txt or .jsonl)")


def import_articles(
    session: Session, project_id: int, files: Sequence[tuple[str, bytes]]
) -> ImportResult:
    """Import every article of ``files`` into the project, all or nothing.

    Every file is read and checked before anything is written, so a refused file stores
    nothing. Articles whose text is already in the project (same content hash) are skipped.

    Raises:
        ImportRefused: naming the file and line of the first problem.
    """
    articles: list[ArticleIn] = []
    for name, data in files:
        articles.extend(read_articles(name, data))
    result = ImportResult()
    known = set(
        session.scalars(select(Document.content_hash).where(Document.project_id == project_id))
    )
    fresh: list[ArticleIn] = []
    for article in articles:
        digest = article.content_hash
        if digest in known:
            result.skipped.append(article.source)
            continue
        known.add(digest)
        fresh.append(article)
    if not fresh:
        return result
    doc_ids = session.scalars(
        insert(Document).returning(Document.id, sort_by_parameter_order=True),
        [
            {
                "project_id": project_id,
                "title": a.title,
                "url": a.url,
                "published": a.published,
                "text": a.text,
                "content_hash": a.content_hash,
            }
            for a in fresh
        ],
    ).all()
    rows = []
    for doc_id, article in zip(doc_ids, fresh, strict=True):
        for index, piece in enumerate(split_sentences(article.text)):
            rows.append(
                {
                    "document_id": doc_id,
                    "project_id": project_id,
                    "index": index,
                    "start": piece.start,
                    "end": piece.end,
                    "excluded": piece.excluded,
                    "excluded_reason": piece.reason,
                }
            )
            result.excluded_sentences += piece.excluded
    if rows:
        session.execute(insert(Sentence.__table__), rows)  # Core executemany: fastest path
    result.documents_added = len(fresh)
    result.sentences_added = len(rows)
    session.flush()
    return result
