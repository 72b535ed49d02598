"""Record every change to an annotation or to gold, list a sentence's history, find one change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from annotator.audit.models import AuditEvent
from annotator.auth.models import User
from annotator.db import BulkInsert, bulk_insert, utcnow
from annotator.errors import NotFound
from annotator.paging import Pager


@dataclass(frozen=True)
class Change:
    """One change for the trail: who made it, to what, the version it produced, before/after."""

    actor_id: int | None  # None: nobody logged in (a command-line import)
    owner_id: int | None  # the annotator whose annotation changed; None for gold
    sentence_id: int
    target: str  # "annotation" | "gold"
    action: str
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any]


def record_change(
    session: Session,
    *,
    actor_id: int | None,
    owner_id: int | None,
    sentence_id: int,
    target: str,
    action: str,
    version: int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Append one audit row (who, when, before, after) in the caller's transaction."""
    # One statement object for every call, values bound at execution: every save writes
    # a row, and a statement built per call with .values() costs more CPU than the insert.
    session.execute(_INSERT_EVENT, _row(
        Change(actor_id, owner_id, sentence_id, target, action, version, before, after),
        utcnow(),
    ))


def record_changes(
    session: Session, changes: Sequence[Change], at: datetime | None = None
) -> None:
    """Append one audit row per change in one statement (writes in bulk), all at ``at``."""
    if changes:
        when = at or utcnow()
        session.execute(_INSERT_EVENT, [_row(change, when) for change in changes])


_INSERT_EVENT = insert(AuditEvent.__table__)
_EVENT_COLUMNS = ("at", "actor_id", "owner_id", "sentence_id", "target", "action", "version",
                  "before", "after")


def prepare_changes(
    session: Session, changes: Sequence[Change], at: datetime | None = None
) -> list[dict[str, Any]]:
    """The audit rows of these changes, all at ``at``, converted for the database driver
    before the transaction writes anything (``write_changes`` inserts them): in bulk writes,
    turning before/after into JSON then costs no time under the write lock."""
    when = at or utcnow()
    convert = _bulk_events(session).convert
    return [convert(_row(change, when)) for change in changes]


def write_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append audit rows ``prepare_changes`` converted, in one statement."""
    _bulk_events(session).execute(session, rows)


def _bulk_events(session: Session) -> BulkInsert:
    return bulk_insert(session.get_bind().dialect, AuditEvent.__table__, _EVENT_COLUMNS)


def _row(change: Change, at: datetime) -> dict[str, Any]:
    return {
        "at": at, "actor_id": change.actor_id, "owner_id": change.owner_id,
        "sentence_id": change.sentence_id, "target": change.target, "action": change.action,
        "version": change.version, "before": change.before, "after": change.after,
    }


HISTORY_PER_PAGE = 50


def list_history(
    session: Session, sentence_id: int, *, limit: int | None = None, offset: int = 0,
    newest_first: bool = False,
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """The recorded changes of the sentence (all, or ``limit`` from ``offset``), oldest
    first (or newest first), with actor and owner names."""
    actor = select(User.username).where(User.id == AuditEvent.actor_id).scalar_subquery()
    owner = select(User.username).where(User.id == AuditEvent.owner_id).scalar_subquery()
    rows = session.execute(
        select(AuditEvent, actor, owner)
        .where(AuditEvent.sentence_id == sentence_id)
        .order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(e, a, o) for e, a, o in rows]


def history_page(
    session: Session, sentence_id: int, page: str | None
) -> tuple[list[tuple[AuditEvent, str | None, str | None]], Pager]:
    """One page of the sentence's history, newest first (``page`` as the query string gives
    it)."""
    total = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.sentence_id == sentence_id)
    ) or 0
    pager = Pager.of(page, HISTORY_PER_PAGE, total)
    return list_history(session, sentence_id, limit=pager.per_page, offset=pager.offset,
                        newest_first=True), pager


def get_event(session: Session, event_id: int) -> AuditEvent:
    """The audit event, or NotFound."""
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(f"audit event {event_id} does not exist")
    return event
