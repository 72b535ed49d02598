"""Import annotations made in other tools (doccano, Label Studio, brat, CoNLL) as
pre-annotations or gold: documents found or created, spans placed on sentences, all or
nothing unless invalid items are to be skipped.

A reader (``export/readers/``) turns the files into documents with absolute offsets. Each is
then matched to the project: a document with the same text (content hash); else one whose
text differs only in whitespace (a CoNLL file's rebuilt text: offsets are realigned); else
the one sentence with exactly that text (a file of our sentences, one per line); else a new
document, split by the project's splitter as an article upload is (``ArticleImport``).
With ``chunk_rows`` new documents are committed hidden, a chunk at a time, under an import
key, shown by the last transaction, and deleted when the import is refused or fails (the
job's undo: what a dead attempt staged); so a refused import leaves no document behind.
``readers/placing.py`` maps the spans onto the sentences and checks them as the annotation
API does. Every problem names the file and the line, task or id; without ``skip_invalid``
any problem refuses the whole import.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.auth.models import User
from annotator.corpus.importing import (
    MAX_TITLE,
    ArticleImport,
    ArticleIn,
    discard_staged,
    publish_staged,
)
from annotator.corpus.models import Document, Sentence
from annotator.errors import Invalid
from annotator.export.importing import (
    SENTENCE_TEXT,
    ImportRefused,
    ImportResult,
    check_users,
    prepare_annotations,
    taken_sentences,
)
from annotator.export.readers.brat import read_brat
from annotator.export.readers.conll import read_conll
from annotator.export.readers.doccano import read_doccano
from annotator.export.readers.labelstudio import read_labelstudio
from annotator.export.readers.placing import Slot, place, realign
from annotator.export.readers.shape import ForeignDocument, Problem, Reading
from annotator.export.storing import Stored, StoredChunk, store_prepared
from annotator.projects.models import Project
from annotator.transactions import committed_chunks
from annotator.wording import plural, snippet

# --format: "ours" is the JSONL of export/importing.py, the others are read here.
FORMATS = ("ours", "doccano", "labelstudio", "brat", "conll")
FORMAT_NAMES = {
    "ours": "Ours (JSONL: text, spans, relations)",
    "doccano": "doccano (sequence-labelling JSONL)",
    "labelstudio": "Label Studio (JSON export)",
    "brat": "brat standoff (.txt + .ann, or a .zip)",
    "conll": "CoNLL (BIO, a token per line)",
}
READERS: dict[str, Callable[..., Reading]] = {
    "doccano": read_doccano, "labelstudio": read_labelstudio, "brat": read_brat,
    "conll": read_conll,
}
CHUNK = 500  # ids per IN (...) list
# How far an import is (0..1) and what it is doing: a background job's ctx.report.
Progress = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    """No progress to show (the inline CLI and tests)."""


# Whitespace removed in SQL to find a document by its text without it (see _by_solid_text).
SPACES = (" ", "\n", "\t", "\r")


@dataclass
class ForeignResult:
    """What an import of another tool's files stored, and what it left out."""

    mode: str
    documents: int = 0  # documents that received annotations
    matched: int = 0  # ... found in the project by their text
    created: int = 0  # ... created by this import
    sentences: int = 0
    spans: int = 0
    relations: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Target:
    """Where a peer's document goes: its stored text and sentences."""

    document: ForeignDocument
    text: str
    slots: list[Slot]
    created: bool = False


@dataclass(frozen=True)
class Outcome:
    """An import in words: the summary line and each item left out."""

    summary: str
    skipped: tuple[str, ...]


def import_files(
    session: Session, project: Project, files: Sequence[tuple[str, bytes]], *, fmt: str,
    mode: str, annotator: str | None = None, curator: str | None = None,
    skip_invalid: bool = False, text_key: str | None = None, progress: Progress = _quiet,
    chunk_rows: int | None = None, on_chunk: Callable[[StoredChunk], None] | None = None,
    import_id: str | None = None,
) -> Outcome:
    """Import ``files`` in any format (the import job's one call): our JSONL (every file
    checked, then all stored: ``chunk_rows`` sentences per commit when given, see
    ``storing.store_prepared``), the others with ``import_foreign`` (chunked the same way,
    the documents it creates staged under ``import_id``); ``progress`` hears how far.

    Raises:
        Invalid / NotFound / ImportRefused: as those two do; nothing stored.
    """
    if fmt == "ours":
        prepared = []
        for done, (name, data) in enumerate(files):
            progress(0.5 * done / len(files),
                     f"Checking file {done + 1} of {len(files)} ({name})")
            try:
                prepared.append((name, prepare_annotations(
                    session, project, data, mode=mode, annotator=annotator, curator=curator,
                    source_name=name, skip_invalid=skip_invalid)))
            except ImportRefused as err:
                if len(files) == 1:
                    raise  # the caller names the one file
                raise ImportRefused([f"{name}: {line}" for line in err.errors], "files") from None
        store_prepared(session, project.id, [p for _, p in prepared], chunk_rows=chunk_rows,
                       on_chunk=on_chunk, progress=progress)
        results = [(name, p.result) for name, p in prepared]
        skipped = tuple(f"{name}: {line}" for name, r in results for line in r.skipped)
        return Outcome(describe_ours([r for _, r in results], mode, annotator), skipped)
    result = import_foreign(session, project, files, fmt=fmt, mode=mode, annotator=annotator,
                            curator=curator, skip_invalid=skip_invalid, text_key=text_key,
                            progress=progress, chunk_rows=chunk_rows, on_chunk=on_chunk,
                            import_id=import_id)
    return Outcome(describe_foreign(result, annotator), tuple(result.skipped))


def describe_ours(results: Sequence[ImportResult], mode: str, annotator: str | None) -> str:
    """What imports of our JSONL files stored, in one line."""
    what = "gold sentences" if mode == "gold" else f"pre-annotations for {annotator}"
    total = sum(r.relations for r in results)
    relations = f" and {total} relations" if total else ""
    skipped = sum(len(r.skipped) for r in results)
    return (
        f"imported {sum(r.sentences for r in results)} {what} with "
        f"{sum(r.spans for r in results)} spans{relations} "
        f"({sum(r.matched_by_id for r in results)} matched by id, "
        f"{sum(r.matched_by_text for r in results)} by text)"
        + (f"; skipped {plural(skipped, 'line')}" if skipped else "")
    )


def describe_foreign(result: ForeignResult, annotator: str | None) -> str:
    """What an import of another tool's files stored, in one line."""
    what = "as gold" if result.mode == "gold" else f"as pre-annotations for {annotator}"
    relations = f" and {plural(result.relations, 'relation')}" if result.relations else ""
    skipped = f"; skipped {plural(len(result.skipped), 'item')}" if result.skipped else ""
    return (
        f"imported {plural(result.documents, 'document')} ({result.matched} found in the "
        f"project, {result.created} created) {what}: "
        f"{plural(result.sentences, 'sentence')} with {plural(result.spans, 'span')}"
        f"{relations}{skipped}"
    )


def read_files(fmt: str, files: Sequence[tuple[str, bytes]],
               text_key: str | None = None) -> Reading:
    """The documents of ``files`` in format ``fmt`` (not "ours"), and the items left out."""
    if fmt == "labelstudio":  # the only reader with an option
        return read_labelstudio(files, text_key=text_key)
    return READERS[fmt](files)


def import_foreign(
    session: Session,
    project: Project,
    files: Sequence[tuple[str, bytes]],
    *,
    fmt: str,
    mode: str,
    annotator: str | None = None,
    curator: str | None = None,
    skip_invalid: bool = False,
    text_key: str | None = None,
    progress: Progress = _quiet,
    chunk_rows: int | None = None,
    on_chunk: Callable[[StoredChunk], None] | None = None,
    import_id: str | None = None,
) -> ForeignResult:
    """Read ``files`` in format ``fmt`` and store their annotations in the project: in the
    caller's transaction, or (``chunk_rows`` given) ``chunk_rows`` sentences per commit, the
    documents it creates staged hidden under ``import_id`` (a new key when None) and shown in
    the last transaction, which is left to the caller to commit.

    ``mode`` "pre" stores them as ``annotator``'s in-progress annotations, "gold" as complete
    gold closed by ``curator`` (when given). Every sentence of a document the file annotates
    gets a record, empty ones too: the peer's file says what the whole document holds.

    Raises:
        Invalid / NotFound: a bad mode, format or user.
        ImportRefused: naming every problem (file and line, task or id); nothing stored. With
            ``skip_invalid`` only when nothing at all could be imported.
    """
    options = {"fmt": fmt, "mode": mode, "annotator": annotator, "curator": curator,
               "skip_invalid": skip_invalid, "text_key": text_key, "progress": progress,
               "chunk_rows": chunk_rows, "on_chunk": on_chunk}
    if chunk_rows is None:
        return _import_foreign(session, project, files, staged_as=None, **options)
    key = import_id or uuid.uuid4().hex
    try:
        result = _import_foreign(session, project, files, staged_as=key, **options)
    except BaseException:
        # The chunks of annotations are out again (run_chunked); so go the new documents.
        session.rollback()
        discard_staged(session, project.id, key, chunk_rows)
        raise
    publish_staged(session, project.id, key)
    return result


def _import_foreign(
    session: Session, project: Project, files: Sequence[tuple[str, bytes]], *, fmt: str,
    mode: str, annotator: str | None, curator: str | None, skip_invalid: bool,
    text_key: str | None, progress: Progress, chunk_rows: int | None,
    on_chunk: Callable[[StoredChunk], None] | None, staged_as: str | None,
) -> ForeignResult:
    """``import_foreign``'s work; new documents staged under ``staged_as`` when given."""
    if fmt not in READERS:
        raise Invalid(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    owner, curator_user = check_users(session, project.id, mode, annotator, curator)
    progress(0.02, f"Reading {plural(len(files), 'file')}")
    reading = read_files(fmt, files, text_key)
    problems = list(reading.problems)
    progress(0.3, f"Read {plural(len(reading.documents), 'document')}; finding them in "
                  "the project")
    targets = _targets(session, project.id, reading.documents, problems, staged_as,
                       chunk_rows, progress)
    result = ForeignResult(mode=mode)
    items: list[Stored] = []
    given: dict[int, str] = {}  # sentence id -> the document that gave it
    placements = []
    schema = project.schema  # parsed on each access: once for the whole file
    for done, target in enumerate(targets):
        if done % 50 == 0:
            progress(0.5 + 0.3 * done / len(targets),
                     f"Placing spans: {done:,} of {len(targets):,} documents")
        placement = place(target.document, target.text, target.slots, schema)
        problems.extend(placement.problems)
        placements.append((target, placement))
    ids = [sid for _, p in placements for sid in p.sentences]
    taken = taken_sentences(session, mode, owner, ids)
    for target, placement in placements:
        where = target.document.where
        stored = 0
        for sid, (spans, relations) in placement.sentences.items():
            if sid in taken:
                problems.append(Problem(where, taken[sid]))
                continue
            if sid in given:
                problems.append(Problem(where, f"sentence {sid} is given twice (also by "
                                               f"{given[sid]})"))
                continue
            given[sid] = where
            items.append((sid, spans, relations, f"imported from {where}"))
            stored += 1
            result.spans += len(spans)
            result.relations += len(relations)
        if stored:
            result.documents += 1
            result.created += target.created
    result.matched = result.documents - result.created
    result.sentences = len(items)
    result.skipped = list(dict.fromkeys(str(p) for p in problems))  # once each, in order
    if problems and not (skip_invalid and items):
        raise ImportRefused(result.skipped or ["nothing to import"], "files")
    if not items:
        raise ImportRefused(["the files hold no annotated document"], "files")
    progress(0.85, f"Writing {plural(result.documents, 'document')} "
                   f"({plural(result.sentences, 'sentence')}, {plural(result.spans, 'span')})")
    # In committed chunks when chunk_rows is given, as our JSONL is (the sentences of new
    # documents are still hidden then: they are shown with the documents, by the caller).
    store_prepared(
        session, project.id, [_Checked(mode, owner, curator_user, items)],
        chunk_rows=chunk_rows, on_chunk=on_chunk,
        progress=lambda fraction, message: progress(0.85 + (fraction - 0.5) / 4.5, message),
    )
    return result


@dataclass(frozen=True)
class _Checked:
    """The placed and checked items of a foreign import (``storing.Checked``)."""

    mode: str
    owner: User | None
    curator: User | None
    items: list[Stored]


def _targets(session: Session, project_id: int, documents: list[ForeignDocument],
             problems: list[Problem], staged_as: str | None,
             chunk_rows: int | None, progress: Progress) -> list[_Target]:
    """Each readable document with the stored text and sentences it goes to (created when
    the project lacks it: see ``_create``); a document given twice is a problem."""
    seen: dict[str, str] = {}
    unique: list[ForeignDocument] = []
    for document in documents:
        digest = _digest(document.text)
        if digest in seen:
            problems.append(Problem(document.where, f"the same text as {seen[digest]}"))
            continue
        if not document.text.strip():
            problems.append(Problem(document.where, "the text is empty"))
            continue
        seen[digest] = document.where
        unique.append(document)
    found = _by_hash(session, project_id, unique)
    rest = [d for d in unique if d.where not in found]
    found.update(_by_solid_text(session, project_id, rest))
    rest = [d for d in rest if d.where not in found]
    by_sentence, ambiguous = _by_sentence_text(session, project_id, rest, problems)
    rest = [d for d in rest if d.where not in by_sentence and d.where not in ambiguous]
    created = _create(session, project_id, rest, staged_as, chunk_rows, progress)
    found.update(created)
    slots = _slots(session, {doc_id for doc_id, _ in found.values()})
    targets: list[_Target] = []
    for document in unique:
        if document.where in found:
            doc_id, text = found[document.where]
            moved = document if text == document.text else realign(document, text)
            assert moved is not None  # found by its text, or by its text without whitespace
            targets.append(_Target(moved, text, slots.get(doc_id, []),
                                   created=document.where in created))
        elif document.where in by_sentence:
            sid, excluded = by_sentence[document.where]
            targets.append(_Target(document, document.text,
                                   [Slot(sid, 0, len(document.text), excluded)]))
    return targets


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _by_hash(session: Session, project_id: int, documents: list[ForeignDocument],
             staged_as: str | None = None) -> dict[str, tuple[int, str]]:
    """Documents of the project with exactly these texts: (id, text) by the peer's ``where``;
    the shown ones, or those staged under ``staged_as``."""
    wanted: dict[str, list[str]] = {}
    for d in documents:
        wanted.setdefault(_digest(d.text), []).append(d.where)
    found: dict[str, tuple[int, str]] = {}
    hashes = list(wanted)
    shown = Document.import_id.is_(None) if staged_as is None else Document.import_id == staged_as
    for start in range(0, len(hashes), CHUNK):
        rows = session.execute(
            select(Document.id, Document.content_hash, Document.text).where(
                Document.project_id == project_id, shown,
                Document.content_hash.in_(hashes[start:start + CHUNK])))
        for doc_id, digest, text in rows:
            for where in wanted[digest]:
                found[where] = (doc_id, text)
    return found


def _solid(text: str) -> str:
    for space in SPACES:
        text = text.replace(space, "")
    return text


def _by_solid_text(session: Session, project_id: int,
                   documents: list[ForeignDocument]) -> dict[str, tuple[int, str]]:
    """Documents of the project whose text differs from the peer's only in whitespace.

    The database strips spaces, tabs and line breaks and compares lengths first, so only
    texts of the right length are read.
    """
    if not documents:
        return {}
    wanted = {_solid(d.text): d.where for d in documents}
    stripped = Document.text
    for space in SPACES:
        stripped = func.replace(stripped, space, "")
    lengths = sorted({len(k) for k in wanted})
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(lengths), CHUNK):
        rows = session.execute(
            select(Document.id, Document.text).where(
                Document.project_id == project_id, Document.import_id.is_(None),
                func.length(stripped).in_(lengths[start:start + CHUNK]))
            .order_by(Document.id))
        for doc_id, text in rows:
            where = wanted.get(_solid(text))
            if where is not None and where not in found:
                found[where] = (doc_id, text)
    return found


def _by_sentence_text(session: Session, project_id: int, documents: list[ForeignDocument],
                      problems: list[Problem]) -> tuple[dict[str, tuple[int, bool]], set[str]]:
    """Peer documents that are one sentence of the project: (sentence id, excluded) by
    ``where``; and those that are several sentences' text (a problem each)."""
    wanted: dict[str, str] = {d.text: d.where for d in documents}
    ambiguous: set[str] = set()
    if not wanted:
        return {}, ambiguous
    candidates: dict[str, list[tuple[int, bool]]] = {}
    lengths = sorted({len(t) for t in wanted})
    for start in range(0, len(lengths), CHUNK):
        stmt = (
            select(Sentence.id, SENTENCE_TEXT, Sentence.excluded)
            .join(Document, Document.id == Sentence.document_id)
            .where(Sentence.project_id == project_id, Document.import_id.is_(None),
                   (Sentence.end - Sentence.start).in_(lengths[start:start + CHUNK]))
            .order_by(Sentence.id)
            .execution_options(yield_per=2000)
        )
        for sid, text, excluded in session.execute(stmt):
            if text in wanted:
                candidates.setdefault(text, []).append((sid, excluded))
    found: dict[str, tuple[int, bool]] = {}
    for text, where in wanted.items():
        hits = candidates.get(text, [])
        if len(hits) == 1:
            found[where] = hits[0]
        elif len(hits) > 1:
            ids = ", ".join(str(s) for s, _ in hits[:5])
            ambiguous.add(where)
            problems.append(Problem(where, f"the text is that of {len(hits)} sentences of the "
                                           f"project ({ids}); cannot tell which"))
    return found, ambiguous


def _create(session: Session, project_id: int, documents: list[ForeignDocument],
            staged_as: str | None, chunk_rows: int | None,
            progress: Progress) -> dict[str, tuple[int, str]]:
    """New documents for these texts, split as an upload is; (id, text) by ``where``. Hidden
    under ``staged_as``, committed ``chunk_rows`` sentences at a time (the caller shows them or
    deletes them), else written, shown, in the caller's transaction (a refusal removes them)."""
    if not documents:
        return {}
    articles = [
        ArticleIn(title=_title(d), text=d.text, url=None, published=None, source=d.where)
        for d in documents
    ]
    if staged_as is None:
        job = ArticleImport(session, project_id, articles, chunk_rows=10**9)
        for _ in job.stage():
            pass
        job.publish()
        return _by_hash(session, project_id, documents)
    assert chunk_rows is not None  # staged only when written in chunks (import_foreign)
    job = ArticleImport(session, project_id, articles, chunk_rows=chunk_rows, import_id=staged_as)
    for _ in committed_chunks(session, job.stage()):  # hidden until shown by the caller
        done = job.result.documents_added
        progress(0.3 + 0.2 * done / len(articles), f"Created {done:,} of {len(articles):,} "
                                                  "new documents")
    return _by_hash(session, project_id, documents, staged_as)


def _title(document: ForeignDocument) -> str:
    """The file's title for the document, else its first line's first words."""
    if document.title and document.title.strip():
        return document.title.strip()[:MAX_TITLE]
    first = next(line for line in document.text.splitlines() if line.strip())
    return snippet(first, 80)


def _slots(session: Session, document_ids: set[int]) -> dict[int, list[Slot]]:
    """The sentences of these documents, by document id, in reading order."""
    slots: dict[int, list[Slot]] = {}
    ids = sorted(document_ids)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Sentence.document_id, Sentence.id, Sentence.start, Sentence.end,
                   Sentence.excluded)
            .where(Sentence.document_id.in_(ids[start:start + CHUNK]))
            .order_by(Sentence.document_id, Sentence.start))
        for doc_id, sid, begin, end, excluded in rows:
            slots.setdefault(doc_id, []).append(Slot(sid, begin, end, excluded))
    return slots
