"""One unit of work: commit what a request or a command did, or roll all of it back.

Services flush and raise; they never commit or roll back. The caller (a view, an API handler,
a CLI command) owns the transaction through ``unit_of_work``, so "on a domain error roll back
and tell the person, else commit" is written once, here, instead of in every caller.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError

from annotator.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Transactional(Protocol):
    """What a unit of work needs of a session."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@dataclass
class Work:
    """The outcome of a unit of work: the domain error it caught, if any."""

    error: DomainError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str:
        return self.error.message if self.error is not None else ""


@contextmanager
def unit_of_work(
    session: Transactional, *, catch: type[DomainError] | tuple[type[DomainError], ...] = ()
) -> Iterator[Work]:
    """Commit when the block ends normally; roll back on any exception.

    A domain error of a type in ``catch`` is kept on the yielded ``Work`` for the caller to
    show (a flash, a CLI message); any other exception propagates after the rollback (to the
    app's error handler, which answers domain errors with their 4xx JSON).
    """
    work = Work()
    try:
        yield work
    except BaseException as err:
        session.rollback()
        if catch and isinstance(err, catch):
            work.error = err  # type: ignore[assignment]  # narrowed by ``catch``
            return
        raise
    session.commit()


# PostgreSQL's answers to "someone else holds what you need": serialization failure, deadlock,
# lock not available (lock_timeout, NOWAIT), query cancelled (statement_timeout).
BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014"})
BUSY_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED")


def database_busy(err: BaseException) -> bool:
    """Whether ``err`` says the database was busy (a lock held too long, a conflicting
    transaction), so that the same request may well succeed when tried again."""
    if not isinstance(err, DBAPIError):
        return False
    orig = err.orig
    if getattr(orig, "sqlstate", None) in BUSY_SQLSTATES:  # psycopg 3
        return True
    if getattr(orig, "sqlite_errorname", "").startswith(BUSY_SQLITE):
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


T = TypeVar("T", covariant=True)
V = TypeVar("V")


class Chunked(Protocol[T]):
    """A write too big for one short transaction: staged in chunks, then published at once."""

    def stage(self) -> Iterable[object]: ...

    def publish(self) -> T: ...

    def discard(self) -> Iterable[object]: ...


def run_chunked(session: Session, job: Chunked[T], *, pause: float = 0.0) -> T:
    """Commit after every chunk ``job.stage()`` yields, then publish in one last short
    transaction; all or nothing: on any error roll back, delete what was staged (chunk by
    chunk) and re-raise.

    Each commit frees the database's write lock (SQLite has one for the whole file), and
    ``pause`` seconds between chunks let the writers that were waiting go first, so a save
    never waits longer than one chunk. The caller wraps this in ``unit_of_work`` as usual.
    """
    try:
        for _ in committed_chunks(session, job.stage(), pause=pause):
            pass
        result = job.publish()
        session.commit()
    except BaseException:
        session.rollback()
        for _ in job.discard():
            session.commit()
        session.commit()
        raise
    return result


def committed_chunks(session: Session, chunks: Iterable[V], *,
                     pause: float = 0.0) -> Iterator[V]:
    """Step through ``chunks`` (a generator that writes one chunk per step), committing each
    step, then ``yield_to_writers``; yields what each step gave.

    The cyclic garbage collector is paused from a step's start to its commit: a full
    collection in a process holding a large import takes 100-150 ms (measured: the longest
    write transactions of an import creating 500 documents were 100 and 145 ms with it, 33 ms
    without), and every save would wait through it for the write lock. The collections put
    off run between chunks, with no lock held.
    """
    steps = iter(chunks)
    while True:
        collecting = gc.isenabled()
        gc.disable()
        try:
            try:
                value = next(steps)
            except StopIteration:
                return
            session.commit()
        finally:
            if collecting:
                gc.enable()
        yield_to_writers(session, pause)
        yield value


def yield_to_writers(session: Session, pause: float) -> None:
    """Between two committed chunks of a bulk write: on SQLite, checkpoint the write-ahead log
    from this connection, then sleep ``pause`` seconds so that waiting writers go first.

    SQLite copies the log into the database file (a checkpoint) in whichever connection
    commits when the log has grown past 1,000 pages; during an import or the automatic pass
    that would be an annotator's save, made to wait for megabytes the bulk writer wrote. A
    PASSIVE checkpoint here (it never waits for, nor blocks, other connections) keeps the log
    short, so saves commit only their own pages.

    On PostgreSQL, the connection's cached plans are dropped (``DISCARD PLANS``). The
    foreign-key checks of each inserted row run a cached plan made when the session first
    needed it: a bulk writer that starts on an empty table (the first gold of a project, the
    documents of a first import) keeps checking each new row's parent with a sequential scan
    planned for an empty table, while the table grows to 100,000 rows (measured: a 5,000-sentence
    pass read 83 million gold rows in 35,000 scans, and a chunk of its span inserts took 55 ms
    instead of about 5). Plans made afresh after each chunk see the table as it has grown.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.connection().exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        session.commit()
    elif dialect == "postgresql":
        session.connection().exec_driver_sql("DISCARD PLANS")
        session.commit()
    if pause:
        time.sleep(pause)


@contextmanager
def long_lived() -> Iterator[None]:
    """Within the block, leave out of the collector's scans every object alive at its start
    (``gc.freeze``): a job's big read that lives until the job ends (the automatic pass's
    annotations, millions of objects) is then not walked again by each full collection. The
    process is unfrozen at the end, and those objects are collected as usual afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def start_consistent_read(session: Session) -> None:
    """Start a transaction in which every query that follows sees the same data.

    A long read (an export, chunk after chunk) runs while others keep writing. On PostgreSQL
    a REPEATABLE READ transaction gives all its queries one snapshot. (SQLite's driver starts
    no transaction for reads, so there each query sees the latest committed state.) Call it
    before the first query of the read; it rolls back the session's current transaction,
    which must have read only.
    """
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
