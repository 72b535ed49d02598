"""Record every change to an annotation, list a sentence's history, restore an old version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from annotator.audit.models import AuditEvent
from annotator.auth.models import User
from annotator.db import utcnow
from annotator.errors import NotFound


def record_change(
    session: Session,
    *,
    actor_id: int,
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
    session.execute(_INSERT_EVENT, {
        "at": utcnow(), "actor_id": actor_id, "owner_id": owner_id, "sentence_id": sentence_id,
        "target": target, "action": action, "version": version, "before": before,
        "after": after,
    })


_INSERT_EVENT = insert(AuditEvent.__table__)


def list_history(
    session: Session, sentence_id: int
) -> list[tuple[AuditEvent, str | None, str | None]]:
    """Every recorded change of the sentence, oldest first, with actor and owner names."""
    actor = select(User.username).where(User.id == AuditEvent.actor_id).scalar_subquery()
    owner = select(User.username).where(User.id == AuditEvent.owner_id).scalar_subquery()
    rows = session.execute(
        select(AuditEvent, actor, owner)
        .where(AuditEvent.sentence_id == sentence_id)
        .order_by(AuditEvent.id)
    ).all()
    return [(e, a, o) for e, a, o in rows]


def get_event(session: Session, event_id: int) -> AuditEvent:
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise NotFound(f"audit event {event_id} does not exist")
    return event
