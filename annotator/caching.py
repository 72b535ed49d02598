"""One cache for values computed from the database, each valid only for a fingerprint of what
it read (pure: no Flask, no SQLAlchemy).

Agreement reports, drill-down lists, the corpus arrays behind them, the per-label agreement
that orders the adjudication queue, the conflicts of partial gold sentences and the sorted
queue itself are costly to compute and cheap to keep. Each is stored under ``(kind, key)``
with the fingerprint of the rows it was computed from; a lookup with another fingerprint is a
miss, so a change in the data is never served stale. The default store lives in the process (each gunicorn worker has
its own); ``use_store`` swaps in another without touching the callers: the app factory puts in
``cache_stores.TieredStore``, this process's store in front of one that every process of the
machine, or with Redis every app server and worker, shares.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# How many entries of each kind one process keeps (least recently used go first). Corpora are
# large (~100 MB for 100,000 sentences); reports and lists are small.
DEFAULT_LIMITS: Mapping[str, int] = {
    "report": 16,
    "drilldown": 64,
    "corpus": 2,
    "label-agreement": 16,
    "conflicts": 16,
    "conflict-queue": 16,
    "sentence-count": 256,
}
FALLBACK_LIMIT = 16


class Store(Protocol):
    """Where cached values live: any object with these three methods will do."""

    def get(self, kind: str, key: Hashable, fingerprint: Hashable) -> tuple[bool, Any]:
        """``(True, value)`` when a value is held for ``key`` at ``fingerprint``, else
        ``(False, None)``."""

    def put(self, kind: str, key: Hashable, fingerprint: Hashable, value: Any, *,
            shared: bool = True) -> None:
        """Keep ``value``; ``shared=False``: in this process only (a store with a shared tier
        leaves that tier's older value alone)."""

    def clear(self) -> None: ...


class LocalStore:
    """A per-process LRU per kind, safe to share between a worker's threads."""

    def __init__(self, limits: Mapping[str, int] = DEFAULT_LIMITS) -> None:
        self.limits = dict(limits)
        self._entries: dict[str, OrderedDict[Hashable, tuple[Hashable, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: Hashable, fingerprint: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entries = self._entries.get(kind)
            hit = entries.get(key) if entries is not None else None
            if hit is None or hit[0] != fingerprint:
                return False, None
            entries.move_to_end(key)
            return True, hit[1]

    def put(self, kind: str, key: Hashable, fingerprint: Hashable, value: Any, *,
            shared: bool = True) -> None:
        with self._lock:
            entries = self._entries.setdefault(kind, OrderedDict())
            entries[key] = (fingerprint, value)
            entries.move_to_end(key)
            while len(entries) > self.limits.get(kind, FALLBACK_LIMIT):
                entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_store: Store = LocalStore()


def use_store(store: Store) -> Store:
    """Put ``store`` in place of the current one; returns the one it replaces."""
    global _store
    previous, _store = _store, store
    return previous


def peek(kind: str, key: Hashable, fingerprint: Hashable) -> Any | None:
    """The value held for ``key`` if it is still valid at ``fingerprint``, else None."""
    found, value = _store.get(kind, key, fingerprint)
    return value if found else None


def get_or_compute(kind: str, key: Hashable, fingerprint: Hashable, compute: Callable[[], T]) -> T:
    """The value held for ``key`` at ``fingerprint``, or ``compute()`` kept for next time.

    Two threads missing at once both compute; the later answer is kept (both are correct).
    """
    found, value = _store.get(kind, key, fingerprint)
    if found:
        return value
    value = compute()
    _store.put(kind, key, fingerprint, value)
    return value


def put(kind: str, key: Hashable, fingerprint: Hashable, value: Any, *,
        shared: bool = True) -> None:
    """Keep ``value`` for ``key`` at ``fingerprint`` (in place of what was held); with
    ``shared=False`` in this process only, not in a tier other processes share."""
    _store.put(kind, key, fingerprint, value, shared=shared)


def clear() -> None:
    """Forget every value (tests; after a restore of the database from a backup)."""
    _store.clear()
