"""Save an annotator's annotation of a sentence: validate, version-check, write once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from annotator.annotation.models import STATUSES, Annotation, Span, Status
from annotator.annotation.queries import annotation_state, get_schema, get_sentence_for
from annotator.assignments.services import sync_finished
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
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise Invalid("version must be a non-negative integer")
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
) -> Annotation:
    """Replace the user's spans and status on a sentence if ``change.version`` is current.

    Raises:
        NotFound / Forbidden: the sentence is missing or not open to this user.
        Invalid: a bad span (every bad span is named) or an excluded sentence.
        Conflict: the stored version differs from the one the client edited (lost update).
    """
    sentence = get_sentence_for(session, user, sentence_id)
    if sentence.excluded:
        raise Invalid("this sentence is excluded from annotation")
    schema = get_schema(session, sentence.project_id)
    try:
        spans = parse_spans(change.spans, sentence.text, schema)
    except InvalidSpans as err:
        raise Invalid("invalid spans", spans=[e.to_json() for e in err.errors]) from None
    spent = min(change.time_spent, max_spent)
    now = utcnow()
    current = session.scalar(
        select(Annotation).where(
            Annotation.sentence_id == sentence_id, Annotation.annotator_id == user.id
        )
    )
    if current is None:
        if change.version != 0:
            raise _conflict(session, user, sentence)
        annotation = Annotation(
            sentence_id=sentence_id,
            annotator_id=user.id,
            status=change.status,
            version=1,
            time_spent=spent,
            flagged=change.flagged,
            flag_comment=change.flag_comment or None,
            created_at=now,
            updated_at=now,
        )
        session.add(annotation)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            # Another request created it first: the client's version 0 is stale.
            raise _conflict(session, user, sentence) from None
    else:
        # Compare-and-set on the version: of two racing saves only one can match.
        result = session.execute(
            update(Annotation)
            .where(Annotation.id == current.id, Annotation.version == change.version)
            .values(
                version=Annotation.version + 1,
                status=change.status,
                time_spent=Annotation.time_spent + spent,
                flagged=change.flagged,
                flag_comment=change.flag_comment or None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise _conflict(session, user, sentence)
        session.execute(delete(Span).where(Span.annotation_id == current.id))
        annotation = current
    if spans:
        session.execute(
            insert(Span),
            [
                {
                    "annotation_id": annotation.id,
                    "start": s.start,
                    "end": s.end,
                    "label": s.label,
                    "attributes": dict(s.attributes),
                }
                for s in spans
            ],
        )
    sync_finished(session, user.id, sentence_id, change.status)
    session.flush()
    session.expire(annotation)
    return annotation


def _conflict(session: Session, user: User, sentence) -> Conflict:
    session.rollback()
    return Conflict(
        "this annotation was changed elsewhere (another tab or device); "
        "the current state is attached",
        current=annotation_state(session, user, sentence.id),
    )
