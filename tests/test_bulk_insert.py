"""``db.BulkInsert``: rows converted before the write read back as SQLAlchemy's own insert
stores them, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert, select

from annotator.db import BulkInsert, UTCDateTime, bulk_insert

metadata = MetaData()
notes = Table(
    "bulk_note", metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(20)),
    Column("attributes", JSON),
    Column("at", UTCDateTime),
    Column("votes", Integer, default=0),
)
keys = Table("bulk_key", metadata, Column("id", Integer, primary_key=True),
             Column("number", Integer))

ROWS = [
    {"label": "ACTOR", "attributes": {"type": "air strike", "ids": [1, 2]},
     "at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC), "votes": 3},
    {"label": "LOCATION", "attributes": {}, "votes": 0,
     "at": datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))},
    {"label": "UNIT", "attributes": None, "at": datetime(2026, 3, 2, 8, 0), "votes": 1},  # naive
]


@pytest.fixture
def tables(db):
    metadata.create_all(db.engine)
    yield
    db.session.rollback()
    metadata.drop_all(db.engine)


def stored(db, table):
    return [row._asdict() for row in db.session.execute(
        select(*[c for c in table.c if c.name != "id"]).order_by(table.c.id))]


def test_converted_rows_read_back_as_sqlalchemys_insert_stores_them(db, tables):
    db.session.execute(insert(notes), ROWS)
    expected = stored(db, notes)
    db.session.execute(notes.delete())
    dialect = db.session.get_bind().dialect
    inserting = bulk_insert(dialect, notes, ("label", "attributes", "at", "votes"))
    converted = [inserting.convert(row) for row in ROWS]
    assert converted[0]["attributes"] != ROWS[0]["attributes"]  # JSON text by now
    inserting.execute(db.session, converted)
    assert stored(db, notes) == expected
    assert expected[1]["at"] == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert expected[2]["at"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert expected[2]["attributes"] is None


def test_a_value_added_after_converting_goes_as_it_is(db, tables):
    dialect = db.session.get_bind().dialect
    inserting = bulk_insert(dialect, notes, ("label", "attributes", "at", "votes"))
    early = [inserting.convert({k: v for k, v in row.items() if k != "votes"}) for row in ROWS]
    inserting.execute(db.session, [{**row, "votes": n} for n, row in enumerate(early, 5)])
    inserting.execute(db.session, [])  # nothing to write: no statement
    assert [(r["label"], r["votes"]) for r in stored(db, notes)] == [
        ("ACTOR", 5), ("LOCATION", 6), ("UNIT", 7)]


def test_one_column_inserts(db, tables):
    inserting = bulk_insert(db.session.get_bind().dialect, keys, ("number",))
    inserting.execute(db.session, [{"number": n} for n in (7, 8, 9)])
    assert [r["number"] for r in stored(db, keys)] == [7, 8, 9]


def test_a_column_with_a_default_must_be_given(db):
    dialect = db.session.get_bind().dialect
    with pytest.raises(ValueError, match=r"bulk_note: give the columns \['votes'\]"):
        BulkInsert(dialect, notes, ("label", "attributes", "at"))
