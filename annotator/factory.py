"""Build the Flask app: config, the database, migrations, then (for the web app) the web layer
and the CLI on ``app.cli``.

The command line asks for less: a command such as ``annotator export`` needs the config and the
database only, not a single view, template or form, nor Alembic; ``build_app(web=False)`` makes
that app (about half the start-up).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from annotator import (
    cache_stores,
    caching,
    models,  # noqa: F401  (registers every table on the metadata)
)
from annotator.config import INSTANCE_DIR, MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, Defaults
from annotator.extensions import db
from annotator.jobs import queue as jobs_queue


def build_app(test_config: Mapping[str, Any] | None = None, *, web: bool = True,
              migrations: bool = True) -> Flask:
    """Create and configure an app instance: the whole web app, or (``web=False``) the
    database and config alone, with or without the migrations (Flask-Migrate)."""
    # The instance folder holds the database and the secret key: its owner's alone.
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    app = Flask(
        "annotator",
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ANNOTATOR")
        configure_database_url(app)
        configure_redis_url(app)
        configure_secret_key(app)
    else:
        app.config.update(test_config)
    configure_busy_timeout(app)
    configure_rate_limit_storage(app)
    configure_cache(app)
    db.init_app(app)
    jobs_queue.init_app(app)
    if migrations or web:
        register_migrations(app)
    if web:
        # Lazy for start-up speed: the web layer imports every view, form and template helper.
        from annotator import web as web_layer

        web_layer.register(app)
        register_cli(app)
    return app


def register_migrations(app: Flask) -> None:
    """Flask-Migrate (Alembic) over ``migrations/``: the `db` commands and `init-db`."""
    # Lazy for start-up speed: Alembic is a third of a command's start-up, needed by few.
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)


def configure_database_url(app: Flask) -> None:
    """DATABASE_URL wins; otherwise the embedded SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{INSTANCE_DIR / 'annotator.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def configure_redis_url(app: Flask) -> None:
    """REDIS_URL from the environment (like DATABASE_URL), else the config's (or none)."""
    url = os.environ.get("REDIS_URL") or app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = url or None


def configure_rate_limit_storage(app: Flask) -> None:
    """Log-in counters: the storage named, else Redis when configured, else the database."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "database://"


def configure_cache(app: Flask) -> None:
    """Put the configured store under ``caching``: this process's LRU in front of Redis or of
    the machine's disk store (``cache_stores``; ``SHARED_CACHE``)."""
    directory = app.config.get("SHARED_CACHE_DIR") or Path(app.instance_path) / "cache"
    caching.use_store(cache_stores.build_store(
        mode=str(app.config.get("SHARED_CACHE") or "none"),
        redis_url=app.config.get("REDIS_URL"),
        directory=Path(directory),
        secret=str(app.config.get("SECRET_KEY") or ""),
        ttl=int(app.config["SHARED_CACHE_TTL_SECONDS"]),
        disk_bytes=int(app.config["SHARED_CACHE_DISK_BYTES"]),
        max_item_bytes=int(app.config["SHARED_CACHE_MAX_ITEM_BYTES"]),
        testing=bool(app.config.get("TESTING")),
    ))


def configure_busy_timeout(app: Flask) -> None:
    """SQLite: wait SQLITE_BUSY_TIMEOUT_SECONDS for the write lock (the driver's ``timeout``)."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url.startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]))
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_secret_key(app: Flask) -> None:
    """SECRET_KEY from the environment, else one generated once into the instance folder."""
    key = os.environ.get("SECRET_KEY") or app.config.get("SECRET_KEY")
    if not key:
        path = INSTANCE_DIR / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        key = path.read_text().strip()
    app.config["SECRET_KEY"] = key


@event.listens_for(Engine, "do_connect")
def _create_sqlite_file_private(dialect, connection_record, cargs, cparams) -> None:
    """Create a new SQLite database file readable by its owner only (0600).

    SQLite would create it with the process umask (usually 0644, readable by every local
    user); made here first, it gets 0600, and SQLite gives its -wal, -shm and -journal files
    the database file's own permissions.
    """
    if dialect.name != "sqlite" or not cargs or cparams.get("uri"):
        return
    path = str(cargs[0])
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # no such folder, or not writable: SQLite reports it in its own words


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Make SQLite fit for concurrent use: WAL, foreign keys enforced (the busy timeout is the
    driver's ``timeout``, set from SQLITE_BUSY_TIMEOUT_SECONDS; 5 s by default)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_cli(app: Flask) -> None:
    """The `annotator` commands on ``app.cli`` too, for ``flask --app annotator ...``."""
    # Lazy for start-up speed: each command's module imports its services.
    from annotator.commands import catalog

    for command in catalog.load_all():
        app.cli.add_command(command)
