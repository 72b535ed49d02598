"""Log-in rate limits: counted in the database, so they hold across workers, app instances
and restarts; per account *and* address, so nobody can lock an account's owner out."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from annotator import create_app
from annotator.extensions import db as handle
from tests.conftest import IsolatedClient, csrf_from
from tests.factories import prepare_project
from tests.ops.test_serving import free_port


def limited_app(database_url: str, **config):
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                      "LOGIN_LIMIT_PER_ADDRESS": "100 per minute", **config})
    app.test_client_class = IsolatedClient
    return app


def try_login(client, username: str, password: str, address: str) -> int:
    where = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=where).get_data(as_text=True))
    return client.post("/login", environ_base=where, data={
        "username": username, "password": password, "csrf_token": token}).status_code


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(database_url: str) -> None:
    app = limited_app(database_url)
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
    attacker, owner = app.test_client(), app.test_client()
    codes = [try_login(attacker, name, "guess-guess-1", "203.0.113.66")
             for name in ("ann_a", "ANN_A", "Ann_A", "ann_a")]  # case variants: one account
    assert codes == [200, 200, 200, 429]
    assert try_login(attacker, "ann_a", "correct-horse-battery", "203.0.113.66") == 429
    # the owner, from their own address, still logs in while the account is hammered
    assert try_login(owner, "ann_a", "correct-horse-battery", "198.51.100.7") == 302
    with app.app_context():
        handle.engine.dispose()


def test_counters_are_shared_by_app_instances_and_survive_a_restart(database_url: str) -> None:
    """Two app instances on one database count together, and a third started afterwards (a
    restart: a new storage object) still remembers. (In one process the two share the
    Limiter; separate processes are the gunicorn test below.)"""
    first, second = limited_app(database_url), limited_app(database_url)
    with first.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
    a, b = first.test_client(), second.test_client()
    codes = [try_login(client, "ann_b", "guess-guess-2", "192.0.2.5") for client in (a, b, a, b)]
    assert codes == [200, 200, 200, 429]
    restarted = limited_app(database_url)
    assert try_login(restarted.test_client(), "ann_b", "guess-guess-2", "192.0.2.5") == 429
    for app in (first, second, restarted):
        with app.app_context():
            handle.engine.dispose()


def test_four_gunicorn_workers_refuse_the_try_after_the_limit(tmp_path: Path) -> None:
    """`annotator serve --workers 4` on SQLite: the 6th bad try of a 5-per-minute limit gets
    429, not the 21st (4 workers counting alone)."""
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = limited_app(url)
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
        handle.engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "limits-test-secret",
           "ANNOTATOR_INSTANCE": str(tmp_path), "PYTHONPATH": str(Path.cwd()),
           "ANNOTATOR_LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
           "ANNOTATOR_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("annotator")), "serve", "--workers", "4",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with browser.open(base + path, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def workers() -> set[str]:
        return set(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split())

    def wait_for(condition) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except OSError:  # not up yet: a worker still importing the app on a busy machine
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not come up")

    try:
        wait_for(lambda: call("/healthz")[0] == 200 and len(workers()) == 4)
        token = re.search(r'name="csrf-token" content="([^"]+)"', call("/login")[1]).group(1)
        bad = {"username": "ann_a", "password": "guess-guess-3", "csrf_token": token}
        codes = [call("/login", bad)[0] for _ in range(6)]
        assert codes == [200] * 5 + [429]
    finally:
        os.killpg(server.pid, signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=60)


def test_a_dead_redis_for_the_counters_means_counting_in_the_process(database_url: str) -> None:
    """REDIS_URL set, nothing listening there: log-ins still work, and are still limited, by
    each process alone (Flask-Limiter's in-memory fallback), never a 500."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens
    app = limited_app(database_url, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    assert app.config["RATELIMIT_STORAGE_URI"] == f"redis://127.0.0.1:{port}/0"
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
    client = app.test_client()
    codes = [try_login(client, "ann_a", "guess-guess-1", "203.0.113.9") for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert try_login(app.test_client(), "ann_b", "correct-horse-battery", "198.51.100.8") == 302
    with app.app_context():
        handle.engine.dispose()
