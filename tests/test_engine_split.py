"""The PostgreSQL run leaves to the SQLite run only the tests that never reach a database."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import engine_free, pytest_collection_modifyitems

TESTS = Path(__file__).resolve().parent
# The only readers of ANNOTATOR_TEST_DB: the fixtures that hand out a database.
READERS = {"conftest.py", "hostile.py", "pg.py", "snapshots.py"}


def test_only_the_database_fixtures_read_which_engine_is_under_test() -> None:
    """A test reading the variable itself could differ between the runs without asking for a
    database fixture, and would wrongly run on SQLite only."""
    reading = re.compile(r"""(environ|getenv)\W*\(?\s*\[?\s*["']ANNOTATOR_TEST_DB""")
    readers = {str(path.relative_to(TESTS)) for path in TESTS.rglob("*.py")
               if reading.search(path.read_text(encoding="utf-8"))}
    assert readers <= READERS, sorted(readers - READERS)


class FakeItem:
    """Just what the collection hook reads of a test item: a test function taking
    (``request`` or nothing), whose fixture closure is ``fixtures`` plus pytest-flask's."""

    def __init__(self, *fixtures: str, takes_request: bool = False,
                 params: tuple[str, ...] = (), markers: tuple[str, ...] = ()) -> None:
        self.fixturenames = [*fixtures, *params, "request", "_push_request_context"]
        self.function = (lambda request: None) if takes_request else (lambda: None)
        self.markers = markers
        if params:
            self.callspec = SimpleNamespace(params=dict.fromkeys(params, 1))

    def get_closest_marker(self, name: str) -> object | None:
        return SimpleNamespace(name=name) if name in self.markers else None


@pytest.mark.parametrize(("item", "free"), [
    (FakeItem(), True),
    (FakeItem(params=("table", "value")), True),
    (FakeItem("monkeypatch", "tmp_path", "cheap_password_hashing"), True),
    (FakeItem("app"), False),
    (FakeItem("db", "app", "database_url", params=("value",)), False),
    (FakeItem("world"), False),  # a module's own fixture may hold a database: on both runs
    (FakeItem(takes_request=True), False),  # request.getfixturevalue() can reach one
    # starts its own PostgreSQL and other servers (tests/ops/test_multi_instance.py): once
    (FakeItem("cluster", markers=("own_servers",)), True),
])
def test_a_test_is_engine_free_only_when_all_its_fixtures_are(item, free) -> None:
    assert engine_free(item) is free  # type: ignore[arg-type]


@pytest.mark.parametrize(("engine", "kept"), [("postgresql", ["db"]), ("", ["pure", "db"])])
def test_only_the_postgresql_run_deselects_engine_free_tests(
        monkeypatch: pytest.MonkeyPatch, engine: str, kept: list[str]) -> None:
    deselected: list = []
    config = SimpleNamespace(hook=SimpleNamespace(
        pytest_deselected=lambda items: deselected.extend(items)))
    pure, with_db = FakeItem(), FakeItem("db", "app")
    items = [pure, with_db]
    monkeypatch.setenv("ANNOTATOR_TEST_DB", engine)
    pytest_collection_modifyitems(config, items)  # type: ignore[arg-type]
    names = {id(pure): "pure", id(with_db): "db"}
    assert [names[id(i)] for i in items] == kept
    assert [names[id(i)] for i in deselected] == [n for n in ("pure",) if n not in kept]
