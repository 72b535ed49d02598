"""Event arguments in adjudication (pure): relations the vote accepts, argument conflicts, scores.

A relation (an event's argument, ``relations.Relation``) can only be gold when both its spans
are gold spans and the schema allows it there (the head's label has the role, the child's
label is one of the role's targets). Among those, the vote works as for spans: a relation at
least ``min_agree`` annotators made identically is accepted, unless accepting every such
relation of one event and role would exceed the role's ``max`` (then the curator chooses).
What is left on a gold event, some annotator's argument that the vote did not accept, is an
``argument`` conflict of that event, decided apart from span conflicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from annotator.adjudication.conflicts import ARGUMENT, PRF, Voted
from annotator.projects.schema import LabelSchema
from annotator.relations import Relation
from annotator.spans import Span


@dataclass(frozen=True)
class AcceptedRelation(Voted):
    """A relation enough annotators made identically, both its spans in gold."""

    relation: Relation
    annotators: tuple[str, ...]  # who made it, sorted
    voters: int  # annotators of the sentence


@dataclass(frozen=True)
class ArgumentConflict:
    """A gold event on whose arguments the annotators differ beyond what the vote settled.

    It quacks like ``conflicts.ConflictRegion`` where the queue needs it (``start``, ``end``,
    ``kind``, ``kinds``, ``labels``, ``versions`` by annotator), its region being the event.
    """

    start: int  # the event (head) span
    end: int
    label: str  # the event's label
    # Every annotator of the sentence with their arguments of this event (those that could be
    # gold: both spans in gold, allowed by the schema); empty: linked nothing to it.
    versions: tuple[tuple[str, tuple[Relation, ...]], ...]
    roles: tuple[str, ...]  # roles with an argument the vote did not accept, sorted

    @property
    def kind(self) -> str:
        """Always ``argument``."""
        return ARGUMENT

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds present: only ``argument``."""
        return (ARGUMENT,)

    @property
    def labels(self) -> tuple[str, ...]:
        """The event's label (the queue's label filter and agreement order use it)."""
        return (self.label,)

    def version_of(self, annotator: str) -> tuple[Relation, ...]:
        """The annotator's arguments of this event (empty: none)."""
        return dict(self.versions)[annotator]


@dataclass(frozen=True)
class Frames:
    accepted: tuple[AcceptedRelation, ...]  # sorted by relation
    conflicts: tuple[ArgumentConflict, ...]  # sorted by event


def eligible(
    relations: Iterable[Relation], spans: Sequence[Span], schema: LabelSchema
) -> list[Relation]:
    """The relations that may stand on these spans: both ends among them, allowed by the schema.

    Used for the vote, for a curator's pick, and to drop the relations a removed or relabelled
    gold span takes with it.
    """
    by_offsets = {(s.start, s.end): s for s in spans}
    kept: list[Relation] = []
    for relation in relations:
        head, child = by_offsets.get(relation.head), by_offsets.get(relation.child)
        if head is None or child is None or relation.head == relation.child:
            continue
        label = schema.label(head.label)
        role = label.role(relation.role) if label is not None else None
        if role is not None and child.label in role.targets:
            kept.append(relation)
    return sorted(set(kept))


def adjudicate_relations(
    annotations: Mapping[str, Sequence[Relation]],
    gold_spans: Sequence[Span],
    schema: LabelSchema,
    min_agree: int,
) -> Frames:
    """Split one sentence's relations into accepted ones and argument conflicts.

    Args:
        annotations: every annotator of the sentence -> their relations (empty: none).
        gold_spans: the sentence's gold spans (relations stand on these only).
        min_agree: votes needed, at least 1.
    """
    if min_agree < 1:
        raise ValueError("min_agree must be at least 1")
    voters = tuple(sorted(annotations))
    who: dict[Relation, set[str]] = defaultdict(set)
    mine: dict[str, list[Relation]] = {}
    for name in voters:
        mine[name] = eligible(annotations[name], gold_spans, schema)
        for relation in mine[name]:
            who[relation].add(name)
    voted = [r for r in sorted(who) if len(who[r]) >= min_agree]
    accepted_set = set(_within_max(voted, gold_spans, schema))
    accepted = tuple(
        AcceptedRelation(r, tuple(sorted(who[r])), len(voters)) for r in sorted(accepted_set)
    )
    heads = sorted({r.head for r in who})
    labels = {(s.start, s.end): s.label for s in gold_spans}
    conflicts = []
    for head in heads:
        disputed = sorted({r.role for r in who if r.head == head and r not in accepted_set})
        if disputed:
            versions = tuple(
                (name, tuple(r for r in mine[name] if r.head == head)) for name in voters
            )
            conflicts.append(ArgumentConflict(head[0], head[1], labels[head], versions,
                                              tuple(disputed)))
    return Frames(accepted, tuple(conflicts))


def _within_max(
    relations: Sequence[Relation], spans: Sequence[Span], schema: LabelSchema
) -> list[Relation]:
    """Drop every relation of an event and role whose voted arguments exceed the role's max."""
    labels = {(s.start, s.end): s.label for s in spans}
    groups: dict[tuple[tuple[int, int], str], list[Relation]] = defaultdict(list)
    for relation in relations:
        groups[(relation.head, relation.role)].append(relation)
    kept: list[Relation] = []
    for (head, role_key), group in groups.items():
        label = schema.label(labels[head])
        role = label.role(role_key) if label is not None else None
        if role is not None and role.max is not None and len(group) > role.max:
            continue  # rival readings with equal standing: a curator picks
        kept.extend(group)
    return sorted(kept)


def argument_open(conflict: ArgumentConflict, decided: Iterable[tuple[int, int]]) -> bool:
    """An argument conflict is open unless a curator decided the arguments of its event."""
    return (conflict.start, conflict.end) not in set(decided)


def of_event(relations: Iterable[Relation], head: tuple[int, int]) -> list[Relation]:
    """The relations whose head is this event, sorted."""
    return sorted(r for r in relations if r.head == head)


def score_arguments(
    pairs: Iterable[tuple[Sequence[Relation], Sequence[Relation]]],
) -> tuple[dict[str, PRF], PRF]:
    """Precision, recall and F1 of an annotator's arguments against gold, per role and overall.

    ``pairs`` holds (gold relations, the annotator's relations) per sentence; a match is exact:
    the same event offsets, role and argument offsets (the tuple the agreement report counts).
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for gold, mine in pairs:
        gold_set, mine_set = set(gold), set(mine)
        for relation in gold_set & mine_set:
            counts[relation.role][0] += 1
        for relation in mine_set - gold_set:
            counts[relation.role][1] += 1
        for relation in gold_set - mine_set:
            counts[relation.role][2] += 1
    per_role = {role: PRF(*c) for role, c in sorted(counts.items())}
    overall = PRF(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return per_role, overall


def describe(relation: Relation, text: str, schema: LabelSchema, head_label: str) -> str:
    """One argument for display: "Actor 1 (initiator) → “rebels”"."""
    label = schema.label(head_label)
    role = label.role(relation.role) if label is not None else None
    name = role.name if role is not None else relation.role
    return f"{name} → “{text[relation.child_start:relation.child_end]}”"


def in_words(
    relations: Iterable[Relation], spans: Sequence[Span], text: str, schema: LabelSchema
) -> list[str]:
    """Relations for display with their events: "“shelled”: Location → “Kafr Tala”"."""
    labels = {(s.start, s.end): s.label for s in spans}
    return [
        f"“{text[r.head_start:r.head_end]}”: {describe(r, text, schema, labels.get(r.head, ''))}"
        for r in sorted(relations)
    ]
