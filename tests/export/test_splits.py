"""Splitting a corpus by document: parsing, sizes, determinism, stability as the corpus grows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.export.splits import SplitError, assign_splits, parse_split, part_sizes


@pytest.mark.parametrize(
    ("text", "expected"),
    [("80/10/10", (80, 10, 10)), ("90/10", (90, 10)), (" 70/15/15 ", (70, 15, 15)),
     ("100/0/0", (100, 0, 0)), ("0/0/100", (0, 0, 100))],
)
def test_parse_split_accepts(text: str, expected: tuple[int, ...]) -> None:
    assert parse_split(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("80/10", "add up to 100"), ("80/10/5", "add up to 100"), ("80", "2 or 3"),
     ("80/10/5/5", "2 or 3"), ("80.5/9.5/10", "2 or 3"), ("a/b/c", "2 or 3"), ("", "2 or 3"),
     ("-10/100/10", "2 or 3"), ("80,10,10", "2 or 3")],
)
def test_parse_split_refuses(text: str, message: str) -> None:
    with pytest.raises(SplitError, match=message):
        parse_split(text)


@pytest.mark.parametrize(
    ("total", "ratios", "sizes"),
    [(10, (80, 10, 10), (8, 1, 1)), (7, (80, 10, 10), (5, 1, 1)), (3, (80, 10, 10), (3, 0, 0)),
     (0, (80, 10, 10), (0, 0, 0)), (5, (50, 50), (3, 2)), (9, (34, 33, 33), (3, 3, 3)),
     (4, (0, 50, 50), (0, 2, 2))],
)
def test_part_sizes_largest_remainder(total: int, ratios: tuple[int, ...], sizes: tuple) -> None:
    assert part_sizes(total, ratios) == sizes


def test_every_document_in_exactly_one_named_split() -> None:
    ids = list(range(1, 101))
    assigned = assign_splits(ids, (80, 10, 10), seed=3)
    assert sorted(assigned) == ids
    assert {name: list(assigned.values()).count(name) for name in ("train", "dev", "test")} == {
        "train": 80, "dev": 10, "test": 10}
    assert set(assign_splits(ids, (90, 10), seed=3).values()) == {"train", "test"}


def test_deterministic_for_a_seed_and_independent_of_input_order() -> None:
    ids = list(range(1, 51))
    first = assign_splits(ids, (80, 10, 10), seed=11)
    assert assign_splits(reversed(ids), (80, 10, 10), seed=11) == first
    assert assign_splits(ids, (80, 10, 10), seed=12) != first


def test_the_split_is_a_shuffle_not_the_id_order() -> None:
    assigned = assign_splits(range(1, 101), (80, 10, 10), seed=0)
    test_ids = sorted(d for d, name in assigned.items() if name == "test")
    assert test_ids != list(range(91, 101)) and test_ids != list(range(1, 11))


@given(
    n=st.integers(min_value=1, max_value=120),
    seed=st.integers(min_value=-(2**40), max_value=2**40),
    ratios=st.sampled_from([(80, 10, 10), (70, 15, 15), (90, 10), (50, 50), (34, 33, 33)]),
)
def test_growing_the_corpus_moves_at_most_one_document_per_boundary(n, seed, ratios) -> None:
    before = assign_splits(range(1, n + 1), ratios, seed)
    after = assign_splits(range(1, n + 2), ratios, seed)
    moved = [d for d in before if before[d] != after[d]]
    assert len(moved) <= len(ratios) - 1
