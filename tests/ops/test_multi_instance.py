"""The scaled deployment for real: two `annotator serve` instances (gunicorn, 2 workers each) on
one PostgreSQL and one Redis, configured by DATABASE_URL and REDIS_URL alone.

The module starts every server itself, on loopback only (PostgreSQL on a unix socket), keeps
their process ids and stops them by id when it ends. It runs once, in the SQLite run of
`make test` (marker ``own_servers``: its database is its own PostgreSQL whatever the run);
under CI=true a missing redis-server or PostgreSQL fails it, elsewhere it is skipped, saying
which (`make system-deps` installs both).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.load_test import (
    Connection,
    Stats,
    annotator,
    free_port,
    log_in,
    prepare_database,
    verify,
)
from tests.factories import DEFAULT_PASSWORD
from tests.pg import TempPostgres

pytestmark = pytest.mark.own_servers

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SECRET = "multi-instance-test-secret"
CLIENTS = 8  # simulated annotators, half on each instance
FLOW_SECONDS = 6
ACCOUNT_LIMIT = 5  # log-in attempts per account (and address) per minute
TOKEN_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
CONFLICT_LINK_RE = re.compile(r"/sentences/\d+/conflicts/(\d+)/(\d+)")
# Original demo-style text: the second sentence is the one the three annotators disagree on.
ARTICLE = ("Heavy fighting was reported on Sunday around the northern town of Sarmin. "
           "Militiamen of the 4th Division shelled Sarmin overnight, residents said. "
           "Aid convoys were turned back at the Bab al-Hawa crossing.")


def require(what: str, found: bool) -> None:
    """Skip (fail under CI=true) when a server this test needs is not installed."""
    if found:
        return
    message = f"{what} is not installed (make system-deps installs it with apt-get)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Cluster:
    url: str
    redis_url: str
    ports: list[int]
    logs: list[Path]
    load_batch: int
    scene: dict
    processes: list[subprocess.Popen] = field(default_factory=list)

    def base(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop each process group this module started, by its leader's id: TERM, then KILL."""
    for process in reversed(processes):
        if process.poll() is not None:
            continue
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a server in a process group of its own, its output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not ready after {timeout:.0f} s")


def prepare_conflict(url: str) -> dict:
    """A second project: an admin and three annotators on one article; alice and bob finish
    the second sentence with different labels, carol leaves it in progress, and the automatic
    pass leaves the disagreement to a curator (one open conflict)."""
    from annotator import create_app
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.corpus.models import Sentence
    from annotator.extensions import db
    from tests.factories import add_members, make_document, make_project, make_user

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "SHARED_CACHE": "none"})
    with app.app_context():
        chief = make_user(db.session, "chief", "admin")
        people = {name: make_user(db.session, name) for name in ("alice", "bob", "carol")}
        project = make_project(db.session, "Sarmin shelling")
        add_members(db.session, project, *people.values())
        make_document(db.session, project, "Shelling of Sarmin", ARTICLE)
        sentence = db.session.scalars(select_second_sentence(Sentence, project.id)).one()
        start = sentence.text.index("Militiamen")
        words = (start, start + len("Militiamen"))
        for name, label, status in (("alice", "ACTOR", "done"), ("bob", "UNIT", "done"),
                                    ("carol", None, "in_progress")):
            spans = [] if label is None else [
                {"start": words[0], "end": words[1], "label": label, "attributes": {}}]
            save_annotation(db.session, people[name], sentence.id,
                            AnnotationIn(spans=spans, status=status, version=0, time_spent=3.0),
                            max_spent=1800)
        auto_adjudicate(db.session, project.id, min_agree=2, actor=chief)
        db.session.commit()
        place = sentence.text.index("Sarmin")
        scene = {"project": project.id, "sentence": sentence.id, "words": words,
                 "place": (place, place + len("Sarmin"))}
        db.engine.dispose()
    return scene


def select_second_sentence(sentence, project_id: int):
    from sqlalchemy import select

    return select(sentence).where(sentence.project_id == project_id, sentence.index == 1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require("redis-server", os.access(REDIS_SERVER, os.X_OK))
    try:
        pg = TempPostgres("-c max_connections=200")
    except FileNotFoundError:
        require("PostgreSQL", False)
    root = tmp_path_factory.mktemp("cluster")
    processes: list[subprocess.Popen] = []
    try:
        url = pg.start().format(db="multi")
        pg.create_database("multi")
        redis_port = free_port()
        (root / "redis").mkdir()
        processes.append(start(
            [REDIS_SERVER, "--port", str(redis_port), "--bind", "127.0.0.1",
             "--protected-mode", "yes", "--save", "", "--appendonly", "no",
             "--dir", str(root / "redis"), "--daemonize", "no"],
            dict(os.environ), root / "redis.log"))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        wait_until(lambda: redis_client(redis_url).ping(), "redis-server")
        load_batch = prepare_database(url, CLIENTS, 80)  # schema by migrations, load users
        scene = prepare_conflict(url)
        annotator_cli = str(Path(sys.executable).with_name("annotator"))
        ports, logs = [free_port(), free_port()], []
        for name, port in zip("AB", ports, strict=True):
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url,
                   "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT),
                   # each its own instance folder: nothing is shared through the disk
                   "ANNOTATOR_INSTANCE": str(root / f"instance-{name}"),
                   "ANNOTATOR_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
                   "ANNOTATOR_LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per minute"}
            logs.append(root / f"serve-{name}.log")
            processes.append(start(
                [annotator_cli, "serve", "--workers", "2", "--host", "127.0.0.1",
                 "--port", str(port), "--no-control-socket"], env, logs[-1]))
        for port in ports:
            wait_until(lambda port=port: http_status(port, "/healthz") == 200,
                       f"annotator serve on {port}")
        yield Cluster(url, redis_url, ports, logs, load_batch, scene, processes)
    finally:
        stop(processes)
        pg.stop()


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def http_status(port: int, path: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


async def sign_in(conn: Connection, name: str, password: str = DEFAULT_PASSWORD) -> tuple[
        int, str]:
    """Post the log-in form (CSRF included); return the status and the form's token."""
    _, page = await conn.request("GET", "/login")
    token = TOKEN_RE.search(page.decode()).group(1)
    form = urllib.parse.urlencode({"username": name, "password": password, "csrf_token": token})
    status, _ = await conn.request("POST", "/login", form.encode(),
                                   content_type="application/x-www-form-urlencoded")
    return status, token


def test_load_test_clients_split_across_both_instances_lose_nothing(cluster: Cluster) -> None:
    """bench/load_test.py's simulated annotators, half through A and half through B, at once:
    0 errors, and the database holds exactly what each save the clients were told landed."""

    async def flow() -> Stats:
        stats = Stats()
        conns = [Connection("127.0.0.1", cluster.ports[i % 2]) for i in range(CLIENTS)]
        try:
            headers = await asyncio.gather(*(log_in(c, f"load{i}") for i, c in enumerate(conns)))
            deadline = time.perf_counter() + FLOW_SECONDS
            await asyncio.gather(*(
                annotator(c, h, f"load{i}", cluster.load_batch, deadline, stats,
                          random.Random(i))
                for i, (c, h) in enumerate(zip(conns, headers, strict=True))))
        finally:
            for c in conns:
                await c.close()
        return stats

    stats = asyncio.run(flow())
    assert stats.errors == []
    assert stats.saves >= 4 * CLIENTS  # every client went through several sentences
    annotations, duplicates, problems = verify(cluster.url, stats)
    # (the conflict scene's three annotations are not the load clients')
    assert [p for p in problems if p.startswith("('load")] == [] and duplicates == 0
    assert annotations == len(stats.last_saved) + 3
    # both instances took saves (their access logs)
    puts = [log.read_text().count('"PUT /api/sentences/') for log in cluster.logs]
    assert all(n >= 2 * CLIENTS for n in puts), puts


def test_bad_log_ins_split_across_the_instances_are_counted_together(cluster: Cluster) -> None:
    """10 wrong passwords for one account, alternately through A and B: past the configured
    limit (5 a minute) every instance answers 429, so they count in one place, Redis."""

    async def attempts() -> list[int]:
        conns = [Connection("127.0.0.1", port) for port in cluster.ports]
        statuses = []
        try:
            for i in range(10):
                status, _ = await sign_in(conns[i % 2], "alice", "not-her-password")
                statuses.append(status)
        finally:
            for c in conns:
                await c.close()
        return statuses

    statuses = asyncio.run(attempts())
    assert [s == 429 for s in statuses] == [False] * ACCOUNT_LIMIT + [True] * ACCOUNT_LIMIT, \
        statuses
    assert redis_client(cluster.redis_url).keys("LIMITS*")  # the counters are in Redis
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM rate_limit_counter")).scalar() == 0
    engine.dispose()


def test_a_save_through_a_is_seen_by_b_on_the_next_request(cluster: Cluster) -> None:
    """B's agreement report and conflict queue are cached (in B's workers and in Redis); carol
    finishes her annotation through A; B's next answers show it (fingerprints, docs/
    operations.md)."""
    project, sentence = cluster.scene["project"], cluster.scene["sentence"]
    start, end = cluster.scene["words"]
    b_agreement = f"/projects/{project}/agreement.json"
    b_queue = f"/projects/{project}/adjudication"

    async def scenario() -> dict:
        chief_b = Connection("127.0.0.1", cluster.ports[1])
        carol_a = Connection("127.0.0.1", cluster.ports[0])
        seen: dict = {}
        try:
            assert (await sign_in(chief_b, "chief"))[0] == 302
            for turn in ("before", "again"):  # twice: the second answer comes from a cache
                seen[f"report_{turn}"] = json.loads((await chief_b.request("GET", b_agreement))[1])
                page = (await chief_b.request("GET", b_queue))[1].decode()
                seen[f"queue_{turn}"] = conflicts_listed(page)
            seen["shared"] = sorted(
                name.decode().split(":")[-2]
                for name in redis_client(cluster.redis_url).scan_iter("annotator:cache:*"))
            assert (await sign_in(carol_a, "carol"))[0] == 302
            _, page = await carol_a.request("GET", "/projects/")
            csrf = f"X-CSRFToken: {TOKEN_RE.search(page.decode()).group(1)}\r\n"
            path = f"/api/sentences/{sentence}/annotation"
            status, body = await carol_a.request("GET", path)
            assert status == 200, body
            # carol sides with alice (ACTOR: two of three agree, that conflict is gone) and
            # marks the town alone (a new conflict: the others missed it)
            place = cluster.scene["place"]
            save = {"spans": [{"start": start, "end": end, "label": "ACTOR", "attributes": {}},
                              {"start": place[0], "end": place[1], "label": "LOCATION",
                               "attributes": {}}],
                    "status": "done", "version": json.loads(body)["version"], "time_spent": 4}
            status, body = await carol_a.request("PUT", path, json.dumps(save).encode(),
                                                 headers=csrf)
            assert status == 200, body
            seen["report_after"] = json.loads((await chief_b.request("GET", b_agreement))[1])
            page = (await chief_b.request("GET", b_queue))[1].decode()
            seen["queue_after"] = conflicts_listed(page)
        finally:
            await chief_b.close()
            await carol_a.close()
        return seen

    seen = asyncio.run(scenario())
    assert seen["report_before"] == seen["report_again"]
    assert seen["queue_before"] == seen["queue_again"] == {(start, end)}
    # B's report and conflict lists went to Redis, where A and every worker find them
    assert {"report", "conflicts", "label-agreement"} <= set(seen["shared"]), seen["shared"]
    assert "corpus" not in seen["shared"]
    assert seen["queue_after"] == {cluster.scene["place"]}
    assert annotators_of(seen["report_after"]) == annotators_of(seen["report_before"]) + 1


def conflicts_listed(page: str) -> set[tuple[int, int]]:
    """The regions of the conflicts the queue page links to."""
    return {(int(a), int(b)) for a, b in CONFLICT_LINK_RE.findall(page)}


def annotators_of(report: dict) -> int:
    """How many annotators' finished work the report measured."""
    return len(report["annotators"])


def test_healthz_reports_database_redis_and_queue_on_each_instance(cluster: Cluster) -> None:
    for port in cluster.ports:
        assert http_status(port, "/healthz") == 200
    import urllib.request

    with urllib.request.urlopen(f"{cluster.base(1)}/healthz", timeout=5) as answer:
        body = json.loads(answer.read())
    assert body["database"] == "ok" and body["redis"] == "ok" and body["engine"] == "postgresql"
