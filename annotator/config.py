"""Default configuration: safe development values, no secrets; where the app's files are.

The templates, static files and migrations live in the top-level ``templates/``, ``static/``
and ``migrations/`` folders of the source tree. A wheel carries them inside the package, in
``annotator/_resources/`` (``setup.py`` copies them there at build time), so an installed app
finds them through its own package and needs no source tree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_RESOURCES = PACKAGE_DIR / "_resources"
# An installed wheel carries its resources; a source checkout (editable install, PYTHONPATH=.)
# has them beside the package.
INSTALLED = BUNDLED_RESOURCES.is_dir()
ROOT = BUNDLED_RESOURCES if INSTALLED else PACKAGE_DIR.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
MIGRATIONS_DIR = ROOT / "migrations"
# The instance folder (SQLite database, secret key, config.py): ANNOTATOR_INSTANCE, else
# <checkout>/instance, else, installed, <prefix>/var/annotator-instance as Flask puts it
# (<prefix>: the virtualenv or Python installation the package is installed in).
DEFAULT_INSTANCE = (Path(sys.prefix) / "var" / "annotator-instance" if INSTALLED
                    else PACKAGE_DIR.parent / "instance")
INSTANCE_DIR = Path(os.environ.get("ANNOTATOR_INSTANCE", DEFAULT_INSTANCE)).resolve()


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
    # Log-in rate limits: None counts them in Redis when REDIS_URL is set, else in the app's
    # database (every worker and server together; auth/limit_storage.py); or name a storage
    # URI (database://, redis://..., memory://). While the storage is unreachable each process
    # counts alone in memory rather than failing the log-in.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"  # failed or not, per client address
    # Per user name tried *from one address*: an attacker elsewhere cannot lock the owner out.
    LOGIN_LIMIT_PER_ACCOUNT = "10 per minute"
    # Requests per personal API token (Authorization: Bearer), counted in the same storage;
    # over it the API answers 429 with Retry-After.
    API_TOKEN_RATE_LIMIT = "600 per minute"
    PROXY_HOPS = 0  # set to the number of reverse proxies in front (X-Forwarded-* trusted)
    # SQLite: how long a write waits for the database's one write lock before giving up (then
    # the request answers 503 with Retry-After: BUSY_RETRY_AFTER_SECONDS, and the editor retries)
    SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
    BUSY_RETRY_AFTER_SECONDS = 1
    # Article imports (documents page, `annotator import-articles`) commit this many sentences
    # at a time, pausing between chunks so that saves waiting for the write lock go first.
    IMPORT_CHUNK_ROWS = 250
    IMPORT_PAUSE_SECONDS = 0.005
    # The shared tier of the cache (caching.py, cache_stores.py) behind each process's own:
    # "auto" = Redis when REDIS_URL is set, else a store on disk that every process of this
    # machine shares (SHARED_CACHE_DIR, default <instance>/cache); "redis", "disk" or "none"
    # to choose. Under TESTING "auto" means "none" (each test has its own database).
    SHARED_CACHE = "auto"
    SHARED_CACHE_DIR = None
    SHARED_CACHE_TTL_SECONDS = 24 * 3600  # an entry is dropped this long after it was written
    SHARED_CACHE_DISK_BYTES = 1024 ** 3  # the disk store's size limit (oldest go first)
    SHARED_CACHE_MAX_ITEM_BYTES = 64 * 1024 ** 2  # larger values stay in their process
    # The automatic pass as a job writes this many sentences' gold per transaction, then
    # pauses so that annotators' saves get the database between chunks (docs/adjudication.md).
    AUTO_CHUNK_SENTENCES = 50  # measured in docs/benchmarks.md (issue 15)
    AUTO_PAUSE_SECONDS = 0.005
    # The export page streams a download directly up to this many gold sentences (measured
    # under a second, docs/export.md); above, it offers "Prepare the file" (a background job).
    EXPORT_DIRECT_MAX_SENTENCES = 15_000
    # The agreement page computes a report not in the cache while the request waits up to this
    # many finished annotations (about a second, docs/agreement.md); above, a background job
    # computes it and the page shows its progress.
    AGREEMENT_JOB_MIN_ANNOTATIONS = 30_000
    # Background jobs (annotator/jobs): the queue is Redis when REDIS_URL is set, else the
    # app's PostgreSQL, else a SQLite file in the instance folder ("auto"); "immediate" runs a
    # job inside the call that starts it, "memory" keeps it in the process (tests).
    REDIS_URL = None
    JOBS_QUEUE = "auto"
    JOB_HEARTBEAT_SECONDS = 0.5  # a running job writes its progress and liveness this often
    JOB_STALE_SECONDS = 30  # no heartbeat for this long: its worker is gone, the job is re-run
    JOB_REQUEUE_SECONDS = 120  # queued this long and nobody took it: queued again
    JOB_FILES_KEEP_HOURS = 24  # uploads and export files of ended jobs are deleted after this
    # Trained models (annotator/learning): folders under MODEL_STORE (default: the instance
    # folder's models/), trained on the complete gold of the export split's train part, scored
    # on its dev part; MODEL_EPOCHS passes over the data unless `annotator train --epochs`,
    # fewer when the dev F1 stops improving (MODEL_PATIENCE).
    MODEL_STORE = None
    MODEL_SPLIT = "80/10/10"
    MODEL_SEED = 0
    MODEL_EPOCHS = 10
    MODEL_PATIENCE = 3  # stop after this many epochs without a better dev F1 (0: never)
    PG_DUMP = None  # path of pg_dump for `annotator backup`; default: PATH, then Debian's builds
