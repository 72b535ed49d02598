"""One unit of work: commit what a request or a command did, or roll all of it back.

Services flush and raise; they never commit or roll back. The caller (a view, an API handler,
a CLI command) owns the transaction through ``unit_of_work``, so "on a domain error roll back
and tell the person, else commit" is written once, here, instead of in every caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from annotator.errors import DomainError


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

