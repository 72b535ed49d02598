"""Read the annotation state of a sentence and its neighbours for the editor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.orm import Session, joinedload

from annotator.adjudication.models import GoldSentence
from annotator.annotation.models import Annotation, RelationRow, SpanRow, Status
from annotator.assignments.models import Assignment, Batch
from annotator.assignments.queue import project_has_batches
from annotator.auth.models import Role, User
from annotator.corpus.models import Document, Sentence, published_sentence
from annotator.corpus.tokens import token_offsets
from annotator.errors import Forbidden, NotFound
from annotator.projects.access import acting_role, role_in_project
from annotator.projects.models import Project, ProjectMember
from annotator.projects.schema import LabelSchema, parse_schema

# The API's hot paths run the statements below, built once with bind parameters: SQLAlchemy
# then reuses their cache key and compiled SQL, and a request only binds its values (building
# such a select() anew costs more CPU than SQLite takes to run it).

# Does the sentence's project have live batches, and does one of them give the sentence to
# the user? (Correlated to the Sentence of the enclosing query.)
_LIVE_BATCH = (
    select(Batch.id)
    .where(Batch.project_id == Sentence.project_id, Batch.archived_at.is_(None))
    .exists()
)
_ASSIGNED = (
    select(Assignment.id)
    .join(Batch, Batch.id == Assignment.batch_id)
    .where(
        Assignment.annotator_id == bindparam("user_id"),
        Assignment.sentence_id == Sentence.id,
        Batch.archived_at.is_(None),
    )
    .exists()
)
# The user's role in the sentence's project (NULL: no member), for the blind rule.
_MEMBER_ROLE = (
    select(ProjectMember.role)
    .where(ProjectMember.project_id == Sentence.project_id,
           ProjectMember.user_id == bindparam("user_id"))
    .scalar_subquery()
)
# The schema as its JSON text: the key of the parse cache, with no decoding per request.
_SCHEMA_TEXT = cast(Project.label_schema, Text)

_SENTENCE_FOR = (
    select(Sentence, _MEMBER_ROLE, _LIVE_BATCH, _ASSIGNED, _SCHEMA_TEXT)
    .join(Project, Project.id == Sentence.project_id)
    .options(joinedload(Sentence.document))
    .where(Sentence.id == bindparam("sentence_id"))
)
_SENTENCE_FACTS = (
    select(
        Sentence.document_id, Sentence.index, Sentence.project_id, Sentence.excluded,
        Sentence.start, Sentence.end, Document.text, _MEMBER_ROLE, _LIVE_BATCH, _ASSIGNED,
        _SCHEMA_TEXT,
    )
    .join(Document, Document.id == Sentence.document_id)
    .join(Project, Project.id == Sentence.project_id)
    .where(Sentence.id == bindparam("sentence_id"))
)
# An annotation's columns with its spans (one row per span; one row with NULL span columns
# when it has none; no row when there is no annotation).
ANNOTATION_ROWS = (
    select(
        Annotation.id, Annotation.version, Annotation.status, Annotation.flagged,
        Annotation.flag_comment, Annotation.time_spent,
        SpanRow.start, SpanRow.end, SpanRow.label, SpanRow.attributes, SpanRow.origin,
    )
    .outerjoin(SpanRow, SpanRow.annotation_id == Annotation.id)
    .where(
        Annotation.sentence_id == bindparam("sentence_id"),
        Annotation.annotator_id == bindparam("owner_id"),
    )
    .order_by(SpanRow.start)
)
# An annotation's event-frame links (a second small read: joined to the spans above, each span
# row would repeat once per relation).
_RELATION_ROWS = (
    select(RelationRow.head_start, RelationRow.head_end, RelationRow.role,
           RelationRow.child_start, RelationRow.child_end)
    .where(RelationRow.annotation_id == bindparam("annotation_id"))
    .order_by(RelationRow.head_start, RelationRow.role, RelationRow.child_start)
)
_SCHEMA_OF_PROJECT = select(_SCHEMA_TEXT).where(Project.id == bindparam("project_id"))
_HAS_GOLD = select(
    select(GoldSentence.id).where(GoldSentence.sentence_id == bindparam("sentence_id")).exists()
)

# Why a frozen annotation takes no edit (the API's message and the annotation page's notice).
FROZEN_MESSAGE = (
    "this annotation is frozen: the sentence has gold, and your finished work on it has been "
    "counted in adjudication; an admin can reopen it"
)


def stored_relations(session: Session, annotation_id: int | None) -> list[dict[str, Any]]:
    """An annotation's relations as the API and the audit trail hold them (none: no annotation)."""
    if annotation_id is None:
        return []
    return [
        {"head": {"start": r.head_start, "end": r.head_end},
         "child": {"start": r.child_start, "end": r.child_end}, "role": r.role}
        for r in session.execute(_RELATION_ROWS, {"annotation_id": annotation_id})
    ]


def has_gold(session: Session, sentence_id: int) -> bool:
    """Whether the sentence has a gold record (made by the automatic pass, a curator or import)."""
    return bool(session.scalar(_HAS_GOLD, {"sentence_id": sentence_id}))


def is_frozen(session: Session, sentence_id: int, status: str | None) -> bool:
    """Whether an annotation of the sentence in ``status`` is frozen for its annotator.

    Frozen: finished ("done", the only status that is counted in agreement, adjudication and
    feedback) on a sentence that has gold. Unfinished or skipped work was never counted, and
    its annotator cannot see that sentence's gold, so it stays editable.
    """
    return status == Status.DONE and has_gold(session, sentence_id)


def _check_access(
    session: Session, user: User, sentence_id: int, row: Any, project_id: int
) -> None:
    if row is None:
        raise NotFound(f"sentence {sentence_id} does not exist")
    member_role, has_batches, is_assigned_to_user, schema_text = row[-4:]
    # The role in the project decides (docs/access.md); whether a non-member may see the
    # project at all is the web layer's guard (projects/guards.py), checked before this.
    role = acting_role(user.role, member_role) or user.role
    # Remember the schema for this session (one request), sparing get_schema a round trip.
    session.info.setdefault("label_schemas", {})[project_id] = schema_text
    if role == Role.ANNOTATOR and has_batches and not is_assigned_to_user:
        raise Forbidden("this sentence is not assigned to you")


def get_sentence_for(session: Session, user: User, sentence_id: int) -> Sentence:
    """Return the sentence if this user may open it.

    The project's admins and curators (the role the user acts with there, docs/access.md)
    open any sentence. Annotators open any sentence of a project without
    batches; once a project has batches, only the sentences assigned to them (blind
    annotation: 403 for the others, whichever way they ask).

    Raises:
        NotFound: no such sentence.  Forbidden: not assigned to this annotator.
    """
    # One round trip: the sentence with its document, and both access facts as subqueries.
    row = session.execute(
        _SENTENCE_FOR, {"user_id": user.id, "sentence_id": sentence_id}
    ).first()
    _check_access(session, user, sentence_id, row, row[0].project_id if row else 0)
    return row[0]


@dataclass(frozen=True)
class SentenceFacts:
    """What the JSON API needs of a sentence, read as plain columns (no ORM objects)."""

    id: int
    document_id: int
    index: int
    project_id: int
    excluded: bool
    text: str


def get_sentence_facts(session: Session, user: User, sentence_id: int) -> SentenceFacts:
    """``get_sentence_for`` for the API's hot paths: the same checks, one plain-column query.

    Raises:
        NotFound: no such sentence.  Forbidden: not assigned to this annotator.
    """
    row = session.execute(
        _SENTENCE_FACTS, {"user_id": user.id, "sentence_id": sentence_id}
    ).first()
    _check_access(session, user, sentence_id, row, row.project_id if row else 0)
    return SentenceFacts(
        id=sentence_id, document_id=row.document_id, index=row.index,
        project_id=row.project_id, excluded=row.excluded, text=row.text[row.start : row.end],
    )


def get_schema(session: Session, project_id: int) -> LabelSchema:
    """Return the project's parsed label schema (parsed once per distinct document)."""
    raw = session.info.get("label_schemas", {}).get(project_id)
    if raw is None:
        raw = session.scalar(_SCHEMA_OF_PROJECT, {"project_id": project_id})
    if raw is None:
        raise NotFound(f"project {project_id} does not exist")
    return _parse_cached(raw)


@lru_cache(maxsize=64)
def _parse_cached(schema_text: str) -> LabelSchema:
    return parse_schema(json.loads(schema_text))


def get_annotation(session: Session, user: User, sentence_id: int) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(
            Annotation.sentence_id == sentence_id, Annotation.annotator_id == user.id
        )
    )


def stored_span(row: Any) -> dict[str, Any]:
    """A span row of ``ANNOTATION_ROWS`` as the API and the audit trail spell it (its
    ``origin`` only when the span came from an accepted suggestion)."""
    span = {"start": row.start, "end": row.end, "label": row.label,
            "attributes": row.attributes or {}}
    if row.origin:
        span["origin"] = row.origin
    return span


def annotation_state(session: Session, user: User, sentence_id: int) -> dict[str, Any]:
    """The JSON the API returns for a user's annotation of a sentence."""
    sentence = get_sentence_facts(session, user, sentence_id)
    rows = session.execute(
        ANNOTATION_ROWS, {"sentence_id": sentence_id, "owner_id": user.id}
    ).all()
    annotation = rows[0] if rows else None
    text = sentence.text
    return {
        "sentence": {
            "id": sentence.id,
            "text": text,
            "document_id": sentence.document_id,
            "index": sentence.index,
            "excluded": sentence.excluded,
        },
        "tokens": token_offsets(text),
        "spans": [stored_span(r) for r in rows if r.start is not None],
        "relations": stored_relations(session, annotation.id if annotation else None),
        "status": annotation.status if annotation else None,
        "version": annotation.version if annotation else 0,
        "flagged": annotation.flagged if annotation else False,
        "flag_comment": (annotation.flag_comment or "") if annotation else "",
        "frozen": is_frozen(session, sentence_id, annotation.status if annotation else None),
    }


@dataclass(frozen=True)
class AnnotationSummary:
    """One annotator's annotation of a sentence, as the sentence's history page lists it."""

    annotator_id: int
    annotator: str
    status: str
    version: int
    frozen: bool


def list_sentence_annotations(session: Session, sentence_id: int) -> list[AnnotationSummary]:
    """Every annotation of the sentence with its owner and whether it is frozen, by name."""
    rows = session.execute(
        select(Annotation.annotator_id, User.username, Annotation.status, Annotation.version)
        .join(User, User.id == Annotation.annotator_id)
        .where(Annotation.sentence_id == sentence_id)
        .order_by(User.username)
    ).all()
    gold = has_gold(session, sentence_id) if rows else False
    return [
        AnnotationSummary(uid, name, status, version, gold and status == Status.DONE)
        for uid, name, status, version in rows
    ]


# How many sentences either side the annotation page sends; the page shows 1 to this many.
CONTEXT_RADIUS = 5


def sentence_context(
    session: Session, sentence: Sentence, radius: int = CONTEXT_RADIUS
) -> dict[str, Any]:
    """The sentences of the same article around this one (for faded context).

    ``before``/``after``: the nearest one either side (or None); ``earlier``/``later``: up to
    ``radius`` either side, nearest first, as ``{"distance", "text", "excluded"}``.
    """
    doc_text = sentence.document.text
    neighbours = session.execute(
        select(Sentence.index, Sentence.start, Sentence.end, Sentence.excluded)
        .where(
            Sentence.document_id == sentence.document_id,
            Sentence.index.between(sentence.index - radius, sentence.index + radius),
            Sentence.index != sentence.index,
        )
        .order_by(Sentence.index)
    ).all()

    def around(rows: list[Any]) -> list[dict[str, Any]]:
        return [
            {"distance": abs(i - sentence.index), "text": doc_text[s:e], "excluded": x}
            for i, s, e, x in sorted(rows, key=lambda r: abs(r[0] - sentence.index))
        ]

    earlier = around([r for r in neighbours if r[0] < sentence.index])
    later = around([r for r in neighbours if r[0] > sentence.index])
    count = session.scalar(
        select(func.count()).select_from(Sentence).where(
            Sentence.document_id == sentence.document_id
        )
    )
    return {
        "before": earlier[0]["text"] if earlier and earlier[0]["distance"] == 1 else None,
        "after": later[0]["text"] if later and later[0]["distance"] == 1 else None,
        "earlier": earlier,
        "later": later,
        "count": count,
    }


def document_of(session: Session, sentence_id: int) -> tuple[int, str] | None:
    """(document id, title) of a sentence, or None when there is no such sentence."""
    row = session.execute(
        select(Document.id, Document.title)
        .join(Sentence, Sentence.document_id == Document.id)
        .where(Sentence.id == sentence_id)
    ).first()
    return (row[0], row[1]) if row else None


def neighbour_ids(session: Session, sentence: Sentence) -> tuple[int | None, int | None]:
    """The previous and next annotatable sentence in project order (document, index)."""
    key = (sentence.document_id, sentence.index)
    base = select(Sentence.id).where(
        Sentence.project_id == sentence.project_id,
        Sentence.excluded.is_(False),
        published_sentence(sentence.project_id),
    )
    prev_id = session.scalar(
        base.where(
            (Sentence.document_id < key[0])
            | ((Sentence.document_id == key[0]) & (Sentence.index < key[1]))
        )
        .order_by(Sentence.document_id.desc(), Sentence.index.desc())
        .limit(1)
    )
    next_id = session.scalar(
        base.where(
            (Sentence.document_id > key[0])
            | ((Sentence.document_id == key[0]) & (Sentence.index > key[1]))
        )
        .order_by(Sentence.document_id, Sentence.index)
        .limit(1)
    )
    return prev_id, next_id


def next_unfinished_id(session: Session, user: User, project_id: int) -> int | None:
    """The first sentence of the project this user has not yet marked done or skipped.

    Where the project has batches, annotators follow their queues (batch by batch);
    otherwise, and for admins and curators, the project's reading order.
    """
    role = role_in_project(session, user, project_id) or user.role
    if role == Role.ANNOTATOR and project_has_batches(session, project_id):
        return session.scalar(
            select(Assignment.sentence_id)
            .join(Batch, Batch.id == Assignment.batch_id)
            .where(
                Assignment.annotator_id == user.id,
                Assignment.finished.is_(False),
                Batch.project_id == project_id,
                Batch.archived_at.is_(None),
            )
            .order_by(Assignment.batch_id, Assignment.position)
            .limit(1)
        )
    finished = (
        select(Annotation.sentence_id)
        .where(Annotation.annotator_id == user.id, Annotation.status.in_(["done", "skipped"]))
        .scalar_subquery()
    )
    return session.scalar(
        select(Sentence.id)
        .where(
            Sentence.project_id == project_id,
            Sentence.excluded.is_(False),
            Sentence.id.not_in(finished),
            published_sentence(project_id),
        )
        .order_by(Sentence.document_id, Sentence.index)
        .limit(1)
    )


def document_title(session: Session, document_id: int) -> str:
    return session.scalar(select(Document.title).where(Document.id == document_id)) or ""
