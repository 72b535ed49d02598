"""Restore the state a recorded change left behind, for an annotation or for gold."""

from __future__ import annotations

from sqlalchemy.orm import Session

from annotator.adjudication.gold_edits import restore_gold
from annotator.annotation.services import restore_version
from annotator.audit.services import get_event
from annotator.auth.models import User


def restore_event(session: Session, admin: User, event_id: int) -> int:
    """Make the state recorded by ``event_id`` current again; returns the new version."""
    event = get_event(session, event_id)
    if event.target == "gold":
        return restore_gold(session, admin, event_id).version
    return restore_version(session, admin, event_id).version
