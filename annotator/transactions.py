"""One unit of work: commit what a request or a command did, or roll all of it back.

Services flush and raise; they never commit or roll back. The caller (a view, an API handler,
a CLI command) owns the transaction through ``unit_of_work``, so "on a domain error roll back
and tell the person, else commit" is written once, here, instead of in every caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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
