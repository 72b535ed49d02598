"""Steps every curator's change to a sentence's gold shares: find, claim, record, or refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from annotator.adjudication.arguments import (
    ArgumentConflict,
    argument_open,
    eligible,
)
from annotator.adjudication.input import sentence_frames
from annotator.adjudication.models import (
    GoldRelationRow,
    GoldSentence,
    GoldSource,
    GoldSpanRow,
    GoldStatus,
)
from annotator.adjudication.queries import gold_state
from annotator.annotation.queries import get_schema
from annotator.annotation.services import insert_unless_taken
from annotator.audit.services import record_change
from annotator.auth.models import Role, User
from annotator.corpus.models import Sentence
from annotator.db import utcnow
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.projects.access import may
from annotator.projects.schema import LabelSchema
from annotator.relations import InvalidRelations, Relation, parse_relations
from annotator.spans import InvalidSpans, Span, parse_spans


@dataclass(frozen=True)
class Saved:
    version: int
    status: str
    project_id: int


def require_curator(session: Session, user: User | None, project_id: int) -> None:
    """Refuse anyone but the project's curators and admins (docs/access.md)."""
    if user is None or not may(session, user, project_id, Role.CURATOR):
        raise Forbidden("only curators and admins of this project adjudicate")


def get_sentence(session: Session, sentence_id: int) -> Sentence:
    """The sentence, or NotFound."""
    sentence = session.get(Sentence, sentence_id)
    if sentence is None:
        raise NotFound(f"sentence {sentence_id} does not exist")
    return sentence


def load_gold(session: Session, sentence_id: int, *, fresh: bool = False) -> GoldSentence | None:
    """The sentence's gold record with its spans; ``fresh`` re-reads one already loaded."""
    statement = (
        select(GoldSentence)
        .where(GoldSentence.sentence_id == sentence_id)
        .options(selectinload(GoldSentence.spans), selectinload(GoldSentence.relations))
    )
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return session.scalar(statement)


def parse_gold_spans(session: Session, sentence: Sentence, raw: Any) -> list[Span]:
    """Check untrusted spans against the sentence and its project's schema, naming each bad one."""
    schema = get_schema(session, sentence.project_id)
    try:
        return parse_spans(raw, sentence.text, schema)
    except InvalidSpans as err:
        raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None


def parse_gold_relations(
    session: Session, sentence: Sentence, raw: Any, spans: list[Span]
) -> list[Relation]:
    """Check untrusted relations against the gold's spans and the schema, naming each bad one
    (the saving API's 422: ``{"code": "invalid", "message": "invalid relations",
    "relations": [{"index", "message"}]}``)."""
    schema = get_schema(session, sentence.project_id)
    try:
        return parse_relations(raw, spans, schema)
    except InvalidRelations as err:
        raise Invalid("invalid relations", relations=[e.to_json() for e in err.errors]) from None


def create_gold(session: Session, sentence_id: int) -> GoldSentence:
    """A new gold record at version 1; a racing creation of the same one gets Conflict."""
    now = utcnow()
    table = GoldSentence.__table__
    statement = insert_unless_taken(session, table, ("sentence_id",), ("id",))
    gold_id = session.execute(statement, {
        "sentence_id": sentence_id, "status": GoldStatus.PARTIAL.value, "version": 1,
        "created_at": now, "updated_at": now, "min_agree": None, "closed_at": None,
        "closed_by_id": None,
    }).scalar_one_or_none()
    if gold_id is None:
        raise stale(session, sentence_id, "the gold of this sentence was created meanwhile")
    gold = session.get(GoldSentence, gold_id)
    assert gold is not None
    set_committed_value(gold, "spans", [])
    set_committed_value(gold, "relations", [])
    return gold


def claim(session: Session, gold: GoldSentence) -> None:
    """Compare-and-set the version, so that of two racing changes to a gold only one lands."""
    expected = gold.version
    result = session.execute(
        update(GoldSentence)
        .where(GoldSentence.id == gold.id, GoldSentence.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise stale(session, gold.sentence_id, "the gold of this sentence was changed meanwhile")
    set_committed_value(gold, "version", expected + 1)


def stale(session: Session, sentence_id: int, message: str) -> Conflict:
    """A 409 carrying the gold as it now stands.

    No rollback is needed to read it: this change wrote nothing, and its failed write (a
    compare-and-set that matched no row, an insert that skipped) raised nothing. The gold is
    read again over what this session holds, which may be older.
    """
    current = load_gold(session, sentence_id, fresh=True)
    return Conflict(message, current=gold_state(session, current))


def close(gold: GoldSentence, user: User) -> None:
    """Mark the gold complete, closed now by ``user``."""
    gold.status = GoldStatus.COMPLETE.value
    gold.closed_at = utcnow()
    gold.closed_by_id = user.id


def record_gold_change(
    session: Session, gold: GoldSentence, sentence: Sentence, actor: User, action: str,
    before: dict[str, Any] | None,
) -> Saved:
    """Flush a change already claimed (or a new record) and append it to the audit trail."""
    gold.updated_at = utcnow()
    session.flush()
    record_change(
        session, actor_id=actor.id, owner_id=None, sentence_id=sentence.id, target="gold",
        action=action, version=gold.version, before=before, after=gold_state(session, gold),
    )
    session.flush()
    return Saved(version=gold.version, status=gold.status, project_id=sentence.project_id)


def annotators_by_span(annotations: dict[str, list[Span]]) -> dict[Span, list[str]]:
    """Per exact span, the annotators who marked it (sorted)."""
    who: dict[Span, list[str]] = {}
    for name in sorted(annotations):
        for span in annotations[name]:
            who.setdefault(span, []).append(name)
    return who


def curator_span(
    span: Span, n: int, who: dict[Span, list[str]], curator: User,
    reason: str | None, note: str | None, now: datetime,
) -> GoldSpanRow:
    """A gold span the curator chose, with the annotators who marked it exactly."""
    names = who.get(span, [])
    return GoldSpanRow(
        start=span.start, end=span.end, label=span.label, attributes=dict(span.attributes),
        source=GoldSource.CURATOR.value, votes=len(names), voters=max(n, len(names)),
        annotators=list(names), curator_id=curator.id, reason=reason, note=note,
        created_at=now,
    )


def annotators_by_relation(relations: dict[str, list[Relation]]) -> dict[Relation, list[str]]:
    """Per exact relation, the annotators who made it (sorted)."""
    who: dict[Relation, list[str]] = {}
    for name in sorted(relations):
        for relation in relations[name]:
            who.setdefault(relation, []).append(name)
    return who


def curator_relation(
    relation: Relation, n: int, who: dict[Relation, list[str]], curator: User,
    reason: str | None, note: str | None, now: datetime,
) -> GoldRelationRow:
    """A gold relation the curator chose, with the annotators who made it exactly."""
    names = who.get(relation, [])
    return GoldRelationRow(
        head_start=relation.head_start, head_end=relation.head_end, role=relation.role,
        child_start=relation.child_start, child_end=relation.child_end,
        source=GoldSource.CURATOR.value, votes=len(names), voters=max(n, len(names)),
        annotators=list(names), curator_id=curator.id, reason=reason, note=note,
        created_at=now,
    )


def drop_detached(gold: GoldSentence, schema: LabelSchema) -> list[Relation]:
    """Remove the gold relations whose spans left the gold (or no longer allow them): a
    removed gold span takes its relations with it. Returns what was removed."""
    spans = [s.to_value() for s in gold.spans]
    kept = set(eligible([r.to_value() for r in gold.relations], spans, schema))
    gone = [row for row in gold.relations if row.to_value() not in kept]
    for row in gone:
        gold.relations.remove(row)
    return [row.to_value() for row in gone]


def settle_relations(
    session: Session, gold: GoldSentence, sentence: Sentence, voters: list[str],
) -> list[ArgumentConflict]:
    """After the gold spans changed: drop the relations that lost a span, bring in those the
    vote accepts on the new spans (on events no curator decided or edited), and return the
    argument conflicts still open."""
    schema = get_schema(session, sentence.project_id)
    drop_detached(gold, schema)
    frames, events, _ = sentence_frames(session, sentence.id, gold, voters, schema)
    present = {row.to_value() for row in gold.relations}
    protected = {*events, *((r.head_start, r.head_end) for r in gold.relations
                            if r.source == GoldSource.CURATOR)}
    now = utcnow()
    for accepted in frames.accepted:
        relation = accepted.relation
        if relation in present or relation.head in protected:
            continue
        source = GoldSource.UNANIMOUS if accepted.unanimous else GoldSource.MAJORITY
        gold.relations.append(GoldRelationRow(
            head_start=relation.head_start, head_end=relation.head_end, role=relation.role,
            child_start=relation.child_start, child_end=relation.child_end,
            source=source.value, votes=accepted.votes, voters=accepted.voters,
            annotators=list(accepted.annotators), curator_id=None, reason=None, note=None,
            created_at=now,
        ))
    return [c for c in frames.conflicts if argument_open(c, events)]
