"""The scaled deployment for real: two `annotator serve` instances (gunicorn, 2 workers each)
and two `annotator worker` processes on one PostgreSQL and one Redis, configured by
DATABASE_URL and REDIS_URL alone (the servers and helpers: tests/ops/cluster.py).

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
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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
from tests.ops.cluster import (
    REDIS_SERVER,
    ROOT,
    SECRET,
    SENTENCES_PER_ARTICLE,
    TOKEN_RE,
    Cluster,
    articles,
    follow,
    http_status,
    imported,
    prepare_conflict,
    redis_client,
    require,
    run_async,
    sign_in,
    start,
    stop,
    upload,
    wait_until,
)
from tests.pg import TempPostgres

pytestmark = pytest.mark.own_servers

CLIENTS = 8  # simulated annotators, half on each instance
FLOW_SECONDS = 6
ACCOUNT_LIMIT = 5  # log-in attempts per account (and address) per minute
# The workers import in small chunks with a pause between two, so an import of a few thousand
# sentences runs for seconds (long enough to be caught half-way), and a worker that stops
# beating is taken over after 4 s (the default is 30).
WORKER_SETTINGS = {"ANNOTATOR_IMPORT_CHUNK_ROWS": "250", "ANNOTATOR_IMPORT_PAUSE_SECONDS": "0.1",
                   "ANNOTATOR_JOB_STALE_SECONDS": "4", "ANNOTATOR_JOB_HEARTBEAT_SECONDS": "0.5"}
CONFLICT_LINK_RE = re.compile(r"/sentences/\d+/conflicts/(\d+)/(\d+)")


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
        workers = []
        for n in (1, 2):
            env = {**os.environ, **WORKER_SETTINGS, "DATABASE_URL": url,
                   "REDIS_URL": redis_url, "SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT),
                   "ANNOTATOR_INSTANCE": str(root / f"instance-worker{n}")}
            workers.append(start([annotator_cli, "worker", "--threads", "2",
                                  "--reap-every", "0.5"], env, root / f"worker{n}.log"))
        processes.extend(workers)
        for port in ports:
            wait_until(lambda port=port: http_status(port, "/healthz") == 200,
                       f"annotator serve on {port}")
        yield Cluster(url, redis_url, ports, logs, load_batch, scene, workers, processes)
    finally:
        stop(processes)
        pg.stop()


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

    stats = run_async(flow())
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

    statuses = run_async(attempts())
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

    seen = run_async(scenario())
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


def test_a_job_started_through_a_runs_once_and_b_reads_its_progress(cluster: Cluster) -> None:
    """An import uploaded through A is run by one of the workers, once; its progress is read
    through B all along."""
    project = cluster.scene["imports"]
    before = imported(cluster.url, project)

    async def scenario() -> list[dict]:
        chief_a = Connection("127.0.0.1", cluster.ports[0])
        chief_b = Connection("127.0.0.1", cluster.ports[1])
        try:
            for conn in (chief_a, chief_b):
                assert (await sign_in(conn, "chief"))[0] == 302
            job_id = await upload(chief_a, project, "reports.jsonl", articles(150, 0))
            return await follow(chief_b, job_id, lambda j: j["state"] not in ("queued",
                                                                             "running"))
        finally:
            await chief_a.close()
            await chief_b.close()

    seen = run_async(scenario())
    last = seen[-1]
    assert last["state"] == "done" and last["attempts"] == 1, last
    assert last["progress"] == 1.0 and last["result"]["documents_added"] == 150
    # B saw it run, part-way: progress going up between 0 and 1
    partway = [j["progress"] for j in seen if j["state"] == "running" and 0 < j["progress"] < 1]
    assert partway and partway == sorted(partway), [(j["state"], j["progress"]) for j in seen]
    after = imported(cluster.url, project)
    assert after["documents"] - before["documents"] == 150
    assert after["sentences"] - before["sentences"] == last["result"]["sentences_added"] \
        == 150 * SENTENCES_PER_ARTICLE
    assert after["hidden"] == after["twice"] == 0


def test_a_worker_killed_mid_job_is_taken_over_and_the_job_completes_once(
        cluster: Cluster) -> None:
    """`kill -9` of the worker running an import, half-way: the other worker takes the job
    over when the first stops beating, removes what the dead attempt staged and publishes the
    import once: no document or sentence twice, none hidden left behind."""
    project = cluster.scene["imports"]
    before = imported(cluster.url, project)
    count = 600

    async def start_and_kill() -> tuple[int, dict]:
        chief = Connection("127.0.0.1", cluster.ports[0])
        try:
            assert (await sign_in(chief, "chief"))[0] == 302
            job_id = await upload(chief, project, "big.jsonl", articles(count, 1000))
            running = (await follow(chief, job_id, lambda j: j["state"] == "running"
                                    and j["progress"] >= 0.15))[-1]
            return job_id, running
        finally:
            await chief.close()

    job_id, running = run_async(start_and_kill())
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        holder = conn.execute(text("SELECT worker FROM job WHERE id = :j"), {"j": job_id}).scalar()
    engine.dispose()
    pid = int(holder.split(":")[1])
    victim = next(w for w in cluster.workers if w.pid == pid)  # one of ours, by its id
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    staged = imported(cluster.url, project)
    assert staged["hidden"] > 0  # the dead attempt left staged documents, hidden

    async def watch() -> list[dict]:
        reader = Connection("127.0.0.1", cluster.ports[1])
        try:
            assert (await sign_in(reader, "chief"))[0] == 302
            return await follow(reader, job_id, lambda j: j["state"] not in ("queued",
                                                                            "running"))
        finally:
            await reader.close()

    last = run_async(watch())[-1]
    assert last["state"] == "done" and last["attempts"] == 2, last
    after = imported(cluster.url, project)
    assert after["documents"] - before["documents"] == count
    assert after["sentences"] - before["sentences"] == count * SENTENCES_PER_ARTICLE
    assert after["hidden"] == after["twice"] == 0
    survivor = next(w for w in cluster.workers if w is not victim)
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        holder = conn.execute(text("SELECT worker FROM job WHERE id = :j"), {"j": job_id}).scalar()
        log = conn.execute(text("SELECT log FROM job WHERE id = :j"), {"j": job_id}).scalar()
    engine.dispose()
    assert holder is None or int(holder.split(":")[1]) == survivor.pid
    assert "queued again" in log


def test_healthz_reports_database_redis_and_queue_on_each_instance(cluster: Cluster) -> None:
    for port in cluster.ports:
        assert http_status(port, "/healthz") == 200
    import urllib.request

    with urllib.request.urlopen(f"{cluster.base(1)}/healthz", timeout=5) as answer:
        body = json.loads(answer.read())
    assert body["database"] == "ok" and body["redis"] == "ok" and body["engine"] == "postgresql"
    assert body["queue"] == {"queued": 0, "running": 0}  # every job of the tests above ended
