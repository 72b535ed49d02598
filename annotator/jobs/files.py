"""A job's files, stored in pieces in the database: uploads it reads, exports it writes, and
the ledgers of what its chunks wrote (for its undo). Job kinds write theirs from here: this
module needs only the models, so the kinds (which services.py registers) can import it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from annotator.jobs.models import PIECE_BYTES, JobFile


def write_file(session: Session, job_id: int, role: str, name: str,
               chunks: Iterable[bytes]) -> int:
    """Store a file of the job in pieces; returns its size in bytes."""
    buffer = bytearray()
    piece = 0
    size = 0
    rows: list[dict[str, Any]] = []
    for chunk in chunks:
        buffer += chunk
        size += len(chunk)
        while len(buffer) >= PIECE_BYTES:
            rows.append({"job_id": job_id, "role": role, "name": name, "piece": piece,
                         "data": bytes(buffer[:PIECE_BYTES])})
            del buffer[:PIECE_BYTES]
            piece += 1
        if len(rows) >= 8:
            session.execute(JobFile.__table__.insert(), rows)
            rows = []
    if buffer or piece == 0:
        rows.append({"job_id": job_id, "role": role, "name": name, "piece": piece,
                     "data": bytes(buffer)})
    if rows:
        session.execute(JobFile.__table__.insert(), rows)
    session.flush()
    return size


def delete_files(session: Session, job_id: int, role: str | None = None) -> None:
    """Remove the job's files (its outputs only, with ``role="output"``)."""
    query = delete(JobFile).where(JobFile.job_id == job_id)
    if role is not None:
        query = query.where(JobFile.role == role)
    session.execute(query)
