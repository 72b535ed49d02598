"""How a command ends: its writes committed, or one line of error and a non-zero exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from sqlalchemy.exc import DBAPIError

from annotator.errors import DomainError
from annotator.inputs import MAX_ROW_ID
from annotator.transactions import Transactional, Work, database_busy, unit_of_work

# Numbers given on the command line that reach an integer column: one past PostgreSQL's
# 32-bit range would fail there with a traceback instead of this one-line message.
DB_INT = click.IntRange(-MAX_ROW_ID - 1, MAX_ROW_ID)


def fail(message: str) -> NoReturn:
    """Stop the command: ``Error: message`` on stderr, exit code 1, nothing stored."""
    raise click.ClickException(message)


@contextmanager
def committed(session: Transactional, *, suffix: str = "") -> Iterator[Work]:
    """Run the block as one unit of work: commit, or roll back and fail with the domain
    error's message (followed by ``suffix``, e.g. a hint about an option); a database that
    stayed busy (a lock held too long) is one line too, never a traceback."""
    try:
        with unit_of_work(session, catch=DomainError) as work:
            yield work
    except DBAPIError as err:
        if not database_busy(err):
            raise
        fail("the database is busy (another write held its lock too long); "
             "nothing stored, try again")
    if work.failed:
        fail(work.message + suffix)
