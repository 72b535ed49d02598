"""What a running job's work sees of its job: parameters, and a way to report progress and
learn that it should stop (pure: no Flask, no SQLAlchemy).

The work calls ``ctx.report(fraction, message)`` as it goes. That only records the figures in
memory and raises when the job was cancelled (or the worker lost the job to another): the
runner's heartbeat thread writes them to the ``job`` row about twice a second, in its own
short transaction, so the work's own transaction is never committed by a progress update and,
on SQLite, never waits on itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.errors import DomainError


class JobCancelled(Exception):
    """Someone cancelled the job: its work stops and undoes what it staged."""


class JobLost(Exception):
    """The worker no longer holds the job (its heartbeat stopped long enough for the job to
    be handed to another worker): this attempt stops and publishes nothing."""


class JobRefused(DomainError):
    """The job's input cannot be used (a bad file, a project deleted): failed, not retried."""

    status = 422
    code = "job_refused"


@dataclass
class JobContext:
    """One attempt at one job, as its work sees it."""

    id: int
    kind: str
    key: str  # the same on every attempt: tags what the work stages
    params: Mapping[str, Any]
    project_id: int | None
    user_id: int | None
    attempt: int
    fraction: float = 0.0
    message: str = ""
    cancelled: threading.Event = field(default_factory=threading.Event)
    lost: threading.Event = field(default_factory=threading.Event)

    def report(self, fraction: float, message: str | None = None) -> None:
        """Record how far the work is (0..1) and what it is doing; stop if told to."""
        self.fraction = min(1.0, max(0.0, float(fraction)))
        if message is not None:
            self.message = message
        self.check()

    def check(self) -> None:
        """Raise JobCancelled or JobLost when the job should stop here."""
        if self.lost.is_set():
            raise JobLost(f"job {self.id} was handed to another worker")
        if self.cancelled.is_set():
            raise JobCancelled(f"job {self.id} was cancelled")

    def steps(self, total: int, message: Callable[[int], str]) -> Callable[[int], None]:
        """A reporter for work counted in items: ``tick(done)`` reports done/total."""
        def tick(done: int) -> None:
            self.report(done / total if total else 1.0, message(done))
        return tick
