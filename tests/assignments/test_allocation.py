"""The allocation algorithm: exact overlap, balance, reading order, determinism, reassignment."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.assignments.allocation import AllocationError, allocate, balanced_chunks, reassign


@st.composite
def requests(draw):
    n = draw(st.integers(1, 12))
    k = draw(st.integers(1, n))
    sentences = list(range(draw(st.integers(1, 300))))
    return sentences, [f"ann{i}" for i in range(n)], k, draw(st.integers(0, 2**16))


@settings(max_examples=300, deadline=None)
@given(requests())
def test_exact_overlap_balance_and_order(request) -> None:
    sentences, annotators, k, seed = request
    queues = allocate(sentences, annotators, k, seed=seed)
    per_sentence = Counter(s for q in queues.values() for s in q)
    assert all(per_sentence[s] == k for s in sentences)  # exactly k ...
    assert all(len(set(q)) == len(q) for q in queues.values())  # ... distinct annotators
    loads = [len(q) for q in queues.values()]
    assert max(loads) - min(loads) <= 1
    assert all(q == sorted(q) for q in queues.values())  # reading order kept
    assert allocate(sentences, annotators, k, seed=seed) == queues  # deterministic


@given(st.integers(0, 1000), st.integers(1, 40), st.integers(1, 40))
def test_chunks_are_balanced_in_every_cyclic_window(total, parts, window) -> None:
    sizes = balanced_chunks(total, parts)
    assert sum(sizes) == total and max(sizes) - min(sizes) <= 1
    w = min(window, parts)
    sums = [sum(sizes[(i + j) % parts] for j in range(w)) for i in range(parts)]
    assert max(sums) - min(sums) <= 1


def test_different_seeds_give_different_allocations() -> None:
    sentences, people = list(range(60)), ["a", "b", "c", "d", "e"]
    assert allocate(sentences, people, 2, seed=1) != allocate(sentences, people, 2, seed=2)


@pytest.mark.parametrize(
    ("annotators", "k", "sentences", "message"),
    [
        (["a", "b"], 3, [1], "larger than the number of annotators"),
        ([], 1, [1], "no annotators"),
        (["a", "a"], 1, [1], "listed twice"),
        (["a"], 0, [1], "at least 1"),
        (["a"], 1, [], "no sentences"),
    ],
)
def test_bad_requests(annotators, k, sentences, message) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate(sentences, annotators, k)


@settings(max_examples=200, deadline=None)
@given(requests(), st.data())
def test_reassignment_keeps_overlap_and_finished_work(request, data) -> None:
    sentences, annotators, k, seed = request
    if len(annotators) <= k:  # someone must be free to take the work over
        annotators = annotators + ["extra"]
    queues = allocate(sentences, annotators, k, seed=seed)
    finished = {a: set(data.draw(st.lists(st.sampled_from(q), unique=True)) if q else [])
                for a, q in queues.items()}
    unfinished = {a: set(q) - finished[a] for a, q in queues.items()}
    leaving = data.draw(st.sampled_from(annotators))
    others = [a for a in annotators if a != leaving]
    moved = reassign(queues, unfinished, leaving, others)
    new_queues = {a: set(queues[a]) | set(moved.get(a, [])) for a in others}
    new_queues[leaving] = finished[leaving]  # the leaver keeps only finished work
    per_sentence = Counter(s for q in new_queues.values() for s in q)
    assert all(per_sentence[s] == k for s in sentences)
    assert sorted(s for m in moved.values() for s in m) == sorted(unfinished[leaving])
    for a in others:
        assert not set(moved.get(a, [])) & set(queues[a])  # nobody gets a sentence twice


def test_reassignment_without_free_annotator_is_refused() -> None:
    queues = allocate([1, 2, 3], ["a", "b"], 2)
    with pytest.raises(AllocationError, match="already has sentence"):
        reassign(queues, {a: set(q) for a, q in queues.items()}, "a", ["b"])
