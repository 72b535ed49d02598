"""Real Chromium through Playwright (Debian's /usr/bin/chromium; Playwright downloads nothing),
driving the real app served from another process on a file SQLite database."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "browser-test-secret-key"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # under CI a missing browser is a failure, never a skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# ---------------------------------------------------------------- the app in another process


class LiveServer:
    """The real app in a subprocess on a fixed port; stop() and start() it like a restart."""

    def __init__(self, database_url: str, instance: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "ANNOTATOR_INSTANCE": str(instance),
            "ANNOTATOR_RATELIMIT_ENABLED": "false",  # parsed as JSON: tests log in often
            "PYTHONUNBUFFERED": "1",
            # The automatic pass writes a sentence per chunk and pauses: its progress panel
            # shows a running job for a moment even on a three-sentence project.
            "ANNOTATOR_AUTO_CHUNK_SENTENCES": "1",
            "ANNOTATOR_AUTO_PAUSE_SECONDS": "1.0",  # > heartbeat + poll: a mid-way value is seen
        }
        self.env.pop("FLASK_DEBUG", None)
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        assert self.process is None, "server already running"
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.serve", str(self.port)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )
        # Background jobs (uploads ...) run in a worker beside the server, as in `make run`.
        self.start_worker()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"the app exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"the app did not answer in {timeout} s:\n{self.log.read_text()[-3000:]}"
        )

    def start_worker(self) -> None:
        """Start the background-job worker (`annotator worker`) beside the server."""
        assert self.worker is None, "worker already running"
        with open(self.log, "ab") as out:
            self.worker = subprocess.Popen(
                [sys.executable, "-c", "from annotator.cli import main; main()", "worker",
                 "--threads", "1", "--reap-every", "1"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )

    def stop_worker(self) -> None:
        """Stop the worker: jobs started meanwhile wait in the queue."""
        if self.worker is None:
            return
        self.worker.terminate()
        try:
            self.worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait()
        self.worker = None

    def stop(self) -> None:
        self.stop_worker()
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Database:
    """The test process's handle on the server's database file (seeding and checking)."""

    def __init__(self, url: str) -> None:
        from annotator import create_app

        self.app = create_app(
            {"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
             "RATELIMIT_ENABLED": False}
        )
        from annotator.extensions import db

        self.db = db
        with self.app.app_context():
            db.create_all()

    @contextmanager
    def session(self) -> Iterator:
        """A fresh session (sees everything the server committed); commits on success."""
        with self.app.app_context():
            session = self.db.session
            try:
                yield session
                session.commit()
            finally:
                session.remove()

    def close(self) -> None:
        with self.app.app_context():
            self.db.session.remove()
            self.db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("browser-db") / "app.sqlite3"
    handle = Database(f"sqlite:///{path}")
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    instance = tmp_path_factory.mktemp("browser-instance")
    live = LiveServer(database.app.config["SQLALCHEMY_DATABASE_URI"], instance,
                      instance / "server.log")
    live.start()
    yield live
    live.stop()


@pytest.fixture
def live(server: LiveServer) -> Iterator[LiveServer]:
    """The shared server, running again after a test that stopped it."""
    if not server.running:
        server.start()
    yield server
    if not server.running:
        server.start()


_names = itertools.count(1)


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Names that no other test in the shared database uses."""
    number = next(_names)
    return lambda base: f"{base}{number}"


# ---------------------------------------------------------------- browser contexts and pages


@pytest.fixture
def new_context(browser) -> Iterator[Callable]:
    """Open browser contexts (separate cookie jars and storage); fail on any page error."""
    contexts = []
    errors: list[str] = []

    def watch(page) -> None:
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None,
        )

    def open_context():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.on("page", watch)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(new_context) -> Iterator:
    yield new_context().new_page()


def browser_login(page, base_url: str, username: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/projects/")
