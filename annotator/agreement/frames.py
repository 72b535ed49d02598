"""Event frames in the agreement input: read each annotator's relations (an event span linked
to an argument span under a role) and resolve them to the annotator's spans (pure).

A relation names its head and child by their offsets in the sentence, as the API does; the
corpus keeps it as (sentence, head span index, role code, child span index). Items are
checked strictly (a relation whose head or child is not a span of the same annotator and
sentence, a span linked to itself, a repeated relation: ``AgreementInputError``); columns read
from the database leave such a relation out, as ``relations.keep_attached`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.agreement.data import AgreementInputError, RelationArrays, SpanArrays

# relations_of(k, name) -> (input position of each relation's item, head starts, head ends,
# roles (strings), child starts, child ends)
RelationsOf = Callable[[int, str], tuple[Any, ...]]


class RelationLists:
    """One annotator's relations as flat lists, appended item by item."""

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.head_start: list[int] = []
        self.head_end: list[int] = []
        self.role: list[str] = []
        self.child_start: list[int] = []
        self.child_end: list[int] = []

    def columns(self) -> tuple[Any, ...]:
        """The lists as ``RelationsOf`` returns them."""
        return (np.array(self.positions, dtype=np.int64), self.head_start, self.head_end,
                self.role, self.child_start, self.child_end)


def _offsets(value: Any, where: str, side: str) -> tuple[int, int]:
    if not isinstance(value, Mapping):
        raise AgreementInputError(f"{where}: '{side}' must be an object with start and end")
    start, end = value.get("start"), value.get("end")
    if type(start) is not int or type(end) is not int:
        raise AgreementInputError(f"{where}: {side} start and end must be integers")
    return start, end


def read_item_relations(item: Mapping[str, Any], item_id: Any, position: int,
                        annotated: Mapping[str, Any], lists: dict[str, RelationLists]) -> None:
    """Add an item's ``relations`` (``{annotator: [relation, ...]}``) to each annotator's lists.

    ``annotated``: the item's annotations; an annotator with relations must have a span list
    there. An absent ``relations`` means no relation for anyone.
    """
    relations = item.get("relations")
    if relations is None:
        return
    if not isinstance(relations, Mapping):
        raise AgreementInputError(f"item {item_id!r}: 'relations' must be an object")
    for name, links in relations.items():
        where = f"item {item_id!r}, annotator {name!r}"
        if links is None:
            continue
        if type(links) is not list and not isinstance(links, tuple):
            raise AgreementInputError(f"{where}: relations must be a list or null")
        if links and annotated.get(name) is None:
            raise AgreementInputError(f"{where}: relations of an annotator who did not "
                                      "annotate the sentence")
        acc = lists.setdefault(name, RelationLists())
        for i, link in enumerate(links):
            here = f"{where}, relation {i}"
            if not isinstance(link, Mapping):
                raise AgreementInputError(f"{here}: must be an object with head, child, role")
            hs, he = _offsets(link.get("head"), here, "head")
            cs, ce = _offsets(link.get("child"), here, "child")
            role = link.get("role")
            if not isinstance(role, str) or not role:
                raise AgreementInputError(f"{here}: role must be a non-empty string")
            acc.positions.append(position)
            acc.head_start.append(hs)
            acc.head_end.append(he)
            acc.role.append(role)
            acc.child_start.append(cs)
            acc.child_end.append(ce)


@dataclass(frozen=True)
class RoleColumn:
    """Roles as codes into ``values`` (distinct roles), as columns read them."""

    values: list[Any]
    codes: np.ndarray


class RoleVocabulary:
    """Role codes: the given roles (the schema's) first, then the others met, in order."""

    def __init__(self, roles: Sequence[str] | None) -> None:
        self.roles: list[str] = list(dict.fromkeys(roles or ()))
        self.given = len(self.roles)
        self.code = {r: i for i, r in enumerate(self.roles)}

    def codes(self, values: Sequence[Any] | RoleColumn) -> np.ndarray:
        """The code of each role, new roles added (in order of first appearance)."""
        if isinstance(values, RoleColumn):
            if values.codes.size == 0:
                return np.zeros(0, dtype=np.int64)
            used = np.unique(values.codes)
            table = np.zeros(len(values.values), dtype=np.int64)
            table[used] = self.codes([values.values[i] for i in used.tolist()])
            return table[values.codes]
        values = values if isinstance(values, list) else list(values)
        table = {}
        for value in dict.fromkeys(values):
            c = self.code.get(value)
            if c is None:
                if not isinstance(value, str) or not value:
                    raise AgreementInputError("a relation's role must be a non-empty string")
                c = self.code[value] = len(self.roles)
                self.roles.append(value)
            table[value] = c
        return np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=len(values))

    def final(self) -> tuple[list[str], list[str], np.ndarray]:
        """(roles in report order: given, then the others sorted; the others; old -> new)."""
        unknown = sorted(self.roles[self.given:])
        ordered = [*self.roles[: self.given], *unknown]
        remap = np.array([ordered.index(r) for r in self.roles], dtype=np.int64)
        return ordered, unknown, remap


def place_relations(ids: Sequence[Any], annotator: str, spans: SpanArrays, base: np.ndarray,
                    sentence: np.ndarray, columns: Sequence[Any], role_codes: np.ndarray,
                    *, strict: bool) -> RelationArrays:
    """Resolve one annotator's relations to span indices, sorted and unique.

    ``sentence``: each relation's sentence index; ``columns``: head starts, head ends, child
    starts, child ends (sentence offsets). ``strict``: raise on a relation that does not
    resolve, links a span to itself or repeats; otherwise leave it out.
    """
    n = sentence.size
    if n == 0:
        return RelationArrays.empty()
    try:
        hs, he, cs, ce = (np.asarray(c, dtype=np.int64) for c in columns)
    except (OverflowError, TypeError, ValueError):
        raise AgreementInputError(
            f"annotator {annotator!r}: relation offsets must be integers") from None
    head = _span_index(spans, base, sentence, hs, he)
    child = _span_index(spans, base, sentence, cs, ce)
    keep = (head >= 0) & (child >= 0) & (head != child)
    if strict and not keep.all():
        i = int(np.flatnonzero(~keep)[0])
        where = f"item {ids[int(sentence[i])]!r}, annotator {annotator!r}"
        if head[i] < 0:
            raise AgreementInputError(f"{where}: relation head [{hs[i]}, {he[i]}) is not one "
                                      "of the annotator's spans")
        if child[i] < 0:
            raise AgreementInputError(f"{where}: relation child [{cs[i]}, {ce[i]}) is not one "
                                      "of the annotator's spans")
        raise AgreementInputError(f"{where}: relation links span [{hs[i]}, {he[i]}) to itself")
    sentence, head, role, child = (x[keep] for x in (sentence, head, role_codes, child))
    # Span indices follow (sentence, start): sorting by head, role, child sorts by sentence.
    order = np.lexsort((child, role, head))
    sentence, head, role, child = (x[order] for x in (sentence, head, role, child))
    repeated = np.zeros(head.size, dtype=bool)
    if head.size > 1:
        repeated[1:] = ((head[1:] == head[:-1]) & (role[1:] == role[:-1])
                        & (child[1:] == child[:-1]))
    if repeated.any():
        if strict:
            i = int(np.flatnonzero(repeated)[0])
            s = int(sentence[i])
            raise AgreementInputError(
                f"item {ids[s]!r}, annotator {annotator!r}: the relation "
                f"[{spans.start[head[i]] - base[s]}, {spans.end[head[i]] - base[s]}) -> "
                f"[{spans.start[child[i]] - base[s]}, {spans.end[child[i]] - base[s]}) "
                "is given twice")
        sentence, head, role, child = (x[~repeated] for x in (sentence, head, role, child))
    return RelationArrays(sentence, head, role, child)


def _span_index(spans: SpanArrays, base: np.ndarray, sentence: np.ndarray, start: np.ndarray,
                end: np.ndarray) -> np.ndarray:
    """The index of the span [start, end) of each relation's sentence, -1 when none."""
    if len(spans) == 0:
        return np.full(sentence.size, -1, dtype=np.int64)
    g_start = start + base[sentence]
    g_end = end + base[sentence]
    # Global starts are increasing (spans sorted by sentence then start, never overlapping).
    i = np.minimum(np.searchsorted(spans.start, g_start), len(spans) - 1)
    found = ((spans.start[i] == g_start) & (spans.end[i] == g_end)
             & (spans.sentence[i] == sentence) & (start >= 0))
    return np.where(found, i, -1)


def schema_roles(schema: Any) -> list[str]:
    """Every role key of the schema's labels, in label then role order, each once."""
    if schema is None:
        return []
    return list(dict.fromkeys(role.key for lb in schema.labels
                              for role in lb.roles))
