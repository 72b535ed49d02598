"""The unit of work: commit on success, roll back on any error, keep caught domain errors."""

from __future__ import annotations

import pytest

from annotator.errors import Conflict, Invalid, NotFound
from annotator.transactions import unit_of_work


class Session:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")


def test_a_block_that_ends_normally_commits():
    session = Session()
    with unit_of_work(session) as work:
        pass
    assert session.calls == ["commit"] and not work.failed and work.message == ""


def test_a_caught_domain_error_rolls_back_and_is_kept():
    session = Session()
    with unit_of_work(session, catch=(Invalid, NotFound)) as work:
        raise Invalid("bad overlap")
    assert session.calls == ["rollback"]
    assert work.failed and isinstance(work.error, Invalid) and work.message == "bad overlap"


def test_other_errors_roll_back_and_propagate():
    session = Session()
    with pytest.raises(Conflict):
        with unit_of_work(session, catch=Invalid):
            raise Conflict("changed elsewhere")
    with pytest.raises(ZeroDivisionError):
        with unit_of_work(session):
            1 / 0
    assert session.calls == ["rollback", "rollback"]


def test_the_collector_is_paused_inside_the_block_and_restored_after_it():
    import gc

    from annotator.agreement.data import gc_paused as collector_held

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with collector_held():
            assert not gc.isenabled()
            1 / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_held():
            pass
        assert not gc.isenabled()  # one held by its caller stays held
    finally:
        gc.enable()


def test_long_lived_objects_are_left_out_of_scans_until_the_block_ends():
    import gc

    from annotator.transactions import long_lived

    big = [[n] for n in range(10_000)]
    assert gc.get_freeze_count() == 0
    with long_lived():
        assert gc.get_freeze_count() >= len(big)
    assert gc.get_freeze_count() == 0


def test_committed_chunks_commit_each_step_with_the_collector_held_until_the_commit(
    monkeypatch,
):
    """Each step of a chunked writer runs and commits with the cyclic collector paused (no
    collection pause while the chunk holds the write lock); between steps it runs again."""
    import gc

    from annotator import transactions

    session = Session()
    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(transactions, "yield_to_writers",
                        lambda s, pause: seen.append((f"yield {pause}", gc.isenabled())))
    real_commit = session.commit
    session.commit = lambda: (seen.append(("commit", gc.isenabled())), real_commit())

    def chunks():
        for n in range(3):
            seen.append((f"write {n}", gc.isenabled()))
            yield n

    assert gc.isenabled()
    got = []
    for value in transactions.committed_chunks(session, chunks(), pause=0.5):
        seen.append((f"caller {value}", gc.isenabled()))
        got.append(value)
    assert got == [0, 1, 2] and session.calls == ["commit"] * 3
    assert seen == [step for n in range(3) for step in (
        (f"write {n}", False), ("commit", False), ("yield 0.5", True), (f"caller {n}", True))]

    def failing():
        yield 1
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        list(transactions.committed_chunks(session, failing()))
    assert gc.isenabled()  # restored when a step fails
