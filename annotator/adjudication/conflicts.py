"""Conflict logic for adjudication: agreed spans, conflict regions and their kinds (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from annotator.agreement.metrics import Figure, prf
from annotator.spans import Span

# Conflict kinds. A region can show several aspects at once; its primary kind is the first
# present in KIND_PRECEDENCE (someone missing the region outweighs a label clash, which
# outweighs a boundary quibble, which outweighs an event-subtype difference).
MISSED = "missed"  # some annotator has nothing in the region
BOUNDARY = "boundary"  # same label, different extent
LABEL = "label"  # same extent, different label (or both differ)
SUBTYPE = "subtype"  # same extent and label, different attributes (EVENT's event_type)
# Not a region's aspect but a conflict of its own (``arguments.py``): the annotators differ on
# a gold event's arguments (relations) beyond what the vote settled.
ARGUMENT = "argument"
SPAN_KINDS = (MISSED, BOUNDARY, LABEL, SUBTYPE)
KINDS = (*SPAN_KINDS, ARGUMENT)
KIND_PRECEDENCE = (MISSED, LABEL, BOUNDARY, SUBTYPE)
# Queue order, disagreement first: a label clash is a disagreement about what a thing is; a
# miss, about whether it is there at all; boundaries and subtypes are refinements. Argument
# conflicts come last, after every span conflict: arguments can only stand on gold spans, so
# deciding the spans first settles which arguments are possible.
QUEUE_ORDER = (LABEL, MISSED, BOUNDARY, SUBTYPE, ARGUMENT)


class Voted:
    """What enough annotators made identically (a span, a relation), with who voted for it.

    Subclasses are frozen dataclasses with ``annotators`` (who made it, sorted) and
    ``voters`` (the annotators of the sentence).
    """

    annotators: tuple[str, ...]
    voters: int

    @property
    def votes(self) -> int:
        """How many annotators made it."""
        return len(self.annotators)

    @property
    def unanimous(self) -> bool:
        """Whether every annotator of the sentence made it."""
        return self.votes == self.voters


@dataclass(frozen=True)
class Accepted(Voted):
    """A span enough annotators marked exactly alike (same offsets, label and attributes)."""

    span: Span
    annotators: tuple[str, ...]  # who marked it, sorted
    voters: int  # annotators of the sentence


@dataclass(frozen=True)
class ConflictRegion:
    """A region of overlapping spans on which the annotators differ."""

    start: int  # the region: from the first span's start to the last span's end
    end: int
    kind: str  # primary kind (KIND_PRECEDENCE)
    kinds: tuple[str, ...]  # every aspect present, in SPAN_KINDS order
    # Every annotator of the sentence with their spans in the region (empty: marked nothing).
    versions: tuple[tuple[str, tuple[Span, ...]], ...]
    labels: tuple[str, ...]  # labels used in the region, sorted

    def version_of(self, annotator: str) -> tuple[Span, ...]:
        """The annotator's spans in the region (empty: marked nothing there)."""
        return dict(self.versions)[annotator]


@dataclass(frozen=True)
class Outcome:
    voters: tuple[str, ...]  # annotators of the sentence, sorted
    accepted: tuple[Accepted, ...]  # sorted by span; never overlapping one another
    # Spans overlapping an accepted span: settled by the vote, kept only as dissent.
    outvoted: tuple[tuple[str, Span], ...]
    conflicts: tuple[ConflictRegion, ...]  # sorted by region


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two half-open ranges share a code point."""
    return a_start < b_end and b_start < a_end


def adjudicate(annotations: Mapping[str, Sequence[Span]], min_agree: int) -> Outcome:
    """Split one sentence's spans into accepted spans, outvoted spans and conflicts.

    A distinct span is accepted when at least ``min_agree`` annotators marked it exactly alike
    and it has strictly more votes than every different span overlapping it (so two rival
    readings with equal support are left to a curator, and accepted spans never overlap).
    A span overlapping an accepted span is outvoted. The remaining spans are grouped into
    connected components by overlap; each component is a conflict, shown with every
    annotator's version of it.

    Args:
        annotations: annotator name -> that annotator's spans; an empty list means the
            annotator read the sentence and marked nothing.
        min_agree: votes needed, from 1 to the number of annotators.
    """
    if min_agree < 1:
        raise ValueError("min_agree must be at least 1")
    voters = tuple(sorted(annotations))
    n = len(voters)
    if 0 < n < min_agree:
        raise ValueError(f"min_agree {min_agree} exceeds the sentence's {n} annotator(s)")
    who: dict[Span, set[str]] = defaultdict(set)
    for name, spans in annotations.items():
        for span in spans:
            who[span].add(name)
    distinct = sorted(who)
    votes = {s: len(who[s]) for s in distinct}
    rivals = _overlap_lists(distinct)
    accepted_spans = [
        s
        for i, s in enumerate(distinct)
        if votes[s] >= min_agree and all(votes[s] > votes[distinct[j]] for j in rivals[i])
    ]
    accepted_set = set(accepted_spans)
    accepted = tuple(Accepted(s, tuple(sorted(who[s])), n) for s in accepted_spans)
    outvoted: list[tuple[str, Span]] = []
    remaining: list[Span] = []
    for i, s in enumerate(distinct):
        if s in accepted_set:
            continue
        if any(distinct[j] in accepted_set for j in rivals[i]):
            outvoted.extend((name, s) for name in sorted(who[s]))
        else:
            remaining.append(s)
    conflicts = tuple(
        _region(component, who, voters) for component in _components(sorted(remaining))
    )
    return Outcome(voters, accepted, tuple(sorted(outvoted)), conflicts)


def _overlap_lists(spans: Sequence[Span]) -> list[list[int]]:
    """For each span (sorted by start), the indices of the other spans overlapping it."""
    result: list[list[int]] = [[] for _ in spans]
    for i, a in enumerate(spans):
        for j in range(i + 1, len(spans)):
            b = spans[j]
            if b.start >= a.end:
                break  # sorted by start: no later span can overlap a
            result[i].append(j)
            result[j].append(i)
    return result


def _components(spans: Sequence[Span]) -> list[list[Span]]:
    """Group spans sorted by start into maximal runs connected by overlap."""
    groups: list[list[Span]] = []
    reach = -1
    for s in spans:
        if groups and s.start < reach:
            groups[-1].append(s)
            reach = max(reach, s.end)
        else:
            groups.append([s])
            reach = s.end
    return groups


def _region(
    component: list[Span], who: Mapping[Span, set[str]], voters: Sequence[str]
) -> ConflictRegion:
    versions = tuple((name, tuple(s for s in component if name in who[s])) for name in voters)
    aspects = _aspects(versions)
    return ConflictRegion(
        start=min(s.start for s in component),
        end=max(s.end for s in component),
        kind=_primary(aspects),
        kinds=aspects,
        versions=versions,
        labels=tuple(sorted({s.label for s in component})),
    )


def _aspects(versions: Sequence[tuple[str, tuple[Span, ...]]]) -> tuple[str, ...]:
    found: set[str] = set()
    if any(not spans for _, spans in versions):
        found.add(MISSED)
    for (_, mine), (_, theirs) in combinations(versions, 2):
        for a in mine:
            for b in theirs:
                if not overlaps(a.start, a.end, b.start, b.end) or a == b:
                    continue
                same_extent = (a.start, a.end) == (b.start, b.end)
                if a.label != b.label:
                    found.add(LABEL)
                    if not same_extent:
                        found.add(BOUNDARY)
                elif not same_extent:
                    found.add(BOUNDARY)
                else:
                    found.add(SUBTYPE)
    return tuple(k for k in SPAN_KINDS if k in found)


def _primary(aspects: Sequence[str]) -> str:
    for kind in KIND_PRECEDENCE:
        if kind in aspects:
            return kind
    # Unreachable for valid input (an annotator's spans never overlap one another).
    return BOUNDARY


def display_order(annotators: Iterable[str], numbers: Mapping[str, int]) -> list[str]:
    """The annotators as a curator sees them: by their project pseudonym "Annotator <number>".

    ``numbers`` maps names to pseudonym numbers (``AnnotatorPseudonym``). No order computable
    from names (alphabetical, or a hash of sentence and name) may be used: a curator who knows
    the team's names could then match them to the pseudonyms.
    """
    return sorted(annotators, key=lambda name: (numbers.get(name, 2**31), name))


def is_open(conflict: ConflictRegion, decided: Iterable[tuple[int, int]]) -> bool:
    """A conflict is open unless a curator's decision covers part of its region."""
    return not any(overlaps(conflict.start, conflict.end, a, b) for a, b in decided)


def label_agreement(items: Iterable[Mapping[str, Sequence[Span]]]) -> dict[str, float]:
    """Pair-averaged exact span F1 per label (same start, end and label).

    For every pair of annotators, true positives and span counts of a label are summed over
    the sentences both annotated; the pair's F1 is 2·tp / (|A| + |B|) (symmetric, so neither
    annotator has to be the reference); the label's figure is the mean over the pairs that
    used the label. A label no pair used is absent.
    """
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for sentence in items:
        keyed = {
            name: {(s.start, s.end, s.label) for s in spans} for name, spans in sentence.items()
        }
        for a, b in combinations(sorted(keyed), 2):
            for label in {k[2] for k in keyed[a]} | {k[2] for k in keyed[b]}:
                mine = {k for k in keyed[a] if k[2] == label}
                theirs = {k for k in keyed[b] if k[2] == label}
                cell = totals[(label, a, b)]
                cell[0] += len(mine & theirs)
                cell[1] += len(mine) + len(theirs)
    per_label: dict[str, list[float]] = defaultdict(list)
    for (label, _, _), (tp, size) in totals.items():
        per_label[label].append(2 * tp / size)
    return {label: sum(v) / len(v) for label, v in sorted(per_label.items())}


def queue_key(conflict: ConflictRegion, agreement: Mapping[str, float | None]) -> tuple[int, float]:
    """Sort key, disagreement first: the kind, then the lowest agreement among its labels.

    A label without a figure sorts after every measured one.
    """
    figures = [agreement.get(label) for label in conflict.labels]
    known = [f for f in figures if f is not None]
    return QUEUE_ORDER.index(conflict.kind), (min(known) if known else 2.0)


@dataclass(frozen=True)
class PRF:
    """Counts of an annotator's spans against gold; the figures are ``agreement.metrics.prf``'s."""

    tp: int  # spans in both
    fp: int  # the annotator's only
    fn: int  # gold's only

    @property
    def precision(self) -> float | None:
        """Share of the annotator's spans that are gold's (None: the annotator marked none)."""
        return self._figures["precision"].value

    @property
    def recall(self) -> float | None:
        """Share of gold's spans the annotator marked (None: gold has none)."""
        return self._figures["recall"].value

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (None: neither side has a span)."""
        return self._figures["f1"].value

    @property
    def _figures(self) -> dict[str, Figure]:
        # gold is the reference, the annotator the other side
        return prf(self.tp, self.tp + self.fn, self.tp + self.fp)


def score_against_gold(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]],
) -> tuple[dict[str, PRF], PRF]:
    """Precision, recall and F1 of an annotator against gold, per label and overall.

    ``pairs`` holds (gold spans, the annotator's spans) per sentence; a match is exact
    (same start, end and label; attributes are not compared).
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for gold, mine in pairs:
        gold_keys = {(s.start, s.end, s.label) for s in gold}
        mine_keys = {(s.start, s.end, s.label) for s in mine}
        for key in gold_keys & mine_keys:
            counts[key[2]][0] += 1
        for key in mine_keys - gold_keys:
            counts[key[2]][1] += 1
        for key in gold_keys - mine_keys:
            counts[key[2]][2] += 1
    per_label = {label: PRF(*c) for label, c in sorted(counts.items())}
    overall = PRF(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return per_label, overall


def segments(
    text: str, spans: Sequence[Span], region: tuple[int, int] | None = None
) -> list[tuple[str, Span | None, bool]]:
    """Cut ``text`` into (piece, covering span or None, inside region) for display.

    Spans must not overlap one another. Without a region every piece counts as inside.
    """
    cuts = {0, len(text)}
    for s in spans:
        cuts.update((s.start, s.end))
    if region is not None:
        cuts.update(c for c in region if 0 <= c <= len(text))
    points = sorted(cuts)
    ordered = sorted(spans)
    pieces: list[tuple[str, Span | None, bool]] = []
    for a, b in pairwise(points):
        cover = next((s for s in ordered if s.start <= a and b <= s.end), None)
        inside = region is None or (region[0] <= a and b <= region[1])
        pieces.append((text[a:b], cover, inside))
    return pieces
