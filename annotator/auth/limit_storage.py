"""A storage for the log-in rate limits (Flask-Limiter, ``limits``) in the app's own database.

``RATELIMIT_STORAGE_URI = "database://"`` (the default) keeps the fixed-window counters in the
``rate_limit_counter`` table, so every gunicorn worker and every app server on the same
database counts together, and a restart forgets nothing: the limit is the configured one
whatever the number of processes, with no extra server. Each hit is one atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite >= 3.35 and PostgreSQL), in its
own short transaction beside the request's. ``redis://...`` still selects ``limits``' Redis
storage instead.
"""

from __future__ import annotations

import time

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from annotator.auth.models import RateLimitCounter
from annotator.extensions import db

SCHEME = "database"
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``rate_limit_counter`` table of the app's database."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the counter ``key`` (a new window of ``expiry`` seconds when the
        last one has ended) and return the new count, atomically across processes."""
        now = time.time()
        table = RateLimitCounter.__table__
        engine = db.engine
        insert = _INSERTS[engine.dialect.name](table).values(
            key=key, count=amount, expires_at=now + expiry)
        ended = table.c.expires_at <= now
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((ended, amount), else_=table.c.count + amount),
                  "expires_at": case((ended, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)
        with engine.begin() as conn:
            count = conn.execute(upsert).scalar_one()
            # Ended windows of other keys go too (the index on expires_at keeps it cheap).
            conn.execute(delete(table).where(table.c.expires_at <= now - 60, table.c.key != key))
        return int(count)

    def get(self, key: str) -> int:
        """The count of the current window of ``key`` (0 when none is running)."""
        table = RateLimitCounter.__table__
        with db.engine.connect() as conn:
            count = conn.execute(select(table.c.count).where(
                table.c.key == key, table.c.expires_at > time.time())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the current window of ``key`` ends (Unix time; now when none is running)."""
        table = RateLimitCounter.__table__
        with db.engine.connect() as conn:
            expires = conn.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return max(float(expires or 0.0), time.time())

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with db.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; return how many there were."""
        with db.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        """Forget the counter ``key``."""
        table = RateLimitCounter.__table__
        with db.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))
