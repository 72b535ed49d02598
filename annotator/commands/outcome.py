"""How a command ends: its writes committed, or one line of error and a non-zero exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from annotator.errors import DomainError
from annotator.transactions import Transactional, Work, unit_of_work


def fail(message: str) -> NoReturn:
    """Stop the command: ``Error: message`` on stderr, exit code 1, nothing stored."""
    raise click.ClickException(message)


@contextmanager
def committed(session: Transactional, *, suffix: str = "") -> Iterator[Work]:
    """Run the block as one unit of work: commit, or roll back and fail with the domain
    error's message (followed by ``suffix``, e.g. a hint about an option)."""
    with unit_of_work(session, catch=DomainError) as work:
        yield work
    if work.failed:
        fail(work.message + suffix)
