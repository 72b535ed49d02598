"""What the history page and the restore confirmation show: each recorded version with what it
changed in words, grouped per annotation (and gold), and what restoring one would change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.queries import get_schema
from annotator.audit.diffing import Line, describe_change, span_lines, spans_of
from annotator.audit.models import AuditEvent
from annotator.audit.services import get_event, history_page
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.errors import NotFound
from annotator.paging import Pager
from annotator.wording import DisplayNames, status_name

SHOWN_VERSIONS = 3  # per annotation, the latest ones; the earlier ones fold away

# What each recorded action was, in words ("saved by alice", "automatic gold by admin").
ACTION_WORDS = {
    "create": "first saved", "update": "saved", "restore": "restored", "reopen": "reopened",
    "import": "imported", "schema_edit": "rewritten by a label-schema change",
    "auto": "automatic gold", "decide": "conflict decided", "edit": "edited",
    "close": "closed",
}


@dataclass(frozen=True)
class Version:
    """One recorded change, with what it did in words."""

    event_id: int
    at: datetime
    actor: str
    action: str  # in words
    version: int
    status_key: str  # the status it left ("" for none)
    status: str  # the same, in words
    lines: list[Line]
    spans: list[str]  # the spans it left, in words
    restorable: bool


@dataclass(frozen=True)
class Trail:
    """The versions of one annotation (or of the gold), newest first."""

    title: str
    owner: str | None  # None for the gold
    versions: list[Version]

    @property
    def shown(self) -> list[Version]:
        return self.versions[:SHOWN_VERSIONS]

    @property
    def folded(self) -> list[Version]:
        return self.versions[SHOWN_VERSIONS:]


@dataclass(frozen=True)
class RestorePlan:
    """What restoring a recorded version would change, for the confirmation page."""

    event_id: int
    sentence: Sentence
    whose: str  # "bob's annotation", "the gold"
    version: int
    current_version: int
    lines: list[Line]  # from the current state to the restored one
    spans: list[str]  # the spans the restored version has


def _actor_names(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {e.actor_id for e in events} | {e.owner_id for e in events}
    ids.discard(None)
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _trail_key(event: AuditEvent) -> tuple[str, int]:
    return (event.target, event.owner_id or 0)


def _whose(event: AuditEvent, owner: str | None) -> str:
    if event.target == "gold":
        return "Gold"
    return f"{owner}’s annotation" if owner else "Annotation of a deleted user"


def history_trails(
    session: Session, sentence: Sentence, page: str | None
) -> tuple[list[Trail], Pager]:
    """One page of the sentence's history, newest first, grouped per annotation (gold first)."""
    rows, pager = history_page(session, sentence.id, page)
    events = [event for event, _, _ in rows]
    names = DisplayNames.of(get_schema(session, sentence.project_id))
    users = _actor_names(session, events)
    grouped: dict[tuple[str, int], list[Version]] = {}
    titles: dict[tuple[str, int], tuple[str, str | None]] = {}
    for event in events:
        owner = users.get(event.owner_id) if event.owner_id else None
        key = _trail_key(event)
        titles[key] = (_whose(event, owner), owner)
        grouped.setdefault(key, []).append(Version(
            event_id=event.id, at=event.at,
            actor=users.get(event.actor_id, "a deleted user") if event.actor_id else "the system",
            action=ACTION_WORDS.get(event.action, event.action.replace("_", " ")),
            version=event.version, status_key=(event.after or {}).get("status") or "",
            status=status_name((event.after or {}).get("status")),
            lines=describe_change(event.before, event.after, sentence.text, names),
            spans=span_lines(spans_of(event.after), sentence.text, names),
            restorable=event.target in ("annotation", "gold"),
        ))
    order = sorted(grouped, key=lambda k: (k[0] != "gold", (titles[k][1] or "").lower(), k))
    return [Trail(titles[k][0], titles[k][1], grouped[k]) for k in order], pager


def latest_event(session: Session, event: AuditEvent) -> AuditEvent:
    """The newest recorded change of the same annotation (or gold) as ``event``."""
    owner = (AuditEvent.owner_id.is_(None) if event.owner_id is None
             else AuditEvent.owner_id == event.owner_id)
    latest = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.sentence_id == event.sentence_id, AuditEvent.target == event.target,
               owner)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return latest or event


def restore_plan(session: Session, event_id: int) -> RestorePlan:
    """What restoring ``event_id`` would change, compared with the state now recorded."""
    event = get_event(session, event_id)
    sentence = session.get(Sentence, event.sentence_id)
    if sentence is None:  # the cascade removes events with their sentence; kept for types
        raise NotFound(f"sentence {event.sentence_id} does not exist")
    names = DisplayNames.of(get_schema(session, sentence.project_id))
    current = latest_event(session, event)
    owner = session.get(User, event.owner_id) if event.owner_id else None
    whose = _whose(event, owner.username if owner else None)
    restored: dict[str, Any] = dict(event.after or {})
    restored.setdefault("flagged", False)
    return RestorePlan(
        event_id=event.id, sentence=sentence,
        whose=whose[0].lower() + whose[1:] if event.target == "gold" else whose,
        version=event.version, current_version=current.version,
        lines=describe_change(current.after, restored, sentence.text, names),
        spans=span_lines(spans_of(restored), sentence.text, names),
    )
