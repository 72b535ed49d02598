"""The shared tier of the one cache (``caching``): Redis, or a store on disk that every process
of one machine shares, behind each process's own LRU (pure: no Flask, no SQLAlchemy).

``TieredStore`` answers from the process's ``LocalStore`` first; on a miss it asks the shared
tier and keeps what it finds; a computed value goes to both. So a report computed by one app
server (or a job worker) is served by the others without computing it again. Correctness
never rests on the shared tier: every value travels with the fingerprint of the data it was
computed from, and the caller recomputes that fingerprint from the database on every request,
so a value of older data is a miss wherever it is held.

Shared entries are one per ``(kind, key)`` (a newer fingerprint overwrites the older value),
named ``<prefix>:cache:<namespace>:v<KEY_VERSION>:<kind>:<digest of key>``, where the
namespace is derived from the SECRET_KEY (two deployments on one Redis never meet) and
``KEY_VERSION`` changes with the layout of the cached values. Values are pickled and signed
(HMAC-SHA256 with a key derived from the SECRET_KEY): a value that does not verify is never
unpickled. Entries expire ``ttl`` seconds after they were written.

The shared tier failing (Redis down, a slow disk) is logged once and costs a recomputation,
never an error; it is tried again ``RETRY_AFTER_SECONDS`` later.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import struct
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, Protocol

from annotator.caching import LocalStore

log = logging.getLogger(__name__)

KEY_VERSION = 1
# The agreement library's corpus arrays (~100 MB for 100,000 sentences) stay in the process
# that built them: shipping them would cost more than building them again. So do the built
# suggestion sources (spaCy matchers: not picklable, and rebuilt from their rows in seconds).
LOCAL_ONLY_KINDS = frozenset({"corpus", "suggestion-sources"})
RETRY_AFTER_SECONDS = 30.0
MAC_BYTES = 32
# Redis: a cache answer that takes longer than this is not worth waiting for.
REDIS_TIMEOUT_SECONDS = 0.5
# diskcache waits this long for its SQLite file's write lock (its default is 60 s).
DISK_TIMEOUT_SECONDS = 1.0


class SharedBackend(Protocol):
    """Bytes under string names, with a time to live: Redis, diskcache, a dict in tests."""

    def get_bytes(self, name: str) -> bytes | None: ...

    def set_bytes(self, name: str, data: bytes, ttl: int) -> None: ...

    def delete_all(self, prefix: str) -> None: ...


class Sealer:
    """Pickle ``(fingerprint, value)`` and sign it; check and unpickle it again."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.new(raw, b"annotator shared cache: values", hashlib.sha256).digest()
        self.namespace = hmac.new(raw, b"annotator shared cache: names",
                                  hashlib.sha256).hexdigest()[:12]

    def seal(self, fingerprint: Hashable, value: Any) -> bytes:
        """The signed bytes: MAC, the fingerprint's length, the fingerprint, the value."""
        head = pickle.dumps(fingerprint, protocol=pickle.HIGHEST_PROTOCOL)
        body = struct.pack(">I", len(head)) + head + pickle.dumps(
            value, protocol=pickle.HIGHEST_PROTOCOL)
        return hmac.new(self._key, body, hashlib.sha256).digest() + body

    def open(self, data: bytes, fingerprint: Hashable) -> tuple[bool, Any]:
        """``(True, value)`` when ``data`` is ours and holds ``fingerprint``, else
        ``(False, None)``; raises ``ValueError`` when the signature does not verify."""
        mac, body = data[:MAC_BYTES], data[MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(self._key, body, hashlib.sha256).digest()):
            raise ValueError("a shared cache entry failed its signature check")
        (length,) = struct.unpack(">I", body[:4])
        # The fingerprint first: a stale entry costs no unpickling of its (large) value.
        if pickle.loads(body[4:4 + length]) != fingerprint:
            return False, None
        return True, pickle.loads(body[4 + length:])


class TieredStore:
    """The process's LRU in front of a shared tier (``caching.Store``)."""

    def __init__(self, local: LocalStore, backend: SharedBackend, sealer: Sealer, *,
                 prefix: str = "annotator", ttl: int = 24 * 3600,
                 max_item_bytes: int = 64 * 1024 ** 2,
                 local_only: Iterable[str] = LOCAL_ONLY_KINDS, label: str = "shared") -> None:
        self.local = local
        self.backend = backend
        self.sealer = sealer
        self.prefix = f"{prefix}:cache:{sealer.namespace}:v{KEY_VERSION}:"
        self.ttl = int(ttl)
        self.max_item_bytes = max_item_bytes
        self.local_only = frozenset(local_only)
        self.label = label
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._unpicklable: set[str] = set()

    def name(self, kind: str, key: Hashable) -> str:
        """The shared entry's name for ``(kind, key)``."""
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        return f"{self.prefix}{kind}:{digest}"

    def get(self, kind: str, key: Hashable, fingerprint: Hashable) -> tuple[bool, Any]:
        """The process's value, else the shared tier's (then kept in the process too)."""
        found, value = self.local.get(kind, key, fingerprint)
        if found or kind in self.local_only:
            return found, value
        data = self._guarded(lambda: self.backend.get_bytes(self.name(kind, key)))
        if not data:
            return False, None
        try:
            found, value = self.sealer.open(data, fingerprint)
        except (ValueError, pickle.UnpicklingError, EOFError, struct.error, AttributeError,
                ImportError, IndexError, TypeError) as err:
            # Tampered with, truncated, or written by code whose classes have changed.
            log.warning("shared cache entry %s ignored: %s", self.name(kind, key), err)
            return False, None
        if found:
            self.local.put(kind, key, fingerprint, value)
        return found, value

    def put(self, kind: str, key: Hashable, fingerprint: Hashable, value: Any, *,
            shared: bool = True) -> None:
        """Keep ``value`` in the process and, unless its kind stays local (or ``shared`` is
        false), share it."""
        self.local.put(kind, key, fingerprint, value)
        if not shared or kind in self.local_only or self._resting():
            return
        try:
            data = self.sealer.seal(fingerprint, value)
        except (pickle.PicklingError, TypeError, AttributeError) as err:
            if kind not in self._unpicklable:  # a bug to fix, said once per kind
                self._unpicklable.add(kind)
                log.warning("%s cache: a %s value cannot be shared (%s)", self.label, kind, err)
            return
        if len(data) > self.max_item_bytes:
            return
        self._guarded(lambda: self.backend.set_bytes(self.name(kind, key), data, self.ttl))

    def clear(self) -> None:
        """Forget every value, this process's and the shared ones of this namespace."""
        self.local.clear()
        self._guarded(lambda: self.backend.delete_all(self.prefix))

    def _resting(self) -> bool:
        return time.monotonic() < self._down_until

    def _guarded(self, call: Callable[[], Any]) -> Any:
        """``call()``, or None when the shared tier fails (logged once per outage)."""
        if self._resting():
            return None
        try:
            answer = call()
        except Exception as err:  # noqa: BLE001 - any failure of the tier means "recompute"
            with self._lock:
                first = self._down_until == 0.0
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            if first:
                log.warning("%s cache unavailable (%s: %s); computing values in this process "
                            "until it answers again", self.label, type(err).__name__, err)
            return None
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            log.warning("%s cache answers again", self.label)
        return answer


class RedisBackend:
    """Entries in Redis (``SET ... EX``), short time-outs: a slow Redis is a miss."""

    def __init__(self, url: str, timeout: float = REDIS_TIMEOUT_SECONDS) -> None:
        # Lazy for start-up speed: redis-py takes ~0.15 s to import, needed only with Redis.
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)

    def get_bytes(self, name: str) -> bytes | None:
        """The bytes stored under ``name``, or None."""
        return self.client.get(name)

    def set_bytes(self, name: str, data: bytes, ttl: int) -> None:
        """Store ``data`` under ``name`` for ``ttl`` seconds."""
        self.client.set(name, data, ex=ttl)

    def delete_all(self, prefix: str) -> None:
        """Delete every entry whose name starts with ``prefix``."""
        batch = []
        for name in self.client.scan_iter(match=f"{prefix}*", count=500):
            batch.append(name)
            if len(batch) >= 500:
                self.client.delete(*batch)
                batch.clear()
        if batch:
            self.client.delete(*batch)


class DiskBackend:
    """Entries in a diskcache folder that every process of the machine opens (SQLite index,
    large values in files; safe across processes and threads, and after a fork). The folder
    is opened at the first use: an app that caches nothing (most commands) never touches it."""

    def __init__(self, directory: Path, size_limit: int,
                 timeout: float = DISK_TIMEOUT_SECONDS) -> None:
        self.directory, self.size_limit, self.timeout = directory, size_limit, timeout
        self._cache: Any = None

    @property
    def cache(self) -> Any:
        """The ``diskcache.Cache`` over the folder (made 0700 when new)."""
        if self._cache is None:
            # Lazy for start-up speed: only apps that use the disk store need diskcache.
            import diskcache

            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Bytes are stored as they are (diskcache pickles nothing of ours); the oldest
            # entries go first past the size limit, which costs no write on a read (unlike
            # least-recently-used).
            self._cache = diskcache.Cache(str(self.directory), size_limit=self.size_limit,
                                          timeout=self.timeout,
                                          eviction_policy="least-recently-stored")
        return self._cache

    def get_bytes(self, name: str) -> bytes | None:
        """The bytes stored under ``name``, or None."""
        return self.cache.get(name)

    def set_bytes(self, name: str, data: bytes, ttl: int) -> None:
        """Store ``data`` under ``name`` for ``ttl`` seconds."""
        self.cache.set(name, data, expire=ttl)

    def delete_all(self, prefix: str) -> None:
        """Delete every entry whose name starts with ``prefix``."""
        for name in list(self.cache.iterkeys()):
            if isinstance(name, str) and name.startswith(prefix):
                self.cache.delete(name)


def build_store(*, mode: str, redis_url: str | None, directory: Path, secret: str,
                ttl: int, disk_bytes: int, max_item_bytes: int,
                testing: bool = False) -> LocalStore | TieredStore:
    """The store a configuration asks for (see ``config.Defaults.SHARED_CACHE``).

    Raises ``ValueError`` for an unknown mode, or "redis" without a URL.
    """
    if mode not in {"auto", "redis", "disk", "none"}:
        raise ValueError(f"SHARED_CACHE must be auto, redis, disk or none, not {mode!r}")
    if mode == "auto":
        mode = "none" if testing else ("redis" if redis_url else "disk")
    local = LocalStore()
    if mode == "none":
        return local
    sealer = Sealer(secret)
    options = {"ttl": ttl, "max_item_bytes": max_item_bytes}
    if mode == "redis":
        if not redis_url:
            raise ValueError("SHARED_CACHE = 'redis' needs REDIS_URL")
        return TieredStore(local, RedisBackend(redis_url), sealer, label="Redis", **options)
    return TieredStore(local, DiskBackend(directory, disk_bytes), sealer, label="disk",
                       **options)
