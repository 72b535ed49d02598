"""The gold the automatic pass finds in place before it plans a slice of sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.bulk import SPAN_COLUMNS
from annotator.adjudication.input import (
    chunks,
    decided_events,
    decided_regions,
    sentence_relations,
    user_names,
)
from annotator.adjudication.models import (
    GoldRelationRow,
    GoldSentence,
    GoldSource,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.queries import RELATION_COLUMNS
from annotator.relations import Relation


@dataclass(frozen=True)
class Stored:
    """What gold the sentences in scope have (see ``load_golds``)."""

    golds: dict[int, Any]  # sentence id -> gold record
    spans: dict[int, list[Any]]  # gold id -> spans, partial records only
    voted: dict[int, int]  # gold id -> spans from the vote, complete records only
    decided: dict[int, list[tuple[int, int]]]  # gold id -> regions curators decided
    names: dict[int, str]  # curator id -> name, for the audit trail
    relations: dict[int, list[Any]]  # gold id -> relations, partial records only
    voted_relations: dict[int, int]  # gold id -> relations from the vote, complete records
    events: dict[int, list[tuple[int, int]]]  # gold id -> events whose arguments were decided
    annotated: dict[int, dict[str, list[Relation]]]  # sentence id -> annotators' relations


def load_golds(session: Session, sentence_ids: Sequence[int]) -> Stored:
    """Gold records of these sentences, the spans of the partial ones, the vote's count in
    the complete ones, decided regions and curators' names.

    Complete sentences are left alone, so their spans are counted, not read.
    """
    golds: dict[int, Any] = {}
    stored: dict[int, list[Any]] = {}
    voted: dict[int, int] = {}
    links: dict[int, list[Any]] = {}
    voted_links: dict[int, int] = {}
    columns = [getattr(GoldSpanRow, c) for c in SPAN_COLUMNS]
    link_columns = [getattr(GoldRelationRow, c) for c in RELATION_COLUMNS]
    for chunk in chunks(sentence_ids):
        for row in session.execute(
            select(GoldSentence.id, GoldSentence.sentence_id, GoldSentence.status,
                   GoldSentence.version, GoldSentence.min_agree)
            .where(GoldSentence.sentence_id.in_(chunk))
        ):
            golds[row.sentence_id] = row
        for row in session.execute(
            select(GoldSpanRow.id, GoldSpanRow.gold_id, *columns)
            .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.PARTIAL.value)
            .order_by(GoldSpanRow.start)
        ):
            stored.setdefault(row.gold_id, []).append(row)
        voted.update(session.execute(
            select(GoldSpanRow.gold_id, func.count(GoldSpanRow.id))
            .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.COMPLETE.value,
                   GoldSpanRow.source != GoldSource.CURATOR.value)
            .group_by(GoldSpanRow.gold_id)
        ).all())
        for row in session.execute(
            select(GoldRelationRow.id, GoldRelationRow.gold_id, *link_columns)
            .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.PARTIAL.value)
            .order_by(GoldRelationRow.id)
        ):
            links.setdefault(row.gold_id, []).append(row)
        voted_links.update(session.execute(
            select(GoldRelationRow.gold_id, func.count(GoldRelationRow.id))
            .join(GoldSentence, GoldSentence.id == GoldRelationRow.gold_id)
            .where(GoldSentence.sentence_id.in_(chunk),
                   GoldSentence.status == GoldStatus.COMPLETE.value,
                   GoldRelationRow.source != GoldSource.CURATOR.value)
            .group_by(GoldRelationRow.gold_id)
        ).all())
    gold_ids = [g.id for g in golds.values()]
    decided = decided_regions(session, gold_ids)
    names = user_names(session, {r.curator_id for rows in [*stored.values(), *links.values()]
                                 for r in rows if r.curator_id})
    return Stored(golds, stored, voted, decided, names, links, voted_links,
                  decided_events(session, gold_ids), sentence_relations(session, sentence_ids))
