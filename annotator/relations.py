"""Event-frame relations between spans of one body, and the rules they obey (pure).

A relation links a head span (an EVENT trigger) to a child span (an argument: an actor, a
place) in a role the head's label declares (``actor1``, ``actor2``, ``location``). Spans never
overlap, so a span is named by its offsets; a relation is only meaningful beside the spans of
the same body (one annotator's annotation of a sentence, or the sentence's gold). Frames stay
within one sentence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.projects.schema import LabelSchema
from annotator.spans import Span

MAX_RELATIONS = 2000


@dataclass(frozen=True, order=True)
class Relation:
    head_start: int
    head_end: int
    role: str
    child_start: int
    child_end: int

    @property
    def head(self) -> tuple[int, int]:
        return (self.head_start, self.head_end)

    @property
    def child(self) -> tuple[int, int]:
        return (self.child_start, self.child_end)

    def to_json(self) -> dict[str, Any]:
        return {
            "head": {"start": self.head_start, "end": self.head_end},
            "child": {"start": self.child_start, "end": self.child_end},
            "role": self.role,
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Relation:
        """A relation from JSON this program wrote (the audit trail, an export): trusted."""
        return cls(item["head"]["start"], item["head"]["end"], item["role"],
                   item["child"]["start"], item["child"]["end"])


@dataclass(frozen=True)
class RelationError:
    index: int  # position of the relation in the request, -1 for the list itself
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message}


class InvalidRelations(ValueError):
    """Raised with every problem found in a list of relations."""

    def __init__(self, errors: Sequence[RelationError]):
        super().__init__("; ".join(f"relation {e.index}: {e.message}" for e in errors))
        self.errors = list(errors)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _offsets(item: dict[str, Any], key: str) -> tuple[int, int] | str:
    """``item[key]`` as ``(start, end)``, or the reason it is not one."""
    ref = item.get(key)
    if not isinstance(ref, dict) or not _is_int(ref.get("start")) or not _is_int(ref.get("end")):
        return f"'{key}' must be an object with integer 'start' and 'end'"
    if set(ref) - {"start", "end", "label", "text"}:
        return f"'{key}' may only hold start, end (and label, text)"
    return (ref["start"], ref["end"])


def _describe(span: Span) -> str:
    return f"{span.label} {span.start}-{span.end}"


def parse_relations(raw: Any, spans: Sequence[Span], schema: LabelSchema) -> list[Relation]:
    """Turn untrusted JSON into sorted, validated relations between ``spans`` (the same body's).

    Rules: head and child are spans of the body (by offsets); the head's label declares roles;
    the role is one of them; the child's label is among the role's targets; no span is linked
    to itself; no relation is given twice; no event has more arguments of a role than its
    ``max``. ``None`` (the key absent) means no relations.

    Raises:
        InvalidRelations: naming every bad relation; nothing is partially accepted.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidRelations([RelationError(-1, "'relations' must be a list")])
    if len(raw) > MAX_RELATIONS:
        raise InvalidRelations([RelationError(-1, f"at most {MAX_RELATIONS} relations")])
    by_offsets = {(s.start, s.end): s for s in spans}
    errors: list[RelationError] = []
    good: list[tuple[int, Relation]] = []
    seen: dict[Relation, int] = {}
    for i, item in enumerate(raw):
        problem, relation = _check_one(item, by_offsets, schema)
        if problem is None and relation in seen:
            problem = f"the same relation as relation {seen[relation]}"
        if problem is not None:
            errors.append(RelationError(i, problem))
            continue
        seen[relation] = i
        good.append((i, relation))
    errors.extend(_over_max(good, by_offsets, schema))
    if errors:
        raise InvalidRelations(sorted(errors, key=lambda e: e.index))
    return sorted(relation for _, relation in good)


def _check_one(
    item: Any, by_offsets: dict[tuple[int, int], Span], schema: LabelSchema
) -> tuple[str | None, Relation | None]:
    """The reason one relation is refused (None if none), and the relation when it is good."""
    if not isinstance(item, dict):
        return "must be an object with head, child and role", None
    unknown = set(item) - {"head", "child", "role"}
    if unknown:
        return f"unknown field(s): {', '.join(sorted(map(str, unknown)))}", None
    head, child, role = _offsets(item, "head"), _offsets(item, "child"), item.get("role")
    for found in (head, child):
        if isinstance(found, str):
            return found, None
    if not isinstance(role, str):
        return "'role' must be a string", None
    head_span, child_span = by_offsets.get(head), by_offsets.get(child)
    if head_span is None:
        return f"the head {head[0]}-{head[1]} is not one of the spans", None
    if child_span is None:
        return f"the child {child[0]}-{child[1]} is not one of the spans", None
    if head == child:
        return "a span cannot be linked to itself", None
    label = schema.label(head_span.label)
    if label is None or not label.roles:
        return f"the head ({_describe(head_span)}) has a label without roles", None
    known = label.role(role)
    if known is None:
        names = ", ".join(r.key for r in label.roles)
        return f"unknown role {role!r} for {label.key} (roles: {names})", None
    if child_span.label not in known.targets:
        return (f"the child ({_describe(child_span)}) cannot fill the role {role!r} "
                f"(it takes {', '.join(known.targets)})"), None
    return None, Relation(head[0], head[1], role, child[0], child[1])


def _over_max(
    good: list[tuple[int, Relation]], by_offsets: dict[tuple[int, int], Span],
    schema: LabelSchema,
) -> list[RelationError]:
    """An error on each relation past its role's ``max`` for the same event."""
    counts: Counter[tuple[tuple[int, int], str]] = Counter()
    errors = []
    for i, relation in good:
        counts[relation.head, relation.role] += 1
        label = schema.label(by_offsets[relation.head].label)
        role = label.role(relation.role) if label else None
        if role is not None and role.max is not None and counts[relation.head, role.key] > role.max:
            errors.append(RelationError(
                i, f"more than {role.max} argument(s) of role {role.key!r} for this event"))
    return errors


def keep_attached(relations: Iterable[Relation], spans: Iterable[Span]) -> list[Relation]:
    """The relations whose head and child are both among ``spans`` (e.g. after a deletion)."""
    present = {(s.start, s.end) for s in spans}
    return [r for r in relations if r.head in present and r.child in present]


def relations_from_json(items: Iterable[dict[str, Any]] | None) -> list[Relation]:
    """Stored (trusted) relation JSON as sorted relations; None (an old record) is none."""
    return sorted(Relation.from_json(item) for item in items or ())
