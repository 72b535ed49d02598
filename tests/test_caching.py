"""The one cache: values valid only for the fingerprint they were computed at, LRU per kind."""

from __future__ import annotations

import pytest

from annotator import caching


@pytest.fixture(autouse=True)
def fresh_store():
    previous = caching.use_store(caching.LocalStore({"small": 2}))
    yield
    caching.use_store(previous)


def test_a_value_is_served_only_at_its_fingerprint():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert caching.get_or_compute("report", ("db", 1), "fp1", compute) == 1
    assert caching.get_or_compute("report", ("db", 1), "fp1", compute) == 1
    assert caching.peek("report", ("db", 1), "fp1") == 1
    # The data changed: the old value is a miss, never served stale.
    assert caching.peek("report", ("db", 1), "fp2") is None
    assert caching.get_or_compute("report", ("db", 1), "fp2", compute) == 2
    assert caching.peek("report", ("db", 1), "fp1") is None
    assert len(calls) == 2


def test_kinds_are_separate_and_each_keeps_its_limit():
    for i in range(3):
        caching.get_or_compute("small", i, "fp", lambda i=i: i)
    assert caching.peek("small", 0, "fp") is None  # least recently used went first
    assert caching.peek("small", 1, "fp") == 1 and caching.peek("small", 2, "fp") == 2
    caching.get_or_compute("other", 0, "fp", lambda: "x")
    assert caching.peek("other", 0, "fp") == "x" and caching.peek("small", 0, "fp") is None


def test_a_falsy_value_is_still_a_hit_and_clear_forgets():
    calls = []
    caching.get_or_compute("report", "k", "fp", lambda: calls.append(1) or {})
    assert caching.get_or_compute("report", "k", "fp", lambda: calls.append(1) or {}) == {}
    assert len(calls) == 1
    caching.clear()
    assert caching.peek("report", "k", "fp") is None


def test_another_store_replaces_the_default():
    class Counting(caching.LocalStore):
        gets = 0

        def get(self, kind, key, fingerprint):
            Counting.gets += 1
            return super().get(kind, key, fingerprint)

    caching.use_store(Counting())
    caching.get_or_compute("report", "k", "fp", lambda: 1)
    assert Counting.gets == 1
