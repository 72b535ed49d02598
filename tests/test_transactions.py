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
