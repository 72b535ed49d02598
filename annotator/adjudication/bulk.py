"""Gold written in bulk, a few statements for many sentences: the automatic pass, imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from annotator.adjudication.models import (
    GoldRelationRow,
    GoldSentence,
    GoldSource,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.queries import RELATION_COLUMNS, relation_json
from annotator.annotation.services import insert_unless_taken
from annotator.audit.services import Change, prepare_changes, write_changes
from annotator.auth.models import User
from annotator.db import BulkInsert, bulk_insert, utcnow
from annotator.errors import Conflict
from annotator.relations import Relation
from annotator.spans import Span

SPAN_COLUMNS = (
    "start", "end", "label", "attributes", "source", "votes", "voters", "annotators",
    "curator_id", "reason", "note",
)
GOLD_COLUMNS = (
    "sentence_id", "status", "version", "min_agree", "created_at", "updated_at", "closed_at",
    "closed_by_id",
)


def state_of(
    spans: Sequence[Any], status: str, version: int, min_agree: int | None,
    names: dict[int, str], relations: Sequence[Any] = (),
) -> dict[str, Any]:
    """The audit trail's picture of a gold record, as ``queries.gold_state`` draws it.

    ``spans`` are rows or dicts with SPAN_COLUMNS, ``relations`` with RELATION_COLUMNS;
    ``names`` maps curator ids to names.
    """
    rows = [s if isinstance(s, dict) else s._asdict() for s in spans]
    links = [r if isinstance(r, dict) else r._asdict() for r in relations]
    return {
        "spans": [
            {**{c: r[c] for c in SPAN_COLUMNS}, "attributes": dict(r["attributes"] or {}),
             "annotators": list(r["annotators"] or []), "curator": names.get(r["curator_id"])}
            for r in sorted(rows, key=lambda r: (r["start"], r["end"]))
        ],
        "relations": [
            relation_json(r, names.get(r["curator_id"]))
            for r in sorted(links, key=lambda r: (r["head_start"], r["role"], r["child_start"]))
        ],
        "status": status,
        "version": version,
        "min_agree": min_agree,
    }


def insert_golds(session: Session, rows: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Insert gold records (GOLD_COLUMNS, one per sentence); their ids by sentence id.

    A sentence that has a gold record already gets none; the caller sees it missing.
    """
    statement = insert_unless_taken(
        session, GoldSentence.__table__, ("sentence_id",), ("sentence_id", "id")
    )
    return dict(session.execute(statement, list(rows)).all())


Keyed = list[tuple[Any, dict[str, Any]]]  # (key of the gold record, row for the driver)


def prepare_spans(
    session: Session, per_key: Iterable[tuple[Any, Sequence[dict[str, Any]]]], now: datetime
) -> Keyed:
    """Rows of gold spans (SPAN_COLUMNS), each with the key of its gold record (its id, or its
    sentence's id while the record is still to be inserted), converted for the database driver
    before the transaction writes anything: ``write_spans`` inserts them."""
    return _prepare(session, GoldSpanRow.__table__, SPAN_COLUMNS, per_key, now)


def prepare_relations(
    session: Session, per_key: Iterable[tuple[Any, Sequence[dict[str, Any]]]], now: datetime
) -> Keyed:
    """Rows of gold relations (RELATION_COLUMNS), as ``prepare_spans`` gives spans."""
    return _prepare(session, GoldRelationRow.__table__, RELATION_COLUMNS, per_key, now)


def write_spans(session: Session, rows: Keyed, gold_ids: Mapping[Any, int] | None = None,
                ) -> None:
    """Insert prepared span rows in one statement; ``gold_ids`` maps their keys to gold ids
    (None: the keys are the ids)."""
    _write(session, GoldSpanRow.__table__, SPAN_COLUMNS, rows, gold_ids)


def write_relations(session: Session, rows: Keyed,
                    gold_ids: Mapping[Any, int] | None = None) -> None:
    """Insert prepared relation rows in one statement, as ``write_spans``."""
    _write(session, GoldRelationRow.__table__, RELATION_COLUMNS, rows, gold_ids)


def insert_spans(
    session: Session, per_gold: Sequence[tuple[int, Sequence[dict[str, Any]]]], now: datetime
) -> None:
    """Insert gold spans (SPAN_COLUMNS) of these gold records in one statement."""
    write_spans(session, prepare_spans(session, per_gold, now))


def insert_relations(
    session: Session, per_gold: Sequence[tuple[int, Sequence[dict[str, Any]]]], now: datetime
) -> None:
    """Insert gold relations (RELATION_COLUMNS) of these gold records in one statement."""
    write_relations(session, prepare_relations(session, per_gold, now))


def _bulk(session: Session, table: Table, columns: tuple[str, ...]) -> BulkInsert:
    return bulk_insert(session.get_bind().dialect, table, ("gold_id", "created_at", *columns))


def _prepare(session: Session, table: Table, columns: tuple[str, ...],
             per_key: Iterable[tuple[Any, Sequence[dict[str, Any]]]], now: datetime) -> Keyed:
    convert = _bulk(session, table, columns).convert
    return [(key, convert({"created_at": now, **{c: row[c] for c in columns}}))
            for key, rows in per_key for row in rows]


def _write(session: Session, table: Table, columns: tuple[str, ...], rows: Keyed,
           gold_ids: Mapping[Any, int] | None) -> None:
    _bulk(session, table, columns).execute(session, [
        {**row, "gold_id": key if gold_ids is None else gold_ids[key]} for key, row in rows
    ])


def gold_changes(
    session: Session, actor_id: int | None, now: datetime,
    changes: Sequence[tuple[int, str, int, dict[str, Any] | None, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The audit rows of changed gold records, (sentence id, action, version, before, after)
    each, converted for the driver (``audit.services.write_changes`` inserts them)."""
    return prepare_changes(session, [
        Change(actor_id, None, sentence_id, "gold", action, version, before, after)
        for sentence_id, action, version, before, after in changes
    ], at=now)


def record_gold_changes(
    session: Session, actor_id: int | None, now: datetime,
    changes: Sequence[tuple[int, str, int, dict[str, Any] | None, dict[str, Any]]],
) -> None:
    """One audit row per changed gold record: (sentence id, action, version, before, after)."""
    write_changes(session, gold_changes(session, actor_id, now, changes))


def import_gold(
    session: Session, curator: User | None, items: Sequence[tuple[int, Sequence[Span], str]],
    action: str = "import", *, relations: Mapping[int, Sequence[Relation]] | None = None,
) -> None:
    """Store complete gold for each (sentence id, spans, note), spans the curator's.

    For sentences without gold, and spans ``spans.parse_spans`` checked (``relations``, per
    sentence id, checked by ``relations.parse_relations`` against those spans). Each span and
    relation carries the note; each record is closed by ``curator`` (None: nobody named) and
    gets the audit record a curator's save gets.

    Raises:
        Conflict: one of these sentences has gold already (the caller rolls back).
    """
    now = utcnow()
    curator_id = curator.id if curator is not None else None
    complete = GoldStatus.COMPLETE.value
    ids = insert_golds(session, [
        {"sentence_id": sentence_id, "status": complete, "version": 1, "min_agree": None,
         "created_at": now, "updated_at": now, "closed_at": now, "closed_by_id": curator_id}
        for sentence_id, _, _ in items
    ])
    taken = [sentence_id for sentence_id, _, _ in items if sentence_id not in ids]
    if taken:
        raise Conflict(f"gold exists already for sentence {taken[0]}")
    spans = {
        sentence_id: [
            {"start": s.start, "end": s.end, "label": s.label, "attributes": dict(s.attributes),
             "source": GoldSource.CURATOR.value, "votes": 0, "voters": 0, "annotators": [],
             "curator_id": curator_id, "reason": None, "note": note}
            for s in sentence_spans
        ]
        for sentence_id, sentence_spans, note in items
    }
    notes = {sentence_id: note for sentence_id, _, note in items}
    links = {
        sentence_id: [
            {"head_start": r.head_start, "head_end": r.head_end, "role": r.role,
             "child_start": r.child_start, "child_end": r.child_end,
             "source": GoldSource.CURATOR.value, "votes": 0, "voters": 0, "annotators": [],
             "curator_id": curator_id, "reason": None, "note": notes[sentence_id]}
            for r in (relations or {}).get(sentence_id, ())
        ]
        for sentence_id in spans
    }
    insert_spans(session, [(ids[sid], rows) for sid, rows in spans.items()], now)
    insert_relations(session, [(ids[sid], rows) for sid, rows in links.items()], now)
    names = {curator.id: curator.username} if curator is not None else {}
    record_gold_changes(session, curator_id, now, [
        (sid, action, 1, None, state_of(rows, complete, 1, None, names, links[sid]))
        for sid, rows in spans.items()
    ])
    session.flush()
