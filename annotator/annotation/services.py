"""Save an annotator's annotation of a sentence: validate, version-check, write once."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from annotator.annotation.models import STATUSES, Annotation, RelationRow, SpanRow, Status
from annotator.annotation.queries import (
    ANNOTATION_ROWS,
    FROZEN_MESSAGE,
    annotation_state,
    get_schema,
    get_sentence_facts,
    has_gold,
    is_frozen,
    stored_relations,
    stored_span,
)
from annotator.assignments.services import FINISHED, sync_finished
from annotator.audit.services import Change, get_event, record_change, record_changes
from annotator.auth.models import Role, User
from annotator.db import utcnow
from annotator.errors import Conflict, Forbidden, Frozen, Invalid, NotFound
from annotator.relations import (
    InvalidRelations,
    Relation,
    keep_attached,
    parse_relations,
    relations_from_json,
)
from annotator.spans import InvalidSpans, Span, parse_spans

ALLOWED_FIELDS = {
    "spans", "relations", "status", "version", "time_spent", "flagged", "flag_comment"}
MAX_FLAG_COMMENT = 1000


@dataclass(frozen=True)
class AnnotationIn:
    spans: Any  # untrusted; checked against the sentence by parse_spans
    status: str
    version: int
    time_spent: float
    flagged: bool = False
    flag_comment: str = ""
    relations: Any = None  # untrusted; checked against the spans by parse_relations

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
            relations=body.get("relations"),
        )


def save_annotation(
    session: Session, user: User, sentence_id: int, change: AnnotationIn, *, max_spent: float
) -> Saved:
    """Replace the user's spans, relations and status on a sentence if ``change.version`` is
    current.

    Raises:
        NotFound / Forbidden: the sentence is missing or not open to this user.
        Invalid: a bad span or relation (every bad one is named) or an excluded sentence.
        Conflict: the stored version differs from the one the client edited (lost update).
        Frozen: the annotation is finished and counted in adjudication (``is_frozen``).
    """
    sentence = get_sentence_facts(session, user, sentence_id)
    if sentence.excluded:
        raise Invalid("this sentence is excluded from annotation")
    schema = get_schema(session, sentence.project_id)
    try:
        spans = parse_spans(change.spans, sentence.text, schema)
    except InvalidSpans as err:
        raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None
    try:
        relations = parse_relations(change.relations, spans, schema)
    except InvalidRelations as err:
        raise Invalid("invalid relations",
                      relations=[e.to_json() for e in err.errors]) from None
    state = {
        "spans": [s.to_json() for s in spans],
        "relations": [r.to_json() for r in relations],
        "status": change.status,
        "flagged": change.flagged,
        "flag_comment": change.flag_comment,
    }
    return write_annotation(
        session, actor=user, owner_id=user.id, sentence_id=sentence_id, state=state,
        expected_version=change.version, time_spent=min(change.time_spent, max_spent),
        time_cap=max_spent, action=None,
    )


def insert_unless_taken(
    session: Session, table: Table, key: tuple[str, ...], returning: tuple[str, ...]
) -> Insert:
    """An INSERT that skips, returning no row, each row whose ``key`` another row holds.

    A lost creation race then raises nothing, and the transaction can still read the row
    that won: no rollback, and no SAVEPOINT either (pysqlite lets a SAVEPOINT that opens the
    transaction commit on release). ON CONFLICT DO NOTHING reads alike in PostgreSQL and
    SQLite, the two databases supported.
    """
    return _insert_unless_taken(session.get_bind().dialect.name, table, key, returning)


@cache  # one statement per database and table: SQLAlchemy then reuses its compiled SQL
def _insert_unless_taken(
    dialect: str, table: Table, key: tuple[str, ...], returning: tuple[str, ...]
) -> Insert:
    make = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        make(table)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*(table.c[name] for name in returning))
    )


# The save's writes, built once (see ANNOTATION_ROWS in queries.py); Core statements on the
# tables, so no ORM object is loaded or flushed on this path.
_annotation = Annotation.__table__
OWNER_KEY = ("annotator_id", "sentence_id")  # the unique key of an annotation
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
_DELETE_RELATIONS = delete(RelationRow.__table__).where(
    RelationRow.__table__.c.annotation_id == bindparam("annotation_id"))
_INSERT_RELATION = insert(RelationRow.__table__)


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
    frozen_ok: bool = False,
) -> Saved:
    """Store ``state`` (validated spans and relations, status, flag) as the owner's annotation,
    one write. A state without "relations" keeps the stored relations whose spans remain.

    The version check is a compare-and-set in the UPDATE itself, so of two racing writes
    only one can land; the other raises Conflict. Every write appends an audit row with the
    state before and after. ``time_spent`` (seconds since the client's last save) is added
    to the stored total, which never exceeds ``time_cap`` (an idle tab is not work).
    A frozen annotation (``is_frozen``) raises Frozen unless ``frozen_ok`` (an admin's
    restore or reopen).
    """
    now = utcnow()
    # The annotation's columns and its spans in one round trip (the spans are the audit's
    # "before"); plain columns, not an ORM object: this is the hot path of every save.
    rows = session.execute(
        ANNOTATION_ROWS, {"sentence_id": sentence_id, "owner_id": owner_id}
    ).all()
    current = rows[0] if rows else None
    # Only a finished annotation can be frozen: the gold look-up costs nothing on other saves.
    if (not frozen_ok and current is not None and current.status == Status.DONE
            and has_gold(session, sentence_id)):
        raise Frozen(FROZEN_MESSAGE)
    values = {
        "status": state["status"],
        "flagged": bool(state.get("flagged")),
        "flag_comment": state.get("flag_comment") or None,
        "updated_at": now,
    }
    if current is not None and current.version == expected_version:
        before = _stored_state(rows, stored_relations(session, current.id))
        # The new total time is computed from the row as read, which is the row updated
        # whenever the version still matches.
        _compare_and_set(session, owner_id, sentence_id, current.id, expected_version, {
            **values, "version": expected_version + 1,
            "time_spent": min(current.time_spent + time_spent, time_cap),
        })
        annotation_id, version = current.id, expected_version + 1
    elif current is None and expected_version == 0:
        before = None
        annotation_id = _create(session, owner_id, sentence_id, {
            **values, "version": 1, "time_spent": time_spent, "created_at": now,
        })
        version = 1
    else:  # stale already: no write needed to know
        raise _conflict(session, owner_id, sentence_id)
    if "relations" not in state:  # a caller that edits spans only: links to kept spans stay
        state = {**state, "relations": _attached(before, state["spans"])}
    _write_spans(session, annotation_id, before, state["spans"])
    _write_relations(session, annotation_id, before, state["relations"])
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


def _stored_state(rows: Sequence[Any], relations: list[dict[str, Any]]) -> dict[str, Any]:
    """The annotation as read (its columns, one row per span, its relations), as the audit
    trail holds it."""
    current = rows[0]
    return {
        "spans": [stored_span(r) for r in rows if r.start is not None],
        "relations": relations,
        "status": current.status,
        "flagged": current.flagged,
        "flag_comment": current.flag_comment or "",
        "version": current.version,
    }


def _create(session: Session, owner_id: int, sentence_id: int, values: dict[str, Any]) -> int:
    """Insert the owner's first annotation of the sentence; its id."""
    annotation_id = session.execute(
        insert_unless_taken(session, _annotation, OWNER_KEY, ("id",)),
        {"sentence_id": sentence_id, "annotator_id": owner_id, **values},
    ).scalar_one_or_none()
    if annotation_id is None:  # another request created it first: version 0 is stale
        raise _conflict(session, owner_id, sentence_id)
    return annotation_id


def _compare_and_set(
    session: Session, owner_id: int, sentence_id: int, annotation_id: int,
    expected_version: int, new_values: dict[str, Any],
) -> None:
    """Update the row only if it still has the version read: of two racing writes one lands."""
    result = session.execute(_COMPARE_AND_SET, {
        "annotation_id": annotation_id, "expected_version": expected_version,
        **{f"new_{column}": value for column, value in new_values.items()},
    })
    if result.rowcount != 1:
        raise _conflict(session, owner_id, sentence_id)


def _write_spans(
    session: Session, annotation_id: int, before: dict[str, Any] | None,
    spans: list[dict[str, Any]],
) -> None:
    """Replace the stored spans with ``spans``, unless they are the same."""
    if before is not None and _span_key(before["spans"]) == _span_key(spans):
        return  # e.g. "mark done" often changes no span
    if before is not None:
        session.execute(_DELETE_SPANS, {"annotation_id": annotation_id})
    if spans:
        session.execute(_INSERT_SPAN, [_span_row(annotation_id, s) for s in spans])


def _attached(before: dict[str, Any] | None, spans: list[dict[str, Any]]) -> list[dict]:
    """The stored relations (of ``before``) whose head and child are among ``spans``."""
    if before is None:
        return []
    present = {(s["start"], s["end"]) for s in spans}
    return [r for r in before["relations"]
            if (r["head"]["start"], r["head"]["end"]) in present
            and (r["child"]["start"], r["child"]["end"]) in present]


def _write_relations(
    session: Session, annotation_id: int, before: dict[str, Any] | None,
    relations: list[dict[str, Any]],
) -> None:
    """Replace the stored relations with ``relations``, unless they are the same."""
    if before is not None and _relation_key(before["relations"]) == _relation_key(relations):
        return
    if before is not None and before["relations"]:
        session.execute(_DELETE_RELATIONS, {"annotation_id": annotation_id})
    if relations:
        session.execute(_INSERT_RELATION, [_relation_row(annotation_id, r) for r in relations])


def _relation_row(annotation_id: int, relation: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotation_id": annotation_id,
        "head_start": relation["head"]["start"],
        "head_end": relation["head"]["end"],
        "role": relation["role"],
        "child_start": relation["child"]["start"],
        "child_end": relation["child"]["end"],
    }


def _relation_key(relations: list[dict[str, Any]]) -> list[tuple]:
    return sorted(
        (r["head"]["start"], r["head"]["end"], r["role"], r["child"]["start"], r["child"]["end"])
        for r in relations
    )


def _span_row(annotation_id: int, span: dict[str, Any]) -> dict[str, Any]:
    return {
        "annotation_id": annotation_id,
        "start": span["start"],
        "end": span["end"],
        "label": span["label"],
        "attributes": span.get("attributes") or {},
        "origin": span.get("origin"),
    }


def _span_key(spans: list[dict[str, Any]]) -> list[tuple]:
    return sorted(
        (s["start"], s["end"], s["label"], sorted((s.get("attributes") or {}).items()),
         sorted((s.get("origin") or {}).items()))
        for s in spans
    )


@dataclass(frozen=True)
class Saved:
    annotation_id: int
    version: int
    status: str


def create_annotations(
    session: Session,
    *,
    actor_id: int | None,
    owner_id: int,
    items: Sequence[tuple[int, Sequence[Span]]],
    status: str,
    action: str,
    relations: Mapping[int, Sequence[Relation]] | None = None,
) -> None:
    """Create the owner's annotation of each sentence at version 1, in a few statements.

    The bulk twin of a first ``write_annotation``, for ``(sentence id, spans)`` pairs whose
    spans ``spans.parse_spans`` checked, and ``relations`` by sentence id that
    ``relations.parse_relations`` checked: the same rows, and the same audit record each.

    Raises:
        Conflict: the owner has an annotation of one of these sentences already (none of
        them is stored once the caller rolls back).
    """
    now = utcnow()
    created = session.execute(
        insert_unless_taken(session, _annotation, OWNER_KEY, ("sentence_id", "id")),
        [
            {"sentence_id": sentence_id, "annotator_id": owner_id, "status": status,
             "version": 1, "time_spent": 0.0, "flagged": False, "flag_comment": None,
             "created_at": now, "updated_at": now}
            for sentence_id, _ in items
        ],
    ).all()
    ids = dict(created)
    taken = [sentence_id for sentence_id, _ in items if sentence_id not in ids]
    if taken:
        raise Conflict(f"an annotation of sentence {taken[0]} by this annotator exists already")
    states = {sid: [s.to_json() for s in spans] for sid, spans in items}
    rows = [_span_row(ids[sid], s) for sid, spans in states.items() for s in spans]
    if rows:
        session.execute(_INSERT_SPAN, rows)
    links = {sid: [r.to_json() for r in (relations or {}).get(sid, ())] for sid in states}
    relation_rows = [_relation_row(ids[sid], r) for sid, items in links.items() for r in items]
    if relation_rows:
        session.execute(_INSERT_RELATION, relation_rows)
    if status in FINISHED:
        for sentence_id in states:
            sync_finished(session, owner_id, sentence_id, status)
    record_changes(session, [
        Change(actor_id, owner_id, sid, "annotation", action, 1, None,
               {"spans": spans, "relations": links[sid], "status": status, "flagged": False,
                "flag_comment": "", "version": 1})
        for sid, spans in states.items()
    ], at=now)
    session.flush()


def restore_version(session: Session, admin: User, event_id: int) -> Saved:
    """Make the state an audit event recorded (its "after") the owner's current annotation.

    The restore is itself a new version, recorded in the trail; nothing is overwritten.
    """
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
    # A record from before event frames has no "relations": that state had none.
    spans = [Span(s["start"], s["end"], s["label"]) for s in state.get("spans", [])]
    state["relations"] = [r.to_json() for r in keep_attached(
        relations_from_json(event.after.get("relations")), spans)]
    return write_annotation(
        session, actor=admin, owner_id=event.owner_id, sentence_id=event.sentence_id,
        state=state, expected_version=current_version or 0, action="restore", frozen_ok=True,
    )


def reopen_annotation(session: Session, admin: User, sentence_id: int, owner_id: int,
                      *, project_admin: bool = False) -> Saved:
    """Give a frozen annotation back to its annotator (site admins, or ``project_admin``: an
    admin of the sentence's project, as the caller's guard found), recorded as "reopen".

    Its spans and flag stay; its status goes back to "in progress", which takes it out of
    agreement, adjudication and feedback and puts the sentence back in the annotator's queue
    until they finish it again (when it is counted, and frozen, anew).

    Raises:
        Forbidden: not an admin.  NotFound: no such annotation.  Conflict: it is not frozen.
    """
    if admin.role != Role.ADMIN and not project_admin:
        raise Forbidden("only admins reopen frozen annotations")
    rows = session.execute(
        ANNOTATION_ROWS, {"sentence_id": sentence_id, "owner_id": owner_id}
    ).all()
    if not rows:
        raise NotFound(f"user {owner_id} has no annotation of sentence {sentence_id}")
    current = _stored_state(rows, stored_relations(session, rows[0].id))
    if not is_frozen(session, sentence_id, current["status"]):
        raise Conflict("this annotation is not frozen: its annotator can edit it already")
    state = {
        "spans": current["spans"], "relations": current["relations"],
        "status": Status.IN_PROGRESS.value,
        "flagged": current["flagged"], "flag_comment": current["flag_comment"],
    }
    return write_annotation(
        session, actor=admin, owner_id=owner_id, sentence_id=sentence_id, state=state,
        expected_version=current["version"], action="reopen", frozen_ok=True,
    )


def _conflict(session: Session, owner_id: int, sentence_id: int) -> Conflict:
    """A 409 carrying the owner's annotation as it now stands (this save wrote nothing).

    No rollback is needed to read it: the failed write raised nothing (a compare-and-set
    that matched no row, or an insert that skipped), so the transaction is still usable.
    """
    owner = session.get(User, owner_id)
    return Conflict(
        "this annotation was changed elsewhere (another tab or device); "
        "the current state is attached",
        current=annotation_state(session, owner, sentence_id),
    )
