"""Deciding one conflict: keep an annotator's version, none, or spans the curator edited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from annotator.adjudication.blinding import pseudonym_order
from annotator.adjudication.conflicts import ConflictRegion, Outcome, is_open, overlaps
from annotator.adjudication.gold_changes import (
    Saved,
    annotators_by_span,
    claim,
    close,
    curator_span,
    get_sentence,
    load_gold,
    parse_gold_spans,
    record_gold_change,
    require_curator,
    stale,
)
from annotator.adjudication.input import sentence_outcome
from annotator.adjudication.models import GoldDecision, GoldSentence, GoldStatus
from annotator.adjudication.queries import gold_state
from annotator.adjudication.requests import DecisionIn
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.db import utcnow
from annotator.errors import Invalid, NotFound
from annotator.spans import Span


def decide(session: Session, curator: User, sentence_id: int, change: DecisionIn) -> Saved:
    """Resolve one open conflict: keep one annotator's version, none, or edited spans.

    The region's gold becomes the chosen spans (provenance: curator, with the annotators who
    marked each exactly); the decision is recorded; the sentence closes when it was the last
    open conflict. Annotators' own annotations are never touched.

    Raises:
        NotFound: no sentence or no gold yet.  Conflict: stale version, sentence closed, or the
        conflict is no longer open.  Invalid: bad pick or spans.
    """
    sentence = get_sentence(session, sentence_id)
    require_curator(session, curator, sentence.project_id)
    gold = _open_gold(session, sentence_id, change.version)
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
    remaining = [
        c for c in outcome.conflicts
        if c is not region and is_open(c, [*decided, (region.start, region.end)])
    ]
    if not remaining:
        close(gold, curator)
    return record_gold_change(session, gold, sentence, curator, "decide", before)


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
