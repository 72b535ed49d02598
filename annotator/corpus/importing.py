"""Read article files (.txt, .jsonl), split them into sentences and store them in bulk."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from annotator.corpus.folding import fold
from annotator.corpus.models import Document, Sentence, staged_documents
from annotator.corpus.splitting import SentenceSpan, split_sentences
from annotator.db import utcnow
from annotator.errors import Invalid
from annotator.inputs import InputError, jsonl_lines, loads_json, parse_iso_date
from annotator.wording import plural

MAX_TITLE = 500
MAX_URL = 2000
MAX_LINE_BYTES = 5 * 1024 * 1024  # one JSONL article; a longer line is not an article
MAX_JSON_DEPTH = 20
# One transaction of a chunked import writes about this many sentences (a few ms of holding
# SQLite's write lock), so that a save waiting behind it waits one chunk at most.
IMPORT_CHUNK_ROWS = 250
ABANDONED_AFTER = timedelta(hours=1)  # staged rows of an import that died: removed after this


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

    def message(self) -> tuple[str, str]:
        """What the import did, in words, and its kind: "success" when something was added,
        "notice" when every file was already there (nothing added is not a success)."""
        if not self.documents_added:
            if self.skipped:
                files = ", ".join(self.skipped[:5]) + ("…" if len(self.skipped) > 5 else "")
                return (f"Already imported, nothing added: {plural(len(self.skipped), 'file')} "
                        f"({files}) {'is' if len(self.skipped) == 1 else 'are'} already in "
                        "this project.", "notice")
            return "Nothing added: the files held no article.", "notice"
        text = (f"Imported {plural(self.documents_added, 'document')} with "
                f"{plural(self.sentences_added, 'sentence')}")
        if self.excluded_sentences:
            text += (f" ({self.excluded_sentences} marked as boilerplate and left out of "
                     "annotation)")
        if self.skipped:
            text += (f"; {plural(len(self.skipped), 'file')} already imported, skipped "
                     f"({', '.join(self.skipped[:5])}{'…' if len(self.skipped) > 5 else ''})")
        return text + ".", "success"


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
        articles.append(article_from_object(obj, where))
    if not articles:
        raise ImportRefused(f"{name}: the file is empty")
    return articles


def article_from_object(obj: object, where: str) -> ArticleIn:
    """One article given as a JSON object (a JSONL line, an item of an API body): title,
    text, and optionally url and published, checked; ``where`` names it in messages."""
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
    return ArticleIn(title=title.strip(), text=body, url=url or None, published=published,
                     source=where)


def read_article_objects(objects: object, name: str = "articles") -> list[ArticleIn]:
    """The articles of a JSON list (the API's upload body), each checked as a JSONL line is;
    messages name them ``articles[3]``."""
    if not isinstance(objects, list):
        raise ImportRefused(f"'{name}' must be a list of articles")
    if not objects:
        raise ImportRefused(f"'{name}' holds no article")
    return [article_from_object(obj, f"{name}[{i}]") for i, obj in enumerate(objects)]


def read_articles(name: str, data: bytes) -> list[ArticleIn]:
    """Parse one uploaded or named file by its extension."""
    lower = name.lower()
    if lower.endswith(".jsonl"):
        return read_jsonl(name, data)
    if lower.endswith(".txt"):
        return read_txt(name, data)
    raise ImportRefused(f"{name}: unsupported file type (expected .txt or .jsonl)")


def read_files(files: Sequence[tuple[str, bytes]]) -> list[ArticleIn]:
    """Every article of every file, checked; a refused file raises before anything is written."""
    articles: list[ArticleIn] = []
    for name, data in files:
        articles.extend(read_articles(name, data))
    return articles


@dataclass
class ArticleImport:
    """An import written in small transactions, shown to nobody until it is published.

    ``stage()`` writes the new documents with their ``import_id`` set (hidden from every list,
    batch and count: ``models.published_sentence``) and their sentences, about ``chunk_rows``
    sentences at a time, yielding after each flushed chunk so that the caller commits it and
    the database's write lock is free again; ``publish()`` then makes them all visible in one
    short UPDATE. On failure ``discard()`` deletes the staged rows chunk by chunk. An import
    killed half-way leaves hidden rows that the next import into the project removes once
    they are older than ``ABANDONED_AFTER``. ``transactions.run_chunked`` drives the three.
    """

    session: Session
    project_id: int
    articles: list[ArticleIn]
    chunk_rows: int = IMPORT_CHUNK_ROWS
    import_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    result: ImportResult = field(default_factory=ImportResult)

    def stage(self) -> Iterator[int]:
        """Write the new documents and sentences, hidden; yield after each flushed chunk."""
        yield from self._discard_documents(self._abandoned())
        known = set(
            self.session.scalars(
                select(Document.content_hash).where(
                    Document.project_id == self.project_id, Document.import_id.is_(None)
                )
            )
        )
        batch: list[tuple[ArticleIn, list[SentenceSpan]]] = []
        pending = 0
        for article in self.articles:
            digest = article.content_hash
            if digest in known:
                self.result.skipped.append(article.source)
                continue
            known.add(digest)
            pieces = split_sentences(article.text)
            batch.append((article, pieces))
            pending += len(pieces)
            if pending >= self.chunk_rows:
                yield from self._write(batch)
                batch, pending = [], 0
        if batch:
            yield from self._write(batch)

    def _write(self, batch: list[tuple[ArticleIn, list[SentenceSpan]]]) -> Iterator[int]:
        rows: list[tuple[int, dict[str, object]]] = []  # (position in batch, row): built first
        for position, (article, pieces) in enumerate(batch):
            for index, piece in enumerate(pieces):
                rows.append((position, {
                    "project_id": self.project_id, "index": index, "start": piece.start,
                    "end": piece.end, "excluded": piece.excluded, "excluded_reason": piece.reason,
                    "search_text": fold(article.text[piece.start : piece.end]),
                }))
                self.result.excluded_sentences += piece.excluded
        try:
            doc_ids = self.session.scalars(
                insert(Document).returning(Document.id, sort_by_parameter_order=True),
                [
                    {
                        "project_id": self.project_id, "title": a.title, "url": a.url,
                        "published": a.published, "text": a.text,
                        "content_hash": a.content_hash, "import_id": self.import_id,
                    }
                    for a, _ in batch
                ],
            ).all()
        except IntegrityError:
            raise ImportRefused(
                "an article of these files is being imported by another import (or by one "
                "interrupted less than an hour ago); nothing stored, try again later"
            ) from None
        self.result.documents_added += len(batch)
        for start in range(0, len(rows), self.chunk_rows):
            part = [
                {**row, "document_id": doc_ids[position]}
                for position, row in rows[start : start + self.chunk_rows]
            ]
            self.session.execute(insert(Sentence.__table__), part)  # Core executemany
            self.result.sentences_added += len(part)
            self.session.flush()
            yield self.result.sentences_added

    def publish(self) -> ImportResult:
        """Make every staged document and sentence visible at once."""
        publish_staged(self.session, self.project_id, self.import_id)
        return self.result

    def discard(self) -> Iterator[int]:
        """Delete what ``stage()`` wrote, a chunk per yield."""
        staged = select(Document.id).where(
            Document.project_id == self.project_id, Document.import_id == self.import_id
        )
        yield from self._discard_documents(staged)

    def _abandoned(self) -> Select[tuple[int]]:
        cutoff = utcnow() - ABANDONED_AFTER
        return staged_documents(self.project_id).where(Document.created_at < cutoff)

    def _discard_documents(self, documents: Select[tuple[int]]) -> Iterator[int]:
        deleted = 0
        while True:
            ids = self.session.scalars(
                select(Sentence.id)
                .where(Sentence.document_id.in_(documents))
                .limit(self.chunk_rows)
            ).all()
            if not ids:
                break
            self.session.execute(delete(Sentence).where(Sentence.id.in_(ids)))
            self.session.flush()
            deleted += len(ids)
            yield deleted
        while True:
            ids = self.session.scalars(documents.limit(self.chunk_rows)).all()
            if not ids:
                return
            self.session.execute(delete(Document).where(Document.id.in_(ids)))
            self.session.flush()
            yield len(ids)


def publish_staged(session: Session, project_id: int, import_id: str) -> None:
    """Show every document (and sentence) staged under ``import_id``, in one UPDATE."""
    session.execute(
        update(Document)
        .where(Document.project_id == project_id, Document.import_id == import_id)
        .values(import_id=None)
    )
    session.flush()


def discard_staged(session: Session, project_id: int, import_id: str,
                   chunk_rows: int = IMPORT_CHUNK_ROWS) -> None:
    """Delete the hidden documents (and sentences) staged under ``import_id``, committing each
    chunk: the undo of an import whose attempt failed or died (nothing when none is left)."""
    staged = ArticleImport(session, project_id, [], import_id=import_id, chunk_rows=chunk_rows)
    for _ in staged.discard():
        session.commit()


def plan_import(
    session: Session,
    project_id: int,
    files: Sequence[tuple[str, bytes]],
    *,
    chunk_rows: int = IMPORT_CHUNK_ROWS,
) -> ArticleImport:
    """Read and check every file (nothing is written yet) into an import to run in chunks.

    Raises:
        ImportRefused: naming the file and line of the first problem.
    """
    return ArticleImport(session, project_id, read_files(files), chunk_rows=chunk_rows)


def import_articles(
    session: Session, project_id: int, files: Sequence[tuple[str, bytes]]
) -> ImportResult:
    """Import every article of ``files`` into the project in the caller's one transaction.

    For small imports (the demo, tests, benchmarks' set-up); the documents page and
    ``annotator import-articles`` run ``plan_import`` in chunks instead. Articles whose text
    is already in the project (same content hash) are skipped.

    Raises:
        ImportRefused: naming the file and line of the first problem.
    """
    job = plan_import(session, project_id, files, chunk_rows=10**9)
    for _ in job.stage():
        pass
    return job.publish()
