"""Default configuration: safe development values, no secrets."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("ANNOTATOR_INSTANCE", ROOT / "instance")).resolve()


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; annotators keep pages open
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024  # uploads; JSON calls have their own, smaller cap
    MAX_JSON_BYTES = 1024 * 1024
    # A client reports seconds spent on a sentence; anything beyond this is an idle tab.
    MAX_TIME_SPENT_SECONDS = 30 * 60
    SENTENCES_PER_PAGE = 50
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"  # failed or not, per client address
    LOGIN_LIMIT_PER_ACCOUNT = "10 per minute"  # per user name tried, whoever tries it
    PROXY_HOPS = 0  # set to the number of reverse proxies in front (X-Forwarded-* trusted)
    # SQLite: how long a write waits for the database's one write lock before giving up (then
    # the request answers 503 with Retry-After: BUSY_RETRY_AFTER_SECONDS, and the editor retries)
    SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
    BUSY_RETRY_AFTER_SECONDS = 1
    # Article imports (documents page, `annotator import-articles`) commit this many sentences
    # at a time, pausing between chunks so that saves waiting for the write lock go first.
    IMPORT_CHUNK_ROWS = 2000
    IMPORT_PAUSE_SECONDS = 0.005
    PG_DUMP = None  # path of pg_dump for `annotator backup`; default: PATH, then Debian's builds
