"""Reads for suggestions: a project's sources (built once per process and data version), the
suggestions for one sentence, the settings page and the dashboard's counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from annotator import caching
from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, SpanRow
from annotator.annotation.queries import get_sentence_facts
from annotator.assignments.models import Assignment, Batch
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.corpus.tokens import token_offsets
from annotator.learning.prediction import predict
from annotator.suggestions.matching import (
    Gazetteer,
    PatternRule,
    Patterns,
    Source,
    Suggestion,
    Term,
    combine,
    gold_terms,
)
from annotator.suggestions.models import (
    GazetteerEntry,
    GazetteerList,
    SuggestionEvent,
    SuggestionPattern,
    SuggestionSetting,
)

CACHE_KIND = "suggestion-sources"


def ignores_case(session: Session, project_id: int) -> bool:
    """Whether the project's gazetteer matches regardless of letter case (default: no)."""
    return bool(session.scalar(
        select(SuggestionSetting.ignore_case).where(SuggestionSetting.project_id == project_id)))


def _fingerprint_statement() -> Any:
    """One statement for the whole fingerprint (it runs on every suggestion request)."""
    project = bindparam("project_id")
    gold = (select(GoldSentence.id, GoldSentence.version, GoldSentence.updated_at)
            .join(Sentence, Sentence.id == GoldSentence.sentence_id)
            .where(Sentence.project_id == project).subquery())
    lists = select(GazetteerList.id).where(GazetteerList.project_id == project).subquery()
    patterns = (select(SuggestionPattern.id, SuggestionPattern.updated_at)
                .where(SuggestionPattern.project_id == project).subquery())
    setting = SuggestionSetting
    return select(
        select(func.count(gold.c.id)).scalar_subquery(),
        select(func.max(gold.c.id)).scalar_subquery(),
        select(func.coalesce(func.sum(gold.c.version), 0)).scalar_subquery(),
        select(func.max(gold.c.updated_at)).scalar_subquery(),
        select(func.count(lists.c.id)).scalar_subquery(),
        select(func.max(lists.c.id)).scalar_subquery(),
        select(func.count(patterns.c.id)).scalar_subquery(),
        select(func.max(patterns.c.id)).scalar_subquery(),
        select(func.max(patterns.c.updated_at)).scalar_subquery(),
        select(setting.ignore_case).where(setting.project_id == project).scalar_subquery(),
        select(setting.updated_at).where(setting.project_id == project).scalar_subquery(),
    )


_FINGERPRINT = _fingerprint_statement()


def sources_fingerprint(session: Session, project_id: int) -> tuple[Any, ...]:
    """A value that changes whenever anything the project's sources are built from changes,
    read in one statement: the gold (every gold write, schema edits included, bumps its
    record's version; creating or deleting one changes the count or the last id), the lists
    (a list's entries never change after its upload: a new or deleted list is enough), the
    patterns and the case setting."""
    return tuple(session.execute(_FINGERPRINT, {"project_id": project_id}).one())


def _gold_rows(session: Session, project_id: int) -> Iterator[tuple[str, str, str | None]]:
    """Every gold span of the project as ``(text, label, event type)``."""
    offset = Sentence.start + GoldSpanRow.start
    rows = session.execute(
        select(func.substr(Document.text, offset + 1, GoldSpanRow.end - GoldSpanRow.start),
               GoldSpanRow.label, GoldSpanRow.attributes)
        .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .join(Document, Document.id == Sentence.document_id)
        .where(Sentence.project_id == project_id)
    )
    for text, label, attributes in rows:
        yield text, label, (attributes or {}).get("event_type")


def _list_terms(session: Session, project_id: int) -> list[Term]:
    rows = session.execute(
        select(GazetteerEntry.text, GazetteerEntry.label, GazetteerEntry.event_type,
               GazetteerList.name)
        .join(GazetteerList, GazetteerList.id == GazetteerEntry.list_id)
        .where(GazetteerList.project_id == project_id)
        .order_by(GazetteerList.id, GazetteerEntry.id)
    )
    return [Term(text, label, event_type, name) for text, label, event_type, name in rows]


def _pattern_rules(session: Session, project_id: int) -> list[PatternRule]:
    rows = session.scalars(
        select(SuggestionPattern).where(SuggestionPattern.project_id == project_id)
        .order_by(SuggestionPattern.name)
    )
    return [PatternRule(p.name, p.label, p.pattern, p.event_type) for p in rows]


def build_sources(session: Session, project_id: int) -> list[Source]:
    """Build the project's gazetteer (gold and uploaded lists) and patterns from the database."""
    ignore_case = ignores_case(session, project_id)
    terms = [*_list_terms(session, project_id),
             *gold_terms(_gold_rows(session, project_id), ignore_case=ignore_case)]
    return [Gazetteer(terms, ignore_case=ignore_case),
            Patterns(_pattern_rules(session, project_id))]


def get_sources(session: Session, project_id: int) -> list[Source]:
    """The project's suggestion sources, built once per process and fingerprint."""
    return caching.get_or_compute(
        CACHE_KIND, project_id, sources_fingerprint(session, project_id),
        lambda: build_sources(session, project_id))


def suggestions_enabled(session: Session, user_id: int, sentence_id: int) -> bool:
    """Whether the user has the sentence through a live batch with suggestions on."""
    return bool(session.scalar(
        select(Batch.id)
        .join(Assignment, Assignment.batch_id == Batch.id)
        .where(Assignment.annotator_id == user_id, Assignment.sentence_id == sentence_id,
               Batch.archived_at.is_(None), Batch.suggestions.is_(True))
        .limit(1)
    ))


def sentence_suggestions(session: Session, user: User, sentence_id: int) -> dict[str, Any]:
    """The API's answer: the suggestions for a sentence the user may annotate, leaving out
    those overlapping the user's own saved spans; none when the batch has suggestions off.

    Raises:
        NotFound / Forbidden: as reading the annotation would.
    """
    facts = get_sentence_facts(session, user, sentence_id)
    if facts.excluded or not suggestions_enabled(session, user.id, sentence_id):
        return {"suggestions": [], "enabled": False}
    own = session.execute(
        select(SpanRow.start, SpanRow.end)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .where(Annotation.sentence_id == sentence_id, Annotation.annotator_id == user.id)
    ).all()
    sources = [*get_sources(session, facts.project_id),
               ModelSource(session, facts.project_id)]
    found = combine(sources, facts.text, token_offsets(facts.text), [tuple(r) for r in own])
    return {"suggestions": [s.to_json() for s in found], "enabled": True}


@dataclass(frozen=True)
class ModelSource:
    """The project's active trained model as a suggestion source (none: no suggestion)."""

    session: Session
    project_id: int

    def suggest(self, text: str, tokens: Any) -> list[Suggestion]:
        """The active model's spans of the sentence, with their beam scores."""
        return [
            Suggestion(item["start"], item["end"], item["label"],
                       tuple(sorted(item.get("attributes", {}).items())), source="model",
                       name=item["name"], score=float(item["score"]))
            for item in predict(self.session, self.project_id, text, tokens)
        ]


@dataclass(frozen=True)
class ListSummary:
    id: int
    name: str
    entries: int
    created_at: Any


@dataclass(frozen=True)
class SettingsPage:
    """The project's suggestion settings page: lists, patterns, the case option, gold size."""

    lists: list[ListSummary]
    patterns: list[SuggestionPattern]
    ignore_case: bool
    gold_spans: int


def settings_page(session: Session, project_id: int) -> SettingsPage:
    """Read what the suggestion settings page shows."""
    lists = session.execute(
        select(GazetteerList.id, GazetteerList.name, func.count(GazetteerEntry.id),
               GazetteerList.created_at)
        .outerjoin(GazetteerEntry, GazetteerEntry.list_id == GazetteerList.id)
        .where(GazetteerList.project_id == project_id)
        .group_by(GazetteerList.id, GazetteerList.name, GazetteerList.created_at)
        .order_by(GazetteerList.name)
    ).all()
    patterns = list(session.scalars(
        select(SuggestionPattern).where(SuggestionPattern.project_id == project_id)
        .order_by(SuggestionPattern.name)))
    gold_spans = session.scalar(
        select(func.count(GoldSpanRow.id))
        .join(GoldSentence, GoldSentence.id == GoldSpanRow.gold_id)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id)) or 0
    return SettingsPage([ListSummary(*row) for row in lists], patterns,
                        ignores_case(session, project_id), gold_spans)


@dataclass(frozen=True)
class SourceCounts:
    """What happened to one source's suggestions (the dashboard's table)."""

    source: str
    name: str
    shown: int
    accepted: int
    rejected: int
    changed: int  # accepted, then edited (offsets or label) or deleted

    @property
    def acceptance(self) -> float | None:
        """Accepted of those decided (accepted + rejected), or None before any decision."""
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def suggestion_counts(session: Session, project_id: int) -> list[SourceCounts]:
    """Per source and name: suggestions shown, accepted, rejected, and accepted ones later
    changed (no span of the annotator's current annotation has the accepted offsets and
    label any more)."""
    e = SuggestionEvent
    kept = (
        select(SpanRow.id)
        .join(Annotation, Annotation.id == SpanRow.annotation_id)
        .where(Annotation.sentence_id == e.sentence_id, Annotation.annotator_id == e.user_id,
               SpanRow.start == e.start, SpanRow.end == e.end, SpanRow.label == e.label)
        .exists()
    )
    rows = session.execute(
        select(e.source, e.name,
               func.sum(case((e.action == "shown", 1), else_=0)),
               func.sum(case((e.action == "accepted", 1), else_=0)),
               func.sum(case((e.action == "rejected", 1), else_=0)),
               func.sum(case((and_(e.action == "accepted", ~kept), 1), else_=0)))
        .where(e.project_id == project_id)
        .group_by(e.source, e.name)
        .order_by(e.source, e.name)
    ).all()
    return [SourceCounts(source, name, int(shown or 0), int(accepted or 0), int(rejected or 0),
                         int(changed or 0))
            for source, name, shown, accepted, rejected, changed in rows]
