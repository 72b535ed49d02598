"""Writing checked imports: an annotator's pre-annotations or gold, in the caller's
transaction or committed in chunks that a failure (or the import job's undo) takes out again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from annotator.adjudication.bulk import import_gold
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow, Status
from annotator.annotation.services import create_annotations
from annotator.audit.models import AuditEvent
from annotator.auth.models import User
from annotator.projects.membership import ensure_members
from annotator.relations import Relation
from annotator.spans import Span
from annotator.transactions import run_chunked

# What an import stores for one sentence: its id, spans, relations and the gold note.
Stored = tuple[int, list[Span], list[Relation], str]


class Checked(Protocol):
    """A checked file (``importing.Prepared``): whose work it becomes and its items."""

    @property
    def mode(self) -> str: ...

    @property
    def owner(self) -> User | None: ...

    @property
    def curator(self) -> User | None: ...

    @property
    def items(self) -> Sequence[Stored]: ...


def store_annotations(
    session: Session, project_id: int, mode: str, owner: User | None, curator: User | None,
    items: Sequence[Stored],
) -> None:
    """Store checked spans and relations per sentence: as ``owner``'s in-progress annotations
    ("pre"; the owner becomes a member) or as complete gold closed by ``curator`` ("gold",
    each span and relation carrying the note)."""
    relations = {sid: rels for sid, _, rels, _ in items if rels}
    if mode == "pre":
        assert owner is not None
        create_annotations(
            session, actor_id=None, owner_id=owner.id, status=Status.IN_PROGRESS.value,
            action="import", items=[(sid, spans) for sid, spans, _, _ in items],
            relations=relations,
        )
        ensure_members(session, project_id, [owner.id])  # their work is in this project now
    else:
        import_gold(session, curator, [(sid, spans, note[:2000]) for sid, spans, _, note in items],
                    relations=relations)
    session.flush()


@dataclass(frozen=True)
class StoredChunk:
    """What one committed chunk of an import wrote: enough to take it out again."""

    mode: str
    owner_id: int | None
    sentence_ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "owner_id": self.owner_id,
                "sentence_ids": list(self.sentence_ids)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredChunk:
        return cls(data["mode"], data["owner_id"], tuple(data["sentence_ids"]))


def store_prepared(
    session: Session, project_id: int, files: Sequence[Checked], *,
    chunk_rows: int | None = None, on_chunk: Callable[[StoredChunk], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> None:
    """Store checked files: in the caller's transaction (``chunk_rows`` None), or committed
    ``chunk_rows`` sentences at a time so that annotators' saves never wait long behind a
    large import (``transactions.run_chunked``: on any error what was committed is taken out
    again, so the import is still all or nothing). ``on_chunk`` hears each chunk before its
    commit (the import job records it, to take it out if the worker dies halfway)."""
    if chunk_rows is None:
        for f in files:
            store_annotations(session, project_id, f.mode, f.owner, f.curator, f.items)
        return
    run_chunked(session, _ChunkedStore(session, project_id, files, max(1, chunk_rows),
                                       on_chunk, progress))


class _ChunkedStore:
    """``transactions.Chunked``: an import's items written chunk by chunk, published as they
    go (pre-annotations and gold are read by nobody before they exist: there is nothing to
    hide), and taken out again chunk by chunk on failure."""

    def __init__(self, session: Session, project_id: int, files: Sequence[Checked],
                 chunk_rows: int, on_chunk: Callable[[StoredChunk], None] | None,
                 progress: Callable[[float, str], None] | None) -> None:
        self.session, self.project_id, self.files = session, project_id, files
        self.chunk_rows, self.on_chunk, self.progress = chunk_rows, on_chunk, progress
        self.written: list[StoredChunk] = []

    def stage(self) -> Iterator[None]:
        total = sum(len(f.items) for f in self.files)
        done = 0
        for f in self.files:
            for start in range(0, len(f.items), self.chunk_rows):
                part = f.items[start:start + self.chunk_rows]
                store_annotations(self.session, self.project_id, f.mode, f.owner, f.curator,
                                  part)
                chunk = StoredChunk(f.mode, f.owner.id if f.owner is not None else None,
                                    tuple(sid for sid, _, _, _ in part))
                self.written.append(chunk)
                if self.on_chunk is not None:
                    self.on_chunk(chunk)
                done += len(part)
                if self.progress is not None:
                    self.progress(0.5 + 0.45 * done / total,
                                  f"Stored {done:,} of {total:,} sentences")
                yield None

    def publish(self) -> None:
        return None

    def discard(self) -> Iterator[None]:
        for chunk in reversed(self.written):
            remove_stored(self.session, chunk)
            yield None


def remove_stored(session: Session, chunk: StoredChunk) -> None:
    """Take out what an import chunk wrote and nobody has changed since (still at version 1),
    with its audit records: the owner's pre-annotations, or the gold records."""
    ids = list(chunk.sentence_ids)
    if chunk.mode == "pre":
        found = session.execute(
            select(Annotation.id, Annotation.sentence_id).where(
                Annotation.annotator_id == chunk.owner_id, Annotation.sentence_id.in_(ids),
                Annotation.version == 1)
        ).all()
        rows = [a for a, _ in found]
        session.execute(delete(SpanRow).where(SpanRow.annotation_id.in_(rows)))
        session.execute(delete(RelationRow).where(RelationRow.annotation_id.in_(rows)))
        session.execute(delete(Annotation).where(Annotation.id.in_(rows)))
        audit = (AuditEvent.target == "annotation", AuditEvent.owner_id == chunk.owner_id)
    else:
        found = session.execute(
            select(GoldSentence.id, GoldSentence.sentence_id).where(
                GoldSentence.sentence_id.in_(ids), GoldSentence.version == 1)
        ).all()
        rows = [g for g, _ in found]
        session.execute(delete(GoldSpanRow).where(GoldSpanRow.gold_id.in_(rows)))
        session.execute(delete(GoldRelationRow).where(GoldRelationRow.gold_id.in_(rows)))
        session.execute(delete(GoldSentence).where(GoldSentence.id.in_(rows)))
        audit = (AuditEvent.target == "gold",)
    session.execute(delete(AuditEvent).where(
        *audit, AuditEvent.action == "import", AuditEvent.version == 1,
        AuditEvent.sentence_id.in_([sid for _, sid in found])))
