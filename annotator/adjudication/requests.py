"""Curators' requests, parsed into typed values: a decision, a gold edit, min-agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.adjudication.conflicts import ARGUMENT
from annotator.adjudication.models import Reason
from annotator.errors import Invalid

REASONS = tuple(r.value for r in Reason)
CHOICES = ("version", "none", "edited")
MAX_NOTE = 2000
DECISION_FIELDS = {
    "start", "end", "choice", "version", "pick", "spans", "relations", "kind", "reason", "note",
}
GOLD_FIELDS = {"spans", "relations", "version", "reason", "note"}


@dataclass(frozen=True)
class DecisionIn:
    start: int
    end: int
    choice: str
    version: int  # the gold version the curator saw
    pick: int | None = None  # "Annotator k" for choice "version", 1-based
    spans: Any = None  # untrusted spans for choice "edited"
    reason: str | None = None
    note: str | None = None
    # "argument": the conflict is the arguments of the gold event at start-end; else spans'
    kind: str | None = None
    relations: Any = None  # untrusted relations of the event for choice "edited"

    @property
    def arguments(self) -> bool:
        """Whether this decides an event's arguments (an ``argument`` conflict)."""
        return self.kind == ARGUMENT

    @classmethod
    def from_json(cls, body: Any) -> DecisionIn:
        """Check the request's shape (the conflict itself is checked against the sentence)."""
        check_fields(body, DECISION_FIELDS, {"start", "end", "choice", "version"},
                     "body must be a JSON object with start, end, choice and version")
        for key in ("start", "end", "version"):
            check_int(body[key], key)
        choice = body["choice"]
        if choice not in CHOICES:
            raise Invalid(f"choice must be one of {', '.join(CHOICES)}")
        pick = body.get("pick")
        if choice == "version":
            check_int(pick, "pick")
        elif pick is not None:
            raise Invalid("pick goes with choice 'version' only")
        kind = body.get("kind")
        if kind not in (None, ARGUMENT):
            raise Invalid(f"kind must be '{ARGUMENT}' (an event's arguments) or absent (spans)")
        edits, other = ("relations", "spans") if kind == ARGUMENT else ("spans", "relations")
        if other in body:
            raise Invalid(f"{other} do not go with this kind of conflict")
        if choice == "edited" and edits not in body:
            raise Invalid(f"choice 'edited' needs the conflict's new {edits}")
        if choice != "edited" and edits in body:
            raise Invalid(f"{edits} go with choice 'edited' only")
        if choice == "edited" and kind == ARGUMENT and not isinstance(body[edits], list):
            raise Invalid("relations must be a list")
        reason, note = check_reason_note(body.get("reason"), body.get("note"))
        return cls(
            start=body["start"], end=body["end"], choice=choice, version=body["version"],
            pick=pick, spans=body.get("spans"), reason=reason, note=note, kind=kind,
            relations=body.get("relations"),
        )


@dataclass(frozen=True)
class GoldIn:
    spans: Any  # untrusted; checked against the sentence by parse_spans
    version: int
    reason: str | None = None
    note: str | None = None
    # untrusted, checked against the spans by parse_relations; absent (None): the gold's
    # relations are kept wherever both their spans stay
    relations: Any = None

    @classmethod
    def from_json(cls, body: Any) -> GoldIn:
        """Check the request's shape (not its spans, which need the sentence)."""
        check_fields(body, GOLD_FIELDS, {"spans", "version"},
                     "body must be a JSON object with spans and version")
        check_int(body["version"], "version")
        reason, note = check_reason_note(body.get("reason"), body.get("note"))
        return cls(spans=body["spans"], version=body["version"], reason=reason, note=note,
                   relations=body.get("relations"))


def check_fields(body: Any, allowed: set[str], required: set[str], shape: str) -> None:
    """Refuse a body that is not an object, has unknown fields or lacks required ones."""
    if not isinstance(body, dict):
        raise Invalid(shape)
    unknown = set(body) - allowed
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    missing = required - set(body)
    if missing:
        raise Invalid(f"missing field(s): {', '.join(sorted(missing))}")


def check_int(value: Any, name: str) -> None:
    """Refuse anything but a non-negative integer that fits a database integer."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise Invalid(f"{name} must be a non-negative integer (below 2**31)")


def check_reason_note(reason: Any, note: Any) -> tuple[str | None, str | None]:
    """A known reason (or none) and a note of bounded length (or none), stripped."""
    if reason in (None, ""):
        reason = None
    elif reason not in REASONS:
        raise Invalid(f"reason must be one of {', '.join(REASONS)} (or empty)")
    if note in (None, ""):
        note = None
    elif not isinstance(note, str) or len(note) > MAX_NOTE:
        raise Invalid(f"note must be text of at most {MAX_NOTE} characters")
    else:
        note = note.strip() or None
    return reason, note


def check_min_agree(value: Any) -> int:
    """The automatic pass's min-agree: a whole number of annotators, at least 1."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
        raise Invalid("min-agree must be a whole number of annotators, at least 1")
    return value
