"""The kinds of job there are: a name, words for people, and the work itself.

A kind's ``run(session, ctx)`` does the job in ``session`` and returns its result (a small
JSON-able dict). It may commit chunks of staged work on the way (they must stay invisible to
users until the end), but leaves its last writes uncommitted: the runner commits them together
with the job's "done", and only if this worker still holds the job, so a result is published
exactly once however many attempts there were. ``undo(session, ctx)`` removes what an attempt
staged (after a failure, a cancel, or before a retry, unless the kind is ``resumable``); it
must be safe to call when nothing was staged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from annotator.jobs.context import JobContext

Run = Callable[["Session", "JobContext"], dict[str, Any]]
Undo = Callable[["Session", "JobContext"], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str  # "Import articles": what lists and progress bars call it
    run: Run
    undo: Undo | None = None
    max_attempts: int = 3
    # A resumable kind's work is idempotent and publishes as it goes (the automatic pass): a
    # retry after a crash runs it again without undoing first, and what the dead attempt wrote
    # stays (the new attempt finds it done). Its undo runs only on a cancel or a final failure.
    resumable: bool = False


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Add a kind (its name must be new)."""
    if kind.name in KINDS:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def title_of(name: str) -> str:
    """The kind's words for people ("Import articles"), or its name when unknown."""
    kind = KINDS.get(name)
    return kind.title if kind is not None else name
