"""Allocate sentences to annotators with overlap k, balanced and in reading order (pure)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import TypeVar

S = TypeVar("S", bound=Hashable)  # a sentence key, already in reading order
A = TypeVar("A", bound=Hashable)  # an annotator key


class AllocationError(ValueError):
    """The request cannot be satisfied (k too large, nobody to assign to, ...)."""


def balanced_chunks(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` sizes that differ by at most one, with the larger sizes
    spread evenly, so that every cyclic window of consecutive sizes is balanced too.

    The extras follow floor((i+1)r/n) - floor(ir/n), a balanced (Sturmian) sequence: any two
    cyclic windows of the same length hold numbers of extras that differ by at most one.
    """
    base, extra = divmod(total, parts)
    return [base + ((i + 1) * extra // parts - i * extra // parts) for i in range(parts)]


def allocate(
    sentences: Sequence[S], annotators: Sequence[A], k: int, *, seed: int = 0
) -> dict[A, list[S]]:
    """Give every sentence to exactly ``k`` distinct annotators.

    The sentence list is cut into one contiguous chunk per annotator, and annotator i reads
    chunks i, i+1, ..., i+k-1 (cyclically), so each queue is made of long runs of consecutive
    sentences (context reads naturally) in the given order, every sentence is read by k
    different people, and queue lengths differ by at most one. The seed shuffles which
    annotator gets which chunks; the same inputs and seed give the same allocation.

    Returns:
        annotator -> their sentences, in the order of ``sentences``.
    """
    if k < 1:
        raise AllocationError("overlap must be at least 1")
    if len(set(annotators)) != len(annotators):
        raise AllocationError("an annotator is listed twice")
    if not annotators:
        raise AllocationError("no annotators given")
    if k > len(annotators):
        raise AllocationError(
            f"overlap {k} is larger than the number of annotators ({len(annotators)})"
        )
    if not sentences:
        raise AllocationError("no sentences to assign")
    order = list(annotators)
    random.Random(seed).shuffle(order)
    n = len(order)
    sizes = balanced_chunks(len(sentences), n)
    bounds = [0]
    for size in sizes:
        bounds.append(bounds[-1] + size)
    queues: dict[A, list[S]] = {}
    for i, annotator in enumerate(order):
        chunk_ids = sorted((i + j) % n for j in range(k))  # sorted keeps reading order
        queue: list[S] = []
        for c in chunk_ids:
            queue.extend(sentences[bounds[c] : bounds[c + 1]])
        queues[annotator] = queue
    return {a: queues[a] for a in annotators}


def reassign(
    queues: dict[A, list[S]], unfinished: dict[A, set[S]], leaving: A, to: Sequence[A]
) -> dict[A, list[S]]:
    """Move ``leaving``'s unfinished sentences to annotators in ``to``, keeping overlap.

    ``queues`` holds each annotator's current sentences (finished or not), ``unfinished`` the
    ones not yet done or skipped. A sentence goes to the least-loaded annotator of ``to`` who
    does not already have it (ties broken by the order of ``to``), so no one reads a sentence
    twice and every sentence keeps its number of distinct annotators.

    Returns:
        annotator -> the sentences newly given to them.

    Raises:
        AllocationError: when some sentence has no eligible annotator left.
    """
    targets = [a for a in to if a != leaving]
    if not targets:
        raise AllocationError("no annotator to move the work to")
    load = Counter({a: len(unfinished.get(a, ())) for a in targets})
    has = {a: set(queues.get(a, ())) for a in targets}
    moved: dict[A, list[S]] = {a: [] for a in targets}
    rank = {a: i for i, a in enumerate(targets)}
    for sentence in queues.get(leaving, []):
        if sentence not in unfinished.get(leaving, set()):
            continue
        eligible = [a for a in targets if sentence not in has[a]]
        if not eligible:
            raise AllocationError(
                f"every remaining annotator already has sentence {sentence}; "
                "add another annotator to keep the overlap"
            )
        chosen = min(eligible, key=lambda a: (load[a], rank[a]))
        moved[chosen].append(sentence)
        has[chosen].add(sentence)
        load[chosen] += 1
    return {a: s for a, s in moved.items() if s}
