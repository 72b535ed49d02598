"""Declarative base with a constraint naming convention, and shared column helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, Table, TypeDecorator, insert
from sqlalchemy.orm import DeclarativeBase, Session

from annotator import inputs

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Primary keys are 32-bit integers on PostgreSQL: a larger id in a URL or a body would reach
# the database and fail there (500). Such ids cannot exist, so they are refused before (404/400).
# (Defined with the other input limits in annotator.inputs; re-exported here for the models.)
MAX_ROW_ID = inputs.MAX_ROW_ID


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class BulkInsert:
    """An INSERT of many rows of ``table`` whose values are turned into the driver's ahead of
    the write (``convert``: JSON to text, timestamps to UTC...), so that while the transaction
    holds the database's write lock (SQLite has one for the whole file) only the driver's
    ``executemany`` runs, not SQLAlchemy's conversion of every parameter. On PostgreSQL
    (psycopg) the rows go in by ``COPY``: one statement for all of them, where an
    ``executemany`` makes the server run one INSERT per row.

    ``columns`` are the columns every row gives; a column with a Python-side default must be
    among them (defaults are not applied here). Values added to a converted row afterwards go
    to the driver as they are: fine for integer keys known only after an earlier insert.
    """

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        missing = [c.name for c in table.columns
                   if c.default is not None and c.name not in columns]
        if missing:
            raise ValueError(f"{table.name}: give the columns {missing}, defaults are not "
                             "applied in a bulk insert")
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns),
                                          for_executemany=True)  # no RETURNING
        self.sql = str(compiled)
        self._converters = [
            (name, converter) for name in columns
            if (converter := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        # qmark/numeric paramstyles (SQLite) take tuples in the statement's order
        self._order = (_tuple_of(compiled.positiontup or ()) if compiled.positional
                       else None)
        # psycopg: COPY, one statement for all rows, where executemany runs one INSERT per
        # row (several times the server's CPU for a few hundred rows)
        self._copy: tuple[str, Callable[[Mapping[str, Any]], tuple]] | None = None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(name) for name in columns)
            table_name = dialect.identifier_preparer.format_table(table)
            self._copy = (f"COPY {table_name} ({names}) FROM STDIN", _tuple_of(list(columns)))

    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row with each value as the driver takes it."""
        converted = dict(row)
        for name, converter in self._converters:
            converted[name] = converter(converted[name])
        return converted

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert these converted rows in one go (``executemany``, or ``COPY``)."""
        if not rows:
            return
        if self._copy is not None:
            statement, values = self._copy
            with (session.connection().connection.cursor() as cursor,
                  cursor.copy(statement) as copy):
                for row in rows:
                    copy.write_row(values(row))
            return
        order = self._order
        params = [order(row) for row in rows] if order is not None else list(rows)
        session.connection().exec_driver_sql(self.sql, params)


def _tuple_of(keys: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple]:
    """A function giving a row's values for ``keys``, as a tuple (itemgetter gives one key's
    value alone)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda row: (row[key],)
    return itemgetter(*keys)


@lru_cache(maxsize=64)  # one per engine and table: its SQL compiled once
def bulk_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> BulkInsert:
    """The ``BulkInsert`` of these columns of ``table`` for the dialect."""
    return BulkInsert(dialect, table, columns)
