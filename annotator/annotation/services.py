"""Save an annotator's annotation of a sentence: validate, version-check, write once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from annotator.annotation.models import STATUSES, Annotation, SpanRow, Status
from annotator.annotation.queries import (
    ANNOTATION_ROWS,
    annotation_state,
    get_schema,
    get_sentence_facts,
)
from annotator.assignments.services import FINISHED, sync_finished
from annotator.audit.services import record_change
from annotator.auth.models import User
from annotator.db import utcnow
from annotator.errors import Conflict, Invalid
from annotator.spans import InvalidSpans, parse_spans

ALLOWED_FIELDS = {"spans", "status", "version", "time_spent", "flagged", "flag_comment"}
MAX_FLAG_COMMENT = 1000


@dataclass(frozen=True)
class AnnotationIn:
    spans: Any  # untrusted; checked against the sentence by parse_spans
    status: str
    version: int
    time_spent: float
    flagged: bool = False
    flag_comment: str = ""

    @classmethod
    def from_json(cls, body: Any) -> AnnotationIn:
        """Check the request's shape (not its spans, which need the sentence)."""
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object with spans, status and version")
        unknown = set(body) - ALLOWED_FIELDS
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        missing = {"spans", "version"} - set(body)
        if missing:
            raise Invalid(f"missing field(s): {', '.join(sorted(missing))}")
        version = body["version"]
        if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**31:
            raise Invalid("version must be a non-negative integer (below 2**31)")
        status = body.get("status", Status.IN_PROGRESS.value)
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}")
        spent = body.get("time_spent", 0)
        if (
            not isinstance(spent, int | float)
            or isinstance(spent, bool)
            or not math.isfinite(spent)
            or spent < 0
        ):
            raise Invalid("time_spent must be a non-negative number of seconds")
        flagged = body.get("flagged", False)
        if not isinstance(flagged, bool):
            raise Invalid("flagged must be true or false")
        comment = body.get("flag_comment") or ""
        if not isinstance(comment, str) or len(comment) > MAX_FLAG_COMMENT:
            raise Invalid(f"flag_comment must be a string of at most {MAX_FLAG_COMMENT} characters")
        return cls(
            spans=body["spans"],
            status=status,
            version=version,
            time_spent=float(spent),
            flagged=flagged,
            flag_comment=comment.strip() if flagged else "",
        )


def save_annotation(
    session: Session, user: User, sentence_id: int, change: AnnotationIn, *, max_spent: float
) -> Saved:
    """Replace the user's spans and status on a sentence if ``change.version`` is current.

    Raises:
        NotFound / Forbidden: the sentence is missing or not open to this user.
        Invalid: a bad span (every bad span is named) or an excluded sentence.
        Conflict: the stored version differs from the one the client edited (lost update).
    """
    sentence = get_sentence_facts(session, user, sentence_id)
    if sentence.excluded:
        raise Invalid("this sentence is excluded from annotation")
    schema = get_schema(session, sentence.project_id)
    try:
        spans = parse_spans(change.spans, sentence.text, schema)
    except InvalidSpans as err:
        raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None
    state = {
        "spans": [s.to_json() for s in spans],
        "status": change.status,
        "flagged": change.flagged,
        "flag_comment": change.flag_comment,
    }
    return write_annotation(
        session, actor=user, owner_id=user.id, sentence_id=sentence_id, state=state,
        expected_version=change.version, time_spent=min(change.time_spent, max_spent),
        time_cap=max_spent, action=None,
    )


# The save's writes, built once (see ANNOTATION_ROWS in queries.py); Core statements on the
# tables, so no ORM object is loaded or flushed on this path.
_annotation = Annotation.__table__
_CREATE = insert(_annotation).returning(_annotation.c.id)
# (bind names may not repeat a column's name in an UPDATE, hence the "new_" prefix)
_COMPARE_AND_SET = (
    update(_annotation)
    .where(_annotation.c.id == bindparam("annotation_id"),
           _annotation.c.version == bindparam("expected_version"))
    .values({column: bindparam(f"new_{column}") for column in (
        "version", "time_spent", "status", "flagged", "flag_comment", "updated_at")})
)
_DELETE_SPANS = delete(SpanRow.__table__).where(SpanRow.__table__.c.annotation_id == bindparam(
    "annotation_id"))
_INSERT_SPAN = insert(SpanRow.__table__)


def write_annotation(
    session: Session,
    *,
    actor: User,
    owner_id: int,
    sentence_id: int,
    state: dict[str, Any],
    expected_version: int,
    time_spent: float = 0.0,
    time_cap: float = math.inf,
    action: str | None,
) -> Saved:
    """Store ``state`` (validated spans, status, flag) as the owner's annotation, one write.

    The version check is a compare-and-set in the UPDATE itself, so of two racing writes
    only one can land; the other raises Conflict. Every write appends an audit row with the
    state before and after. ``time_spent`` (seconds since the client's last save) is added
    to the stored total, which never exceeds ``time_cap`` (an idle tab is not work).
    """
    now = utcnow()
    # The annotation's columns and its spans in one round trip (the spans are the audit's
    # "before"); plain columns, not an ORM object: this is the hot path of every save.
    rows = session.execute(
        ANNOTATION_ROWS, {"sentence_id": sentence_id, "owner_id": owner_id}
    ).all()
    current = rows[0] if rows else None
    values = {
        "status": state["status"],
        "flagged": bool(state.get("flagged")),
        "flag_comment": state.get("flag_comment") or None,
        "updated_at": now,
    }
    before = None
    if current is None:
        if expected_version != 0:
            raise _conflict(session, owner_id, sentence_id)
        try:
            annotation_id = session.execute(_CREATE, {
                "sentence_id": sentence_id, "annotator_id": owner_id, "version": 1,
                "time_spent": time_spent, "created_at": now, **values,
            }).scalar_one()
        except IntegrityError:
            # Another request created it first: the client's version 0 is stale (_conflict
            # rolls the transaction back).
            raise _conflict(session, owner_id, sentence_id) from None
        version = 1
    else:
        if current.version != expected_version:  # stale already: no write needed to know
            raise _conflict(session, owner_id, sentence_id)
        before = {
            "spans": [
                {"start": r.start, "end": r.end, "label": r.label, "attributes": r.attributes or {}}
                for r in rows
                if r.start is not None
            ],
            "status": current.status,
            "flagged": current.flagged,
            "flag_comment": current.flag_comment or "",
            "version": current.version,
        }
        # Compare-and-set: of two racing writes of the same version only one matches here.
        # The new total time is computed from the row as read, which is the row updated
        # whenever the version still matches.
        new_values = {
            **values, "version": expected_version + 1,
            "time_spent": min(current.time_spent + time_spent, time_cap),
        }
        result = session.execute(_COMPARE_AND_SET, {
            "annotation_id": current.id, "expected_version": expected_version,
            **{f"new_{column}": value for column, value in new_values.items()},
        })
        if result.rowcount != 1:
            raise _conflict(session, owner_id, sentence_id)
        annotation_id = current.id
        version = expected_version + 1
    spans_unchanged = before is not None and _span_key(before["spans"]) == _span_key(
        state["spans"])
    if before is not None and not spans_unchanged:
        session.execute(_DELETE_SPANS, {"annotation_id": annotation_id})
    if state["spans"] and not spans_unchanged:  # e.g. "mark done" often changes no span
        session.execute(
            _INSERT_SPAN,
            [
                {
                    "annotation_id": annotation_id,
                    "start": s["start"],
                    "end": s["end"],
                    "label": s["label"],
                    "attributes": s.get("attributes") or {},
                }
                for s in state["spans"]
            ],
        )
    was_finished = before is not None and before["status"] in FINISHED
    if was_finished != (state["status"] in FINISHED):  # the queue only cares about this flip
        sync_finished(session, owner_id, sentence_id, state["status"])
    record_change(
        session, actor_id=actor.id, owner_id=owner_id, sentence_id=sentence_id,
        target="annotation", action=action or ("create" if before is None else "update"),
        version=version, before=before, after={**state, "version": version},
    )
    session.flush()
    return Saved(annotation_id=annotation_id, version=version, status=state["status"])


def _span_key(spans: list[dict[str, Any]]) -> list[tuple]:
    return sorted(
        (s["start"], s["end"], s["label"], sorted((s.get("attributes") or {}).items()))
        for s in spans
    )


@dataclass(frozen=True)
class Saved:
    annotation_id: int
    version: int
    status: str


def restore_version(session: Session, admin: User, event_id: int) -> Saved:
    """Make the state an audit event recorded (its "after") the owner's current annotation.

    The restore is itself a new version, recorded in the trail; nothing is overwritten.
    """
    from annotator.audit.services import get_event

    event = get_event(session, event_id)
    if event.target != "annotation" or event.owner_id is None:
        raise Invalid("only annotation changes can be restored here")
    current_version = session.scalar(
        select(Annotation.version).where(
            Annotation.sentence_id == event.sentence_id,
            Annotation.annotator_id == event.owner_id,
        )
    )
    state = {k: event.after[k] for k in ("spans", "status", "flagged", "flag_comment")
             if k in event.after}
    state.setdefault("flagged", False)
    return write_annotation(
        session, actor=admin, owner_id=event.owner_id, sentence_id=event.sentence_id,
        state=state, expected_version=current_version or 0, action="restore",
    )


def _conflict(session: Session, owner_id: int, sentence_id: int) -> Conflict:
    session.rollback()
    owner = session.get(User, owner_id)
    return Conflict(
        "this annotation was changed elsewhere (another tab or device); "
        "the current state is attached",
        current=annotation_state(session, owner, sentence_id),
    )
