"""What ``/healthz`` reports: the database, Redis when one is configured, the job queue."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from annotator.jobs.queries import queue_counts

# A health check must answer fast even when Redis hangs: a load balancer times out first.
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Health:
    """The health check's answer: its JSON body and whether everything it needs answers."""

    body: dict[str, Any] = field(default_factory=dict)
    healthy: bool = True


def check_health(session: Session, redis_url: str | None) -> Health:
    """Ask the database (one ``SELECT 1``), then Redis (``PING``) when configured, then the
    job table for the jobs queued and running. Unhealthy when the database or a configured
    Redis does not answer, or the job table cannot be read (a database not upgraded)."""
    started = time.perf_counter()
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        session.rollback()
        return Health({"status": "error", "database": type(err).__name__}, healthy=False)
    body: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "engine": session.get_bind().dialect.name,
    }
    healthy = True
    if redis_url:
        body["redis"] = redis_status(redis_url)
        healthy = body["redis"] == "ok"
    try:
        body["queue"] = queue_counts(session)
    except SQLAlchemyError as err:  # e.g. a database not upgraded yet: no job table
        session.rollback()
        body["queue"] = type(err).__name__
        healthy = False
    body["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    if not healthy:
        body["status"] = "error"
    return Health(body, healthy)


def redis_status(url: str) -> str:
    """``"ok"`` when Redis answers PING, else a word for what went wrong (the error's class,
    e.g. ``ConnectionError``, ``TimeoutError``, ``AuthenticationError``)."""
    try:
        return "ok" if redis_client(url).ping() else "no-answer"
    except Exception as err:  # noqa: BLE001 - any failure is the answer, never a 500
        return type(err).__name__


@functools.lru_cache(maxsize=4)
def redis_client(url: str) -> Any:
    """One client (with its connection pool) per URL and process."""
    # Lazy for start-up speed: redis-py takes ~0.15 s to import, needed only with Redis.
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
