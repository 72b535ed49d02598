"""Transaction boundaries the calling view or command sets before a service runs."""

from __future__ import annotations

from sqlalchemy.orm import Session


def start_consistent_read(session: Session) -> None:
    """Start a transaction in which every query that follows sees the same data.

    A long read (an export, chunk after chunk) runs while others keep writing. On PostgreSQL
    a REPEATABLE READ transaction gives all its queries one snapshot. (SQLite's driver starts
    no transaction for reads, so there each query sees the latest committed state.) Call it
    before the first query of the read; it rolls back the session's current transaction,
    which must have read only.
    """
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
