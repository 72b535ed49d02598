"""The shared cache tier: values computed by one process served to another, never stale, never
trusted unsigned, corpora kept at home, and a failing tier costing a recomputation only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from annotator import caching
from annotator.cache_stores import DiskBackend, Sealer, TieredStore, build_store
from annotator.caching import LocalStore
from annotator.factory import configure_rate_limit_storage, configure_redis_url


class DictBackend:
    """A shared tier in a dict (what Redis does, minus the network)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.broken = False

    def get_bytes(self, name: str) -> bytes | None:
        if self.broken:
            raise ConnectionError("Connection refused")
        return self.data.get(name)

    def set_bytes(self, name: str, data: bytes, ttl: int) -> None:
        if self.broken:
            raise ConnectionError("Connection refused")
        self.data[name] = data

    def delete_all(self, prefix: str) -> None:
        for name in [n for n in self.data if n.startswith(prefix)]:
            del self.data[name]


def process(backend, secret: str = "s3cret") -> TieredStore:
    """One app process: its own LRU in front of the shared ``backend``."""
    return TieredStore(LocalStore(), backend, Sealer(secret), ttl=60)


def test_a_value_computed_in_one_process_is_served_to_another_at_its_fingerprint_only():
    shared = DictBackend()
    a, b = process(shared), process(shared)
    a.put("report", ("db", 7, None, 200), ("fp", 1), {"f1": 0.5})
    assert b.get("report", ("db", 7, None, 200), ("fp", 1)) == (True, {"f1": 0.5})
    # A save changed the data: the fingerprint B computes from the database is another one.
    assert b.get("report", ("db", 7, None, 200), ("fp", 2)) == (False, None)
    assert b.get("report", ("db", 8, None, 200), ("fp", 1)) == (False, None)
    # One entry per key: the newer value replaces the older one in the shared tier.
    b.put("report", ("db", 7, None, 200), ("fp", 2), {"f1": 0.75})
    assert len(shared.data) == 1
    assert process(shared).get("report", ("db", 7, None, 200), ("fp", 2)) == (True, {"f1": 0.75})
    assert a.get("report", ("db", 7, None, 200), ("fp", 1)) == (True, {"f1": 0.5})  # its own LRU


def test_corpora_stay_in_their_process_and_huge_values_too():
    shared = DictBackend()
    store = process(shared)
    store.max_item_bytes = 10_000
    store.put("corpus", ("db", 1), "fp", b"x" * 100)
    store.put("drilldown", ("db", 1), "fp", b"x" * 20_000)
    assert shared.data == {}
    assert store.get("corpus", ("db", 1), "fp") == (True, b"x" * 100)
    store.put("drilldown", ("db", 2), "fp", [1, 2, 3])
    assert [n.split(":")[-2] for n in shared.data] == ["drilldown"]
    assert all(n.startswith("annotator:cache:") for n in shared.data)


def test_an_entry_that_fails_its_signature_is_never_unpickled(caplog):
    shared = DictBackend()
    process(shared).put("report", "k", "fp", {"f1": 1.0})
    name = next(iter(shared.data))
    data = bytearray(shared.data[name])
    data[-3] ^= 0xFF  # a changed byte in the pickled value
    shared.data[name] = bytes(data)
    with caplog.at_level(logging.WARNING):
        assert process(shared).get("report", "k", "fp") == (False, None)
    assert "signature" in caplog.text
    # Another deployment (another SECRET_KEY) on the same Redis: other names, no hit.
    process(shared, secret="other").put("report", "k", "fp", "theirs")
    assert len(shared.data) == 2
    assert process(shared).get("report", "k", "fp") == (False, None)


def test_a_failing_shared_tier_means_computing_again_logged_once(caplog):
    shared = DictBackend()
    previous = caching.use_store(process(shared))
    try:
        caching.get_or_compute("report", "k", "fp", lambda: "first")
        shared.broken = True
        calls = []
        with caplog.at_level(logging.WARNING, logger="annotator.cache_stores"):
            for i in range(5):
                assert caching.get_or_compute("report", "k", f"fp{i}",
                                              lambda i=i: calls.append(i) or i) == i
        assert calls == [0, 1, 2, 3, 4]
        said = [r.getMessage() for r in caplog.records]
        assert said == ["shared cache unavailable (ConnectionError: Connection refused); "
                        "computing values in this process until it answers again"]
        # Tried again after the pause: used again, and said so.
        shared.broken = False
        caching.get_or_compute("report", "k", "fp9", lambda: "x")  # still resting: not sent
        assert process(shared).get("report", "k", "fp9") == (False, None)
        with caplog.at_level(logging.WARNING, logger="annotator.cache_stores"):
            store = caching.use_store(caching.LocalStore())
            caching.use_store(store)
            store._down_until = 0.1  # the pause is over
            caching.get_or_compute("report", "k3", "fp", lambda: "back")
        assert caplog.records[-1].getMessage() == "shared cache answers again"
        assert process(shared).get("report", "k3", "fp") == (True, "back")
    finally:
        caching.use_store(previous)


def test_the_disk_store_is_shared_by_processes_of_one_machine(tmp_path: Path):
    """Two stores on one folder (as two gunicorn workers, or a server and a job worker, open
    it): a value one writes the other reads; the folder is its owner's alone."""
    options = dict(mode="auto", redis_url=None, directory=tmp_path / "cache", secret="k",
                   ttl=60, disk_bytes=10 ** 8, max_item_bytes=10 ** 7)
    a, b = build_store(**options), build_store(**options)
    assert isinstance(a, TieredStore) and isinstance(a.backend, DiskBackend)
    a.put("conflicts", ("db", 3), 2, {11: ("fp", ())})
    assert b.get("conflicts", ("db", 3), 2) == (True, {11: ("fp", ())})
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    b.clear()
    assert build_store(**options).get("conflicts", ("db", 3), 2) == (False, None)


@pytest.mark.parametrize(("mode", "redis_url", "testing", "kind"), [
    ("auto", None, True, LocalStore),
    ("auto", None, False, DiskBackend),
    ("disk", None, True, DiskBackend),
    ("none", "redis://127.0.0.1:1/0", False, LocalStore),
])
def test_the_configuration_picks_the_store(tmp_path, mode, redis_url, testing, kind):
    store = build_store(mode=mode, redis_url=redis_url, directory=tmp_path, secret="k", ttl=1,
                        disk_bytes=10 ** 7, max_item_bytes=10 ** 6, testing=testing)
    assert isinstance(getattr(store, "backend", store), kind)


def test_redis_is_chosen_by_redis_url_and_a_bad_mode_is_refused(tmp_path):
    store = build_store(mode="auto", redis_url="redis://127.0.0.1:1/0", directory=tmp_path,
                        secret="k", ttl=1, disk_bytes=1, max_item_bytes=1)
    assert type(store.backend).__name__ == "RedisBackend" and store.label == "Redis"
    # Nothing listens there: a miss, not an error.
    assert store.get("report", "k", "fp") == (False, None)
    for mode, url in (("memcached", None), ("redis", None)):
        with pytest.raises(ValueError):
            build_store(mode=mode, redis_url=url, directory=tmp_path, secret="k", ttl=1,
                        disk_bytes=1, max_item_bytes=1)


class FakeApp:
    def __init__(self, **config) -> None:
        self.config = config


@pytest.mark.parametrize(("env", "config", "expected_url", "expected_limits"), [
    ({}, {}, None, "database://"),
    ({"REDIS_URL": "redis://r:6379/0"}, {}, "redis://r:6379/0", "redis://r:6379/0"),
    ({}, {"REDIS_URL": "redis://c:6379/1"}, "redis://c:6379/1", "redis://c:6379/1"),
    ({"REDIS_URL": "redis://r:6379/0"}, {"RATELIMIT_STORAGE_URI": "database://"},
     "redis://r:6379/0", "database://"),
])
def test_redis_url_from_the_environment_also_counts_log_ins(monkeypatch, env, config,
                                                            expected_url, expected_limits):
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = FakeApp(**{"RATELIMIT_STORAGE_URI": None, **config})
    configure_redis_url(app)  # type: ignore[arg-type]
    configure_rate_limit_storage(app)  # type: ignore[arg-type]
    assert app.config["REDIS_URL"] == expected_url
    assert app.config["RATELIMIT_STORAGE_URI"] == expected_limits


def test_a_value_kept_for_this_process_only_leaves_the_shared_one_alone():
    shared = DictBackend()
    a, b = process(shared), process(shared)
    a.put("conflicts", ("db", 1), 2, {1: "x"})
    a.put("conflicts", ("db", 1), 2, {1: "x", 2: "y"}, shared=False)
    assert a.get("conflicts", ("db", 1), 2) == (True, {1: "x", 2: "y"})
    assert b.get("conflicts", ("db", 1), 2) == (True, {1: "x"})


def test_a_value_that_cannot_be_pickled_stays_in_its_process_said_once(caplog):
    shared = DictBackend()
    store = process(shared)
    with caplog.at_level(logging.WARNING, logger="annotator.cache_stores"):
        for i in range(3):
            store.put("drilldown", i, "fp", lambda: None)
    assert shared.data == {} and store.get("drilldown", 2, "fp")[0]
    assert len(caplog.records) == 1 and "cannot be shared" in caplog.records[0].getMessage()


def test_the_agreement_page_answers_while_the_configured_redis_is_down(database_url, caplog):
    """REDIS_URL names a port nobody listens on: the page is computed in the process (200,
    twice), the outage said once."""
    import socket

    from annotator import create_app
    from annotator.extensions import db
    from tests.conftest import IsolatedClient, login
    from tests.factories import prepare_batch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_ENABLED": False, "SHARED_CACHE": "redis",
                      "REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        scene = prepare_batch(db.session)
        project_id = scene["project"].id
        db.session.remove()
    installed = caching.use_store(caching.LocalStore())  # what the factory put in place
    assert isinstance(installed, TieredStore) and installed.label == "Redis"
    caching.use_store(installed)
    try:
        client = app.test_client()
        login(client, "admin1")
        with caplog.at_level(logging.WARNING, logger="annotator.cache_stores"):
            for _ in range(2):
                assert client.get(f"/projects/{project_id}/agreement").status_code == 200
        assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
            "Redis cache unavailable"]
    finally:
        caching.use_store(LocalStore())
        with app.app_context():
            db.engine.dispose()
