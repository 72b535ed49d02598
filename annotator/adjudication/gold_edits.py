"""A curator's edits of a sentence's whole gold; closing, reopening and restoring it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from annotator.adjudication.arguments import Frames, argument_open, eligible, of_event
from annotator.adjudication.conflicts import ARGUMENT, ConflictRegion, Outcome, is_open, overlaps
from annotator.adjudication.gold_changes import (
    Saved,
    annotators_by_relation,
    annotators_by_span,
    claim,
    close,
    create_gold,
    curator_relation,
    curator_span,
    get_sentence,
    load_gold,
    parse_gold_relations,
    parse_gold_spans,
    record_gold_change,
    require_curator,
    stale,
)
from annotator.adjudication.input import decided_regions, sentence_frames, sentence_outcome
from annotator.adjudication.models import (
    GoldDecision,
    GoldRelationRow,
    GoldSentence,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.queries import gold_state
from annotator.adjudication.requests import GoldIn
from annotator.annotation.queries import get_schema
from annotator.audit.services import get_event
from annotator.auth.models import Role, User
from annotator.db import utcnow
from annotator.errors import Forbidden, Invalid, NotFound
from annotator.projects.access import may
from annotator.relations import Relation
from annotator.spans import Span


def save_gold(session: Session, curator: User, sentence_id: int, change: GoldIn) -> Saved:
    """Make ``change.spans`` and ``change.relations`` the sentence's gold (the curator's
    whole-sentence editor).

    Spans and relations kept as they were keep their provenance; new ones are the curator's.
    Without ``relations`` the gold's relations stay wherever both their spans stay (a removed
    span takes its relations with it). An open conflict whose region changed, or an open
    argument conflict whose event's relations changed, counts as decided ("edited"); the
    sentence closes when no open conflict remains. Version 0 creates the gold record of a
    sentence without one.

    Raises:
        NotFound.  Invalid: bad spans (each named).  Conflict: stale version.
    """
    sentence = get_sentence(session, sentence_id)
    require_curator(session, curator, sentence.project_id)
    spans = parse_gold_spans(session, sentence, change.spans)
    schema = get_schema(session, sentence.project_id)
    gold = load_gold(session, sentence_id)
    current_version = gold.version if gold is not None else 0
    if change.version != current_version:
        raise stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    links = {r.to_value(): r for r in gold.relations} if gold is not None else {}
    if change.relations is None:
        relations = eligible(links, spans, schema)
    else:
        relations = parse_gold_relations(session, sentence, change.relations, spans)
    existing = {s.to_value(): s for s in gold.spans} if gold is not None else {}
    if gold is not None and set(existing) == set(spans) and set(links) == set(relations):
        return Saved(gold.version, gold.status, sentence.project_id)  # nothing changed
    outcome, decided, annotations = sentence_outcome(session, sentence_id, gold)
    frames, events, annotated = sentence_frames(session, sentence_id, gold, outcome.voters,
                                                schema)
    before = gold_state(session, gold) if gold is not None else None
    if gold is None:
        gold = create_gold(session, sentence_id)
    else:
        claim(session, gold)
    wanted = set(spans)
    for value, row in existing.items():
        if value not in wanted:
            gold.spans.remove(row)
    who = annotators_by_span(annotations)
    now = utcnow()
    for span in spans:
        if span not in existing:
            gold.spans.append(
                curator_span(span, len(annotations), who, curator, change.reason, change.note,
                             now)
            )
    _replace_relations(gold, links, relations, annotated, len(annotations), curator, change)
    _decide_edited(session, gold, outcome, decided, list(existing), spans, curator, change)
    _decide_edited_arguments(session, gold, frames, events, list(links), relations, curator,
                             change)
    still_open = [c for c in outcome.conflicts if is_open(c, _decided_now(session, gold))]
    if gold.status == GoldStatus.PARTIAL and not still_open and not _open_arguments(
        session, gold, sentence.id, list(outcome.voters), schema
    ):
        close(gold, curator)
    return record_gold_change(session, gold, sentence, curator, "edit", before)


def _replace_relations(
    gold: GoldSentence, links: dict[Relation, GoldRelationRow], relations: Sequence[Relation],
    annotated: dict[str, list[Relation]], voters: int, curator: User, change: GoldIn,
) -> None:
    """Make ``relations`` the gold's: unchanged ones keep their provenance (and removed ones,
    a removed span's among them, leave the gold and its audit record's "after")."""
    wanted = set(relations)
    for value, row in links.items():
        if value not in wanted:
            gold.relations.remove(row)
    who = annotators_by_relation(annotated)
    now = utcnow()
    for relation in relations:
        if relation not in links:
            gold.relations.append(curator_relation(relation, voters, who, curator,
                                                   change.reason, change.note, now))


def _decide_edited_arguments(
    session: Session, gold: GoldSentence, frames: Frames, events: list[tuple[int, int]],
    old: Sequence[Relation], new: Sequence[Relation], curator: User, change: GoldIn,
) -> None:
    """Record every open argument conflict whose event's relations the edit changed as
    decided ("edited")."""
    for conflict in frames.conflicts:
        event = (conflict.start, conflict.end)
        if argument_open(conflict, events) and of_event(old, event) != of_event(new, event):
            session.add(
                GoldDecision(
                    gold_id=gold.id, start=conflict.start, end=conflict.end, kind=ARGUMENT,
                    choice="edited", curator_id=curator.id, reason=change.reason,
                    note=change.note, created_at=utcnow(),
                )
            )


def _decided_now(session: Session, gold: GoldSentence) -> list[tuple[int, int]]:
    """Span conflict regions decided, those added in this change included."""
    session.flush()
    return decided_regions(session, [gold.id]).get(gold.id, [])


def _open_arguments(
    session: Session, gold: GoldSentence, sentence_id: int, voters: list[str], schema: Any
) -> bool:
    """Whether an argument conflict is open on the gold as it now stands."""
    session.flush()
    frames, events, _ = sentence_frames(session, sentence_id, gold, voters, schema)
    return any(argument_open(c, events) for c in frames.conflicts)


def _decide_edited(
    session: Session, gold: GoldSentence, outcome: Outcome, decided: list[tuple[int, int]],
    old: Sequence[Span], new: Sequence[Span], curator: User, change: GoldIn,
) -> None:
    """Record every open conflict whose spans the edit changed as decided."""
    newly: list[tuple[int, int]] = []
    for conflict in outcome.conflicts:
        if not is_open(conflict, decided):
            continue
        if _inside(old, conflict) != _inside(new, conflict):
            session.add(
                GoldDecision(
                    gold_id=gold.id, start=conflict.start, end=conflict.end,
                    kind=conflict.kind, choice="edited", curator_id=curator.id,
                    reason=change.reason, note=change.note, created_at=utcnow(),
                )
            )
            newly.append((conflict.start, conflict.end))


def _inside(spans: Sequence[Span], region: ConflictRegion) -> list[Span]:
    return sorted(s for s in spans if overlaps(s.start, s.end, region.start, region.end))


# ---------------------------------------------------------------------------- close, reopen


def _gold_at(session: Session, sentence_id: int, version: int) -> GoldSentence:
    """The sentence's gold at the version the curator saw."""
    gold = load_gold(session, sentence_id)
    if gold is None:
        raise NotFound("no gold for this sentence yet")
    if gold.version != version:
        raise stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    return gold


def close_gold(session: Session, curator: User, sentence_id: int, version: int) -> Saved:
    """Close a sentence: every conflict still open (argument conflicts too) is decided as
    "keep none" (none of its disputed spans or arguments is added)."""
    sentence = get_sentence(session, sentence_id)
    require_curator(session, curator, sentence.project_id)
    gold = _gold_at(session, sentence_id, version)
    if gold.status == GoldStatus.COMPLETE:
        raise Invalid("this sentence is already closed")
    before = gold_state(session, gold)
    outcome, decided, _ = sentence_outcome(session, sentence_id, gold)
    frames, events, _ = sentence_frames(session, sentence_id, gold, outcome.voters,
                                        get_schema(session, sentence.project_id))
    claim(session, gold)
    for conflict in [*outcome.conflicts, *frames.conflicts]:
        still = (argument_open(conflict, events) if conflict.kind == ARGUMENT
                 else is_open(conflict, decided))
        if still:
            session.add(
                GoldDecision(
                    gold_id=gold.id, start=conflict.start, end=conflict.end, kind=conflict.kind,
                    choice="none", curator_id=curator.id, note="closed with the sentence",
                    created_at=utcnow(),
                )
            )
    close(gold, curator)
    return record_gold_change(session, gold, sentence, curator, "close", before)


def reopen_gold(session: Session, curator: User, sentence_id: int, version: int) -> Saved:
    """Reopen a sentence: status partial, its decisions withdrawn so they can be redone.

    The gold spans stay as they are until a curator decides the conflicts again.
    """
    sentence = get_sentence(session, sentence_id)
    require_curator(session, curator, sentence.project_id)
    gold = _gold_at(session, sentence_id, version)
    if gold.status != GoldStatus.COMPLETE:
        raise Invalid("this sentence is not closed")
    before = gold_state(session, gold)
    claim(session, gold)
    session.execute(delete(GoldDecision).where(GoldDecision.gold_id == gold.id))
    gold.status = GoldStatus.PARTIAL.value
    gold.closed_at = None
    gold.closed_by_id = None
    return record_gold_change(session, gold, sentence, curator, "reopen", before)


# ---------------------------------------------------------------------------- restore


def restore_gold(session: Session, admin: User, event_id: int) -> Saved:
    """Make the gold an audit event recorded (its "after") the sentence's gold again.

    The restore is itself a new version in the trail; decisions are left as they are.
    """
    event = get_event(session, event_id)
    if event.target != "gold":
        raise Invalid("only gold changes can be restored here")
    sentence = get_sentence(session, event.sentence_id)
    if not may(session, admin, sentence.project_id, Role.ADMIN):
        raise Forbidden("only admins of this project restore")
    gold = load_gold(session, sentence.id)
    before = gold_state(session, gold) if gold is not None else None
    if gold is None:
        gold = create_gold(session, sentence.id)
    else:
        claim(session, gold)
    for row in list(gold.spans):
        gold.spans.remove(row)
    for link in list(gold.relations):
        gold.relations.remove(link)
    now = utcnow()
    for s in event.after.get("spans", []):
        gold.spans.append(_restored_span(s, now))
    for r in event.after.get("relations", []):  # absent in records older than relations
        gold.relations.append(_restored_relation(r, now))
    status = event.after.get("status") or GoldStatus.PARTIAL.value
    gold.status = status
    if status == GoldStatus.COMPLETE:
        gold.closed_at, gold.closed_by_id = now, admin.id
    else:
        gold.closed_at, gold.closed_by_id = None, None
    session.flush()
    return record_gold_change(session, gold, sentence, admin, "restore", before)


def _restored_span(s: dict[str, Any], now: datetime) -> GoldSpanRow:
    """A gold span as an audit record holds it, stored anew."""
    return GoldSpanRow(
        start=s["start"], end=s["end"], label=s["label"], attributes=s.get("attributes") or {},
        source=s["source"], votes=s.get("votes", 0), voters=s.get("voters", 0),
        annotators=s.get("annotators") or [], curator_id=s.get("curator_id"),
        reason=s.get("reason"), note=s.get("note"), created_at=now,
    )


def _restored_relation(r: dict[str, Any], now: datetime) -> GoldRelationRow:
    """A gold relation as an audit record holds it, stored anew."""
    return GoldRelationRow(
        head_start=r["head"]["start"], head_end=r["head"]["end"], role=r["role"],
        child_start=r["child"]["start"], child_end=r["child"]["end"], source=r["source"],
        votes=r.get("votes", 0), voters=r.get("voters", 0),
        annotators=r.get("annotators") or [], curator_id=r.get("curator_id"),
        reason=r.get("reason"), note=r.get("note"), created_at=now,
    )
