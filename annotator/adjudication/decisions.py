"""Deciding one conflict: keep an annotator's version, none, or what the curator edited.

A span conflict's version is an annotator's spans in its region; an argument conflict's, an
annotator's arguments (relations) of one gold event.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from annotator.adjudication.arguments import ArgumentConflict, argument_open, eligible, of_event
from annotator.adjudication.blinding import pseudonym_order
from annotator.adjudication.conflicts import ARGUMENT, ConflictRegion, Outcome, is_open, overlaps
from annotator.adjudication.gold_changes import (
    Saved,
    annotators_by_relation,
    annotators_by_span,
    claim,
    close,
    curator_relation,
    curator_span,
    get_sentence,
    load_gold,
    parse_gold_relations,
    parse_gold_spans,
    record_gold_change,
    require_curator,
    settle_relations,
    stale,
)
from annotator.adjudication.input import sentence_frames, sentence_outcome
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldStatus
from annotator.adjudication.queries import gold_state
from annotator.adjudication.requests import DecisionIn
from annotator.annotation.queries import get_schema
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.db import utcnow
from annotator.errors import Invalid, NotFound
from annotator.relations import Relation
from annotator.spans import Span


def decide(session: Session, curator: User, sentence_id: int, change: DecisionIn) -> Saved:
    """Resolve one open conflict: keep one annotator's version, none, or edited spans.

    The region's gold becomes the chosen spans (provenance: curator, with the annotators who
    marked each exactly); gold relations that lose a span go with it, and relations the vote
    accepts on the new spans come in; the decision is recorded; the sentence closes when it
    was the last open conflict. Annotators' own annotations are never touched. An argument
    conflict (``change.kind == "argument"``) is decided by ``decide_arguments``.

    Raises:
        NotFound: no sentence or no gold yet.  Conflict: stale version, sentence closed, or the
        conflict is no longer open.  Invalid: bad pick or spans.
    """
    sentence = get_sentence(session, sentence_id)
    require_curator(session, curator, sentence.project_id)
    gold = _open_gold(session, sentence_id, change.version)
    if change.arguments:
        return decide_arguments(session, curator, sentence, gold, change)
    outcome, decided, annotations = sentence_outcome(session, sentence_id, gold)
    region = next(
        (c for c in outcome.conflicts if (c.start, c.end) == (change.start, change.end)), None
    )
    if region is None or not is_open(region, decided):
        raise stale(
            session, sentence_id,
            "this conflict is no longer open (decided meanwhile, or the annotations changed)",
        )
    spans, picked_names = _chosen_spans(session, sentence, outcome, region, change)
    before = gold_state(session, gold)
    claim(session, gold)
    for row in [s for s in gold.spans if overlaps(s.start, s.end, region.start, region.end)]:
        gold.spans.remove(row)
    who = annotators_by_span(annotations)
    now = utcnow()
    for span in spans:
        gold.spans.append(
            curator_span(span, len(annotations), who, curator, change.reason, change.note, now)
        )
    session.add(
        GoldDecision(
            gold_id=gold.id, start=region.start, end=region.end, kind=region.kind,
            choice=change.choice, curator_id=curator.id, reason=change.reason, note=change.note,
            annotators=picked_names, created_at=utcnow(),
        )
    )
    remaining: list[ConflictRegion | ArgumentConflict] = [
        c for c in outcome.conflicts
        if c is not region and is_open(c, [*decided, (region.start, region.end)])
    ]
    remaining += settle_relations(session, gold, sentence, list(outcome.voters))
    if not remaining:
        close(gold, curator)
    return record_gold_change(session, gold, sentence, curator, "decide", before)


def decide_arguments(
    session: Session, curator: User, sentence: Sentence, gold: GoldSentence, change: DecisionIn
) -> Saved:
    """Resolve an argument conflict: the gold event's arguments become one annotator's (those
    that can stand on the gold spans), none, or the relations the curator sent."""
    outcome, decided, _ = sentence_outcome(session, sentence.id, gold)
    schema = get_schema(session, sentence.project_id)
    frames, events, relations = sentence_frames(session, sentence.id, gold, outcome.voters,
                                                schema)
    conflict = next(
        (c for c in frames.conflicts if (c.start, c.end) == (change.start, change.end)), None
    )
    if conflict is None or not argument_open(conflict, events):
        raise stale(
            session, sentence.id,
            "this argument conflict is no longer open (decided meanwhile, or the annotations "
            "or the gold spans changed)",
        )
    chosen, picked_names = _chosen_relations(session, sentence, gold, outcome, conflict, change)
    event = (conflict.start, conflict.end)
    before = gold_state(session, gold)
    claim(session, gold)
    # Arguments the vote already put in gold and the curator keeps keep their provenance.
    present = {r.to_value(): r for r in gold.relations if (r.head_start, r.head_end) == event}
    for value, row in present.items():
        if value not in chosen:
            gold.relations.remove(row)
    who = annotators_by_relation(relations)
    now = utcnow()
    for relation in [r for r in chosen if r not in present]:
        gold.relations.append(curator_relation(
            relation, len(outcome.voters), who, curator, change.reason, change.note, now))
    session.add(
        GoldDecision(
            gold_id=gold.id, start=conflict.start, end=conflict.end, kind=ARGUMENT,
            choice=change.choice, curator_id=curator.id, reason=change.reason, note=change.note,
            annotators=picked_names, created_at=now,
        )
    )
    remaining = [c for c in outcome.conflicts if is_open(c, decided)]
    remaining += [c for c in frames.conflicts
                  if c is not conflict and argument_open(c, [*events, event])]
    if not remaining:
        close(gold, curator)
    return record_gold_change(session, gold, sentence, curator, "decide", before)


def _chosen_relations(
    session: Session, sentence: Sentence, gold: GoldSentence, outcome: Outcome,
    conflict: ArgumentConflict, change: DecisionIn,
) -> tuple[list[Relation], list[str] | None]:
    """The event's new gold arguments, and for a picked version the annotators who made it."""
    if change.choice == "version":
        order = pseudonym_order(session, sentence.project_id, outcome.voters)
        if not 1 <= (change.pick or 0) <= len(order):
            raise Invalid(f"pick must be between 1 and {len(order)}")
        version = conflict.version_of(order[change.pick - 1])
        return list(version), sorted(n for n, v in conflict.versions if v == version)
    if change.choice == "none":
        return [], None
    spans = [s.to_value() for s in gold.spans]
    relations = parse_gold_relations(session, sentence, change.relations, spans)
    event = (conflict.start, conflict.end)
    elsewhere = [i for i, r in enumerate(relations) if r.head != event]
    if elsewhere:
        raise Invalid(
            "invalid relations",
            relations=[{"index": i, "message": "its head is not this conflict's event"}
                       for i in elsewhere],
        )
    schema = get_schema(session, sentence.project_id)
    return of_event(eligible(relations, spans, schema), event), None


def _open_gold(session: Session, sentence_id: int, version: int) -> GoldSentence:
    """The sentence's gold at the version the curator saw, still partial."""
    gold = load_gold(session, sentence_id)
    if gold is None:
        raise NotFound("no gold for this sentence yet: run the automatic adjudication first")
    if gold.version != version:
        raise stale(session, sentence_id, "the gold of this sentence changed since you loaded it")
    if gold.status == GoldStatus.COMPLETE:
        raise stale(
            session, sentence_id, "this sentence is closed; reopen it to change its decisions"
        )
    return gold


def _chosen_spans(
    session: Session, sentence: Sentence, outcome: Outcome, region: ConflictRegion,
    change: DecisionIn,
) -> tuple[list[Span], list[str] | None]:
    """The region's new gold spans, and for a picked version the annotators who marked it."""
    if change.choice == "version":
        order = pseudonym_order(session, sentence.project_id, outcome.voters)
        if not 1 <= (change.pick or 0) <= len(order):
            raise Invalid(f"pick must be between 1 and {len(order)}")
        version = region.version_of(order[change.pick - 1])
        return list(version), sorted(n for n, v in region.versions if v == version)
    if change.choice == "none":
        return [], None
    spans = parse_gold_spans(session, sentence, change.spans)
    outside = [i for i, s in enumerate(spans) if s.start < region.start or s.end > region.end]
    if outside:
        raise Invalid(
            f"edited spans must lie inside the conflict [{region.start}, {region.end})",
            spans=[{"index": i, "message": "outside the conflict's region"} for i in outside],
        )
    return spans, None
