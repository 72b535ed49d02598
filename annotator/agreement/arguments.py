"""Match two annotators' event-frame arguments and classify every difference (pure).

An argument of annotator A in sentence i is the tuple (head.start, head.end, role,
child.start, child.end). For a pair (A, B), on the sentences both annotated, each of A's
arguments is looked up among B's through the span matching of ``matching`` (each span of A
paired with at most one span of B: same extent, else overlapping; P(s) is the partner of s):

- ``agree`` (exact match): B has (P(head), role, P(child)) and both partners have the same
  extent: the very tuple;
- ``argument_boundary``: B has (P(head), role, P(child)) but a head or child extent differs
  (head and child overlapping: the partial match);
- ``wrong_role``: B links P(head) to P(child) under another role;
- ``other_span`` (argument of another span): B gives the same role of P(head) to another
  span, or makes P(child) the same role's argument of another event;
- ``argument_missed``: none of these.

B's arguments are classified the same way against A's. Every argument that is not matched
exactly is counted once, on its own annotator's side, so a pair's disagreements add up to
|A| + |B| - 2 |A ∩ B|. An argument's head is an *exactly matched event* when its span has a
partner of the same extent and label (``agree`` or ``subtype_only`` spans): the argument F1
given the event counts only those arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.agreement.data import Corpus, RelationArrays
from annotator.agreement.matching import AGREE, LABEL_ONLY, SUBTYPE_ONLY, PairEvents

ARG_AGREE, ARGUMENT_MISSED, WRONG_ROLE, ARGUMENT_BOUNDARY, OTHER_SPAN = range(5)
ARGUMENT_KINDS = ("agree", "argument_missed", "wrong_role", "argument_boundary", "other_span")
ARGUMENT_DISAGREEMENT_KINDS = ARGUMENT_KINDS[1:]


def argument_disagreement_counts(per_kind: np.ndarray) -> dict[str, int]:
    """Name the counts of a row indexed by argument kind code, disagreements only."""
    return {name: int(per_kind[i]) for i, name in enumerate(ARGUMENT_KINDS)
            if name in ARGUMENT_DISAGREEMENT_KINDS}


@dataclass
class ArgumentSide:
    """One annotator's arguments in the sentences the pair shares, sorted by sentence."""

    sentence: np.ndarray
    role: np.ndarray
    kind: np.ndarray  # argument kind code
    given: np.ndarray  # bool: the head is an exactly matched event
    index: np.ndarray  # index into the annotator's RelationArrays

    def slice(self, lo: int, hi: int) -> ArgumentSide:
        """The arguments of sentences lo..hi-1."""
        i, j = np.searchsorted(self.sentence, [lo, hi], side="left")
        return ArgumentSide(self.sentence[i:j], self.role[i:j], self.kind[i:j],
                            self.given[i:j], self.index[i:j])

    @classmethod
    def empty(cls) -> ArgumentSide:
        """No argument."""
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, np.zeros(0, dtype=bool), none)


@dataclass
class PairArguments:
    """Both sides of one annotator pair's argument matching."""

    a: ArgumentSide
    b: ArgumentSide

    def slice(self, lo: int, hi: int) -> PairArguments:
        """The arguments of sentences lo..hi-1."""
        return PairArguments(self.a.slice(lo, hi), self.b.slice(lo, hi))


@dataclass(frozen=True)
class ArgumentTallies:
    """A pair's argument counts per role code: arguments of each side, exact and partial
    matches, the same given an exactly matched event, and disagreements per kind (roles x
    kinds, both sides)."""

    n_a: np.ndarray
    n_b: np.ndarray
    exact: np.ndarray
    partial: np.ndarray
    given_a: np.ndarray
    given_b: np.ndarray
    given_exact: np.ndarray
    kinds: np.ndarray

    @classmethod
    def of(cls, pair: PairArguments, roles: int) -> ArgumentTallies:
        """Count ``pair``'s arguments over ``roles`` role codes."""
        a, b = pair.a, pair.b

        def count(side: ArgumentSide, mask: np.ndarray | None = None) -> np.ndarray:
            role = side.role if mask is None else side.role[mask]
            return np.bincount(role, minlength=roles)[:roles] if roles else np.zeros(0, int)

        exact = a.kind == ARG_AGREE
        width = len(ARGUMENT_KINDS)
        kinds = (np.bincount(a.role * width + a.kind, minlength=roles * width)
                 + np.bincount(b.role * width + b.kind, minlength=roles * width)
                 )[:roles * width].reshape(roles, width)
        kinds[:, ARG_AGREE] = 0
        return cls(count(a), count(b), count(a, exact),
                   count(a, exact | (a.kind == ARGUMENT_BOUNDARY)), count(a, a.given),
                   count(b, b.given), count(a, exact & a.given), kinds)


class ArgumentKeys:
    """One annotator's arguments as sorted keys in their own span codes: (head, role, child),
    (head, child), (head, role), (child, role). Built once per annotator and shared by all of
    its pairs: an argument of the other side only ever looks up spans paired with its own,
    which lie in the sentences the two share."""

    def __init__(self, rel: RelationArrays, n_spans: int, roles: int) -> None:
        h, r, c = rel.head, rel.role, rel.child
        self.full = _Keys((h * roles + r) * n_spans + c)
        self.head_child = _Keys(h * n_spans + c)
        self.head_role = _Keys(h * roles + r)
        self.child_role = _Keys(c * roles + r)
        self.n_spans = n_spans


def argument_keys(corpus: Corpus) -> list[ArgumentKeys]:
    """Every annotator's ``ArgumentKeys``."""
    roles = max(len(corpus.roles), 1)
    return [ArgumentKeys(corpus.relations_of(k), len(corpus.spans[k]), roles)
            for k in range(len(corpus.annotators))]


def pair_arguments(corpus: Corpus, ka: int, kb: int, ev: PairEvents,
                   keys: list[ArgumentKeys] | None = None) -> PairArguments:
    """Match annotators ``ka`` and ``kb``'s arguments on the sentences both annotated, using
    their span matching ``ev`` (``matching.pair_events``), vectorised (``keys``: the
    annotators' ``argument_keys``, built here when not given)."""
    ra, rb = corpus.relations_of(ka), corpus.relations_of(kb)
    if not len(ra) and not len(rb):
        return PairArguments(ArgumentSide.empty(), ArgumentSide.empty())
    n_a, n_b = len(corpus.spans[ka]), len(corpus.spans[kb])
    paired = ev.paired
    ai, bi = ev.a_index[paired], ev.b_index[paired]
    kind = ev.kind[paired]
    partner_a = np.full(n_a, -1, dtype=np.int64)
    partner_b = np.full(n_b, -1, dtype=np.int64)
    partner_a[ai], partner_b[bi] = bi, ai
    extent = (kind == AGREE) | (kind == SUBTYPE_ONLY) | (kind == LABEL_ONLY)
    event = (kind == AGREE) | (kind == SUBTYPE_ONLY)
    same_a, same_b = np.zeros(n_a, dtype=bool), np.zeros(n_b, dtype=bool)
    same_a[ai[extent]], same_b[bi[extent]] = True, True
    event_a, event_b = np.zeros(n_a, dtype=bool), np.zeros(n_b, dtype=bool)
    event_a[ai[event]], event_b[bi[event]] = True, True
    keep_a = np.flatnonzero(ev.shared[ra.sentence])
    keep_b = np.flatnonzero(ev.shared[rb.sentence])
    roles = max(len(corpus.roles), 1)
    if keys is None:
        keys = argument_keys(corpus)
    side_a = _side(ra, keep_a, partner_a, same_a, event_a, keys[kb], roles)
    side_b = _side(rb, keep_b, partner_b, same_b, event_b, keys[ka], roles)
    return PairArguments(side_a, side_b)


class _Keys:
    """Sorted keys of the other side's arguments, for membership tests."""

    def __init__(self, keys: np.ndarray) -> None:
        self.sorted = np.sort(keys)

    def has(self, keys: np.ndarray) -> np.ndarray:
        if self.sorted.size == 0:
            return np.zeros(keys.size, dtype=bool)
        i = np.minimum(np.searchsorted(self.sorted, keys), self.sorted.size - 1)
        return self.sorted[i] == keys


def _side(x: RelationArrays, keep: np.ndarray, partner: np.ndarray, same: np.ndarray,
          event: np.ndarray, y: ArgumentKeys, roles: int) -> ArgumentSide:
    """Classify the arguments ``keep`` of ``x`` against the other annotator's keys ``y``."""
    head, role, child = x.head[keep], x.role[keep], x.child[keep]
    n_y = y.n_spans
    ph, pc = partner[head], partner[child]
    both = (ph >= 0) & (pc >= 0)
    linked = both & y.full.has((ph * roles + role) * n_y + pc)
    exact = linked & same[head] & same[child]
    kind = np.full(head.size, ARGUMENT_MISSED, dtype=np.int64)
    kind[exact] = ARG_AGREE
    kind[linked & ~exact] = ARGUMENT_BOUNDARY
    rest = np.flatnonzero(~linked)
    if rest.size:
        rh, rr, rc = ph[rest], role[rest], pc[rest]
        wrong = (rh >= 0) & (rc >= 0) & y.head_child.has(rh * n_y + rc)
        other = ((rh >= 0) & y.head_role.has(rh * roles + rr)) | (
            (rc >= 0) & y.child_role.has(rc * roles + rr))
        kind[rest[other]] = OTHER_SPAN
        kind[rest[wrong]] = WRONG_ROLE
    return ArgumentSide(x.sentence[keep], role, kind, event[head], keep)
