"""Load test: N simulated annotators against gunicorn (4 workers), then check nothing was lost.

The server runs as `annotator serve` runs it: gunicorn, 4 sync worker processes (one request
at a time each, every request on a new connection; the kernel hands each new connection to
whichever worker is free); `--threads 4` measures gthread workers (keep-alive, 4 threads per
process) instead.

Each simulated annotator runs the real flow over loopback: log in (form + CSRF), ask for the
next sentence of their queue (`GET /api/queue/next`), load it (`GET /api/sentences/<id>/
annotation`), save 1-5 span edits (`PUT`, no think time), mark it done (a last `PUT`), and
repeat until the time is up. Afterwards the database must hold exactly the spans each client
last saved (confirmed with a 200), with one annotation per annotator and sentence.

The client is our own asyncio program (a minimal keep-alive HTTP/1.1 client on asyncio streams,
class Connection), not locust: one process and one event loop drive hundreds of connections
with little CPU (a fraction of aiohttp's per request), which matters on a 2-core machine where
the load generator competes with the server, and every client remembers exactly what it saved
for the nothing-lost check. Before the flow, the same N clients hammer `GET /healthz` (one
`SELECT 1` through the same gunicorn, Flask and database stack) for a few seconds: that rate,
measured in the same run, is the ceiling the saves are compared with, so a loaded machine
shows as a low ceiling rather than as a slow app.

Databases: SQLite (WAL, synchronous=NORMAL, as the app configures it) in a temp file, or a
throwaway PostgreSQL 15 server on a unix socket (tests/pg.py) run with its durable defaults
(fsync and synchronous_commit on; the test suite turns fsync off, a benchmark must not).

Run one:      `.venv/bin/python bench/load_test.py --db sqlite --clients 16 --seconds 20`
Run the lot:  `.venv/bin/python bench/load_test.py --matrix` (both databases, N = 10, 16, 50,
              200, median of --repeat runs per cell) or `bench/run_load_tests.sh`; either
              prints a Markdown table to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "load-test-password"
LABELS = ["ACTOR", "LOCATION", "UNIT", "EVENT"]
EVENT_TYPES = ["armed_clash", "shelling_artillery_missile", "air_drone_strike"]
MATRIX_CLIENTS = (10, 16, 50, 200)
# Targets from issue 6, and doccano 1.8.4 as the issue reports it on this machine (given).
TARGETS = {16: (320.0, 50.0), 50: (None, 100.0)}  # N: (min saves/s, max save p99 ms)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, clients: int, sentences_each: int) -> int:
    """Schema via migrations, a project, users, articles, and one batch (overlap 1)."""
    from flask_migrate import upgrade

    from annotator import create_app
    from annotator.assignments.services import create_batch
    from annotator.auth.services import create_user
    from annotator.corpus.importing import import_articles
    from annotator.extensions import db
    from annotator.projects.services import create_project

    app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        project = create_project(db.session, "load")
        names = [f"load{i}" for i in range(clients)]
        for name in names:
            create_user(db.session, name, PASSWORD, "annotator")
        rng = random.Random(1)
        total = clients * sentences_each
        lines = []
        for a in range(total // 20 + 1):
            body = " ".join(
                f"Fighters of unit {a}-{j} shelled the village of Tal {rng.randint(1, 999)} "
                f"near the {rng.choice(['M4', 'M5'])} highway, officials said."
                for j in range(20)
            )
            lines.append(json.dumps({"title": f"Article {a}", "text": body}))
        import_articles(db.session, project.id, [("load.jsonl", "\n".join(lines).encode())])
        batch = create_batch(db.session, project.id, source="remaining", annotators=names,
                             overlap=1, seed=1)
        db.session.commit()
        batch_id = batch.batch.id
        db.engine.dispose()
    return batch_id


@dataclass
class Stats:
    save_latency: list[float] = field(default_factory=list)
    save_log: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    next_latency: list[float] = field(default_factory=list)
    load_latency: list[float] = field(default_factory=list)
    saves: int = 0
    requests: int = 0
    exhausted: list[str] = field(default_factory=list)  # clients that finished their queue
    errors: list[str] = field(default_factory=list)
    # (user, sentence) -> spans of the last save the server confirmed with 200
    last_saved: dict[tuple[str, int], list[tuple[int, int, str, str | None]]] = field(
        default_factory=dict)
    first_save: float | None = None
    last_save: float | None = None


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


class Connection:
    """One keep-alive HTTP/1.1 connection with its session cookie: one browser tab.

    A minimal client (asyncio streams, requests written as bytes, answers read by
    Content-Length): a fraction of a general client's CPU per request, which matters when the
    load generator shares the 2 cores with the server it measures.
    """

    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookie = ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None = None,
                      content_type: str = "application/json",
                      headers: str = "") -> tuple[int, bytes]:
        """Send one request and return (status, body); raise HttpError on failure."""
        if self.writer is None or self.reader.at_eof():
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}"
        if self.cookie:
            head += f"Cookie: {self.cookie}\r\n"
        if body is not None:
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        try:
            async with asyncio.timeout(self.timeout):
                self.writer.write(head.encode() + b"\r\n" + (body or b""))
                answer = await self.reader.readuntil(b"\r\n\r\n")
                status, length, close = self._parse_head(answer)
                data = await self.reader.readexactly(length) if length else b""
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                TimeoutError) as err:
            await self.close()
            raise HttpError(type(err).__name__) from None
        if close:
            await self.close()
        return status, data

    def _parse_head(self, head: bytes) -> tuple[int, int, bool]:
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 "):
            raise HttpError(f"not an HTTP/1.1 answer: {lines[0][:40]!r}")
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
            elif name == "transfer-encoding":
                raise HttpError("chunked answers are not supported by this client")
            elif name == "set-cookie" and value.strip().startswith("session="):
                self.cookie = value.strip().split(";", 1)[0]
        return int(lines[0][9:12]), length, close

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def log_in(conn: Connection, name: str) -> str:
    """Log in through the real form (CSRF included); return the X-CSRFToken header line."""
    status, page = await conn.request("GET", "/login")
    token = TOKEN_RE.search(page.decode()).group(1)
    form = urllib.parse.urlencode({"username": name, "password": PASSWORD, "csrf_token": token})
    status, _ = await conn.request("POST", "/login", form.encode(),
                                   content_type="application/x-www-form-urlencoded")
    if status != 302:
        raise RuntimeError(f"{name}: log-in answered {status}")
    status, page = await conn.request("GET", "/projects/")
    return f"X-CSRFToken: {TOKEN_RE.search(page.decode()).group(1)}\r\n"


def edit_spans(spans: list[dict], tokens: list[list[int]], rng: random.Random) -> None:
    """One span edit, as a person makes it: add a span on free tokens, relabel, or delete."""
    free = [t for t in tokens if all(t[1] <= s["start"] or t[0] >= s["end"] for s in spans)]
    roll = rng.random()
    if free and (not spans or roll < 0.6):
        start, end = rng.choice(free)
        position = tokens.index([start, end]) if [start, end] in tokens else -1
        if rng.random() < 0.3 and 0 <= position < len(tokens) - 1:
            following = tokens[position + 1]  # a two-token span if the next token is free
            if following in free:
                end = following[1]
        label = rng.choice(LABELS)
        attributes = {"event_type": rng.choice(EVENT_TYPES)} if label == "EVENT" else {}
        spans.append({"start": start, "end": end, "label": label, "attributes": attributes})
    elif spans and roll < 0.8:
        span = rng.choice(spans)
        span["label"] = rng.choice([lb for lb in LABELS if lb != "EVENT"])
        span["attributes"] = {}
    elif spans:
        spans.pop(rng.randrange(len(spans)))


async def annotator(conn: Connection, csrf: str, name: str, batch_id: int, deadline: float,
                    stats: Stats, rng: random.Random) -> None:
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        try:
            code, data = await conn.request("GET", f"/api/queue/next?batch={batch_id}")
        except HttpError as err:
            stats.errors.append(f"{name}: next {err}")
            return
        stats.requests += 1
        if code == 204:  # finished the whole queue: not an error, but reported
            stats.exhausted.append(name)
            return
        if code != 200:
            stats.errors.append(f"{name}: next {code}")
            return
        sentence_id = json.loads(data)["sentence_id"]
        stats.next_latency.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        try:
            code, data = await conn.request("GET", f"/api/sentences/{sentence_id}/annotation")
        except HttpError as err:
            stats.errors.append(f"{name}: load {err}")
            return
        stats.requests += 1
        if code != 200:
            stats.errors.append(f"{name}: load {code}")
            return
        state = json.loads(data)
        stats.load_latency.append(time.perf_counter() - t0)
        tokens, version = state["tokens"], state["version"]
        spans = [dict(s) for s in state["spans"]]
        edits = rng.randint(1, 5)
        path = f"/api/sentences/{sentence_id}/annotation"
        for edit in range(edits + 1):  # 1-5 span edits, then mark done
            if edit < edits:
                edit_spans(spans, tokens, rng)
            status = "done" if edit == edits else "in_progress"
            body = json.dumps({"spans": sorted(spans, key=lambda s: s["start"]),
                               "status": status, "version": version, "time_spent": 1.5})
            t0 = time.perf_counter()
            try:
                code, data = await conn.request("PUT", path, body.encode(), headers=csrf)
            except HttpError as err:
                stats.errors.append(f"{name}: save {err}")
                return
            done_at = time.perf_counter()
            stats.requests += 1
            stats.save_latency.append(done_at - t0)
            stats.save_log.append((t0, done_at - t0))
            if code != 200:
                stats.errors.append(f"{name}: save {code} {data[:200]!r}")
                return
            stats.saves += 1
            stats.first_save = stats.first_save or t0
            stats.last_save = done_at
            version = json.loads(data)["version"]
            stats.last_saved[(name, sentence_id)] = sorted(
                (s["start"], s["end"], s["label"], (s.get("attributes") or {}).get("event_type"))
                for s in spans)


async def run_clients(port: int, clients: int, batch_id: int, seconds: float,
                      ceiling_seconds: float, probe,
                      on_flow_start=None) -> tuple[Stats, float, float, dict]:
    """Log every client in, measure the /healthz ceiling, then run the flow for ``seconds``.

    Returns the stats, the flow's wall time, the ceiling in requests per second and the CPU
    seconds used during the flow (``probe()`` snapshots, subtracted).
    """
    stats = Stats()
    # one connection per simulated annotator, as a browser tab would mostly use
    conns = [Connection("127.0.0.1", port) for _ in range(clients)]
    try:
        headers = await asyncio.gather(*(log_in(c, f"load{i}") for i, c in enumerate(conns)))
        health_done = 0
        health_deadline = time.perf_counter() + ceiling_seconds

        async def hammer(conn: Connection) -> None:
            nonlocal health_done
            while time.perf_counter() < health_deadline:
                status, _ = await conn.request("GET", "/healthz")
                if status == 200:
                    health_done += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(hammer(c) for c in conns))
        ceiling = health_done / (time.perf_counter() - t0)
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        cpu_before = probe()
        if on_flow_start is not None:  # e.g. start an import that runs during the flow
            on_flow_start()
        await asyncio.gather(*(
            annotator(c, h, f"load{i}", batch_id, deadline, stats, random.Random(i))
            for i, (c, h) in enumerate(zip(conns, headers, strict=True))))
        cpu_after = probe()
        elapsed = time.perf_counter() - started
    finally:
        for c in conns:
            await c.close()
    return stats, elapsed, ceiling, {k: cpu_after[k] - cpu_before[k] for k in cpu_before}


def verify(url: str, stats: Stats) -> tuple[int, int, list[str]]:
    """Compare every client's last confirmed spans with the database; count duplicates."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems: list[str] = []
    with engine.connect() as conn:
        rows = conn.execute(text(
            'SELECT u.username, a.sentence_id, s.start, s."end", s.label, s.attributes '
            'FROM annotation a JOIN "user" u ON u.id = a.annotator_id '
            "JOIN sentence se ON se.id = a.sentence_id "
            "JOIN project p ON p.id = se.project_id "
            "LEFT JOIN span s ON s.annotation_id = a.id "
            "WHERE p.name = 'load'"  # the flow's project (a benchmark may add others)
        )).all()
        duplicates = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT annotator_id, sentence_id FROM annotation "
            "GROUP BY annotator_id, sentence_id HAVING COUNT(*) > 1) d")).scalar()
        annotations = conn.execute(text("SELECT COUNT(*) FROM annotation")).scalar()
    engine.dispose()
    stored: dict[tuple[str, int], list[tuple[int, int, str, str | None]]] = {}
    for username, sid, start, end, label, attributes in rows:
        stored.setdefault((username, sid), [])
        if start is not None:
            if isinstance(attributes, str):  # SQLite hands JSON back as text
                attributes = json.loads(attributes)
            stored[(username, sid)].append(
                (start, end, label, (attributes or {}).get("event_type")))
    for key, spans in stats.last_saved.items():
        if sorted(stored.get(key, [])) != spans:
            problems.append(f"{key}: saved {spans}, stored {sorted(stored.get(key, []))}")
    for key in stored:
        if key not in stats.last_saved:
            problems.append(f"{key}: stored but never confirmed to a client")
    return annotations, duplicates, problems


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (Linux /proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (gunicorn's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_healthy(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def run_once(db_kind: str, clients: int, seconds: float, workers: int, threads: int = 1,
             ceiling_seconds: float = 3.0, during=None) -> dict[str, object]:
    """Fresh database, gunicorn, the flow, the nothing-lost check; one result row."""
    workdir = Path(tempfile.mkdtemp(prefix="annotator-load-"))
    pg = None
    if db_kind == "postgresql":
        from tests.pg import TempPostgres

        # durable defaults: override the test helper's fsync=off
        pg = TempPostgres("-c max_connections=300 -c fsync=on -c full_page_writes=on "
                          "-c synchronous_commit=on")
        url = pg.start().format(db="load")
        pg.create_database("load")
    else:
        url = f"sqlite:///{workdir / 'load.sqlite3'}"
    server = None
    try:
        # enough sentences that no queue runs dry: service is not fair between clients (one
        # may get ten times its share for a while), so the margin is wide
        sentences_each = max(80, int(seconds * 15 * 16 / max(clients, 16)) + 40)
        t0 = time.perf_counter()
        batch_id = prepare_database(url, clients, sentences_each)
        prepare_s = time.perf_counter() - t0
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret",
               "ANNOTATOR_INSTANCE": str(workdir),
               "ANNOTATOR_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
               "ANNOTATOR_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        server = subprocess.Popen(
            [gunicorn, "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
             *os.environ.get("LOAD_TEST_GUNICORN_ARGS", "").split(), "annotator:create_app()"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        workers_pids = children(server.pid)

        def probe() -> dict[str, float]:
            busy, total = machine_cpu()
            return {"client": time.process_time(), "server": process_cpu(workers_pids),
                    "busy": busy, "total": total}

        on_flow_start = (lambda: during.start(url, env)) if during is not None else None
        stats, elapsed, ceiling, cpu = asyncio.run(
            run_clients(port, clients, batch_id, seconds, ceiling_seconds, probe,
                        on_flow_start))
        if during is not None:
            during.finish(stats)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    annotations, duplicates, problems = verify(url, stats)
    if pg is not None:
        pg.stop()
    window = (stats.last_save - stats.first_save) if stats.saves > 1 else elapsed
    requests_total = stats.requests + len(stats.errors)
    return {
        "db": db_kind, "clients": clients, "workers": workers, "threads": threads,
        "seconds": round(elapsed, 1), "prepare_s": round(prepare_s, 1), "saves": stats.saves,
        "saves_per_s": round(stats.saves / window, 1),
        "requests_per_s": round(stats.requests / window, 1),
        "ceiling_per_s": round(ceiling, 1),
        "save_p50_ms": round(percentile(stats.save_latency, 0.50) * 1000, 1),
        "save_p95_ms": round(percentile(stats.save_latency, 0.95) * 1000, 1),
        "save_p99_ms": round(percentile(stats.save_latency, 0.99) * 1000, 1),
        "next_p50_ms": round(percentile(stats.next_latency, 0.50) * 1000, 1),
        "load_p50_ms": round(percentile(stats.load_latency, 0.50) * 1000, 1),
        "errors": len(stats.errors),
        "error_rate": round(len(stats.errors) / max(1, requests_total), 5),
        "annotations": annotations, "duplicates": duplicates, "lost_or_wrong": len(problems),
        "queues_finished": len(stats.exhausted),
        # shares of the machine's CPU time during the flow (all cores = 1.0)
        "cpu_client": round(cpu["client"] / cpu["total"], 3),
        "cpu_server": round(cpu["server"] / cpu["total"], 3),
        "cpu_other": round((cpu["busy"] - cpu["client"] - cpu["server"]) / cpu["total"], 3),
        "cpu_idle": round(1 - cpu["busy"] / cpu["total"], 3),
        "error_samples": stats.errors[:5], "problem_samples": problems[:5],
    }


def median_row(rows: list[dict[str, object]]) -> dict[str, object]:
    """Per-cell median over repeated runs (counts of errors and losses are summed)."""
    out = dict(rows[0])
    for key in ("saves_per_s", "requests_per_s", "ceiling_per_s", "save_p50_ms", "save_p95_ms",
                "save_p99_ms", "next_p50_ms", "load_p50_ms", "error_rate"):
        out[key] = statistics.median(float(r[key]) for r in rows)
    for key in ("saves", "errors", "duplicates", "lost_or_wrong", "queues_finished"):
        out[key] = sum(int(r[key]) for r in rows)
    out["runs"] = len(rows)
    out["saves_per_s_runs"] = [r["saves_per_s"] for r in rows]
    out["save_p99_runs"] = [r["save_p99_ms"] for r in rows]
    return out


def verdict(row: dict[str, object]) -> str:
    """Each target of the issue for this N, met or missed."""
    target = TARGETS.get(int(row["clients"]))
    if target is None:
        return ""
    min_rate, max_p99 = target
    checks = []
    if min_rate is not None:
        checks.append((f">= {min_rate:.0f} saves/s", float(row["saves_per_s"]) >= min_rate))
    if int(row["clients"]) == 50:
        checks.append(("0 errors", int(row["errors"]) == 0))
    checks.append((f"p99 < {max_p99:.0f} ms", float(row["save_p99_ms"]) < max_p99))
    return "; ".join(f"{name}: {'met' if ok else '**missed**'}" for name, ok in checks)


def markdown(rows: list[dict[str, object]], header: str) -> str:
    lines = [header, "",
             "| database | N | saves/s | save p50 ms | save p95 ms | save p99 ms | next p50 ms "
             "| errors (rate) | `/healthz` ceiling req/s | saves/s ÷ ceiling | nothing lost "
             "| target |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lost = ("yes" if not r["lost_or_wrong"] and not r["duplicates"]
                else f"**no**: {r['lost_or_wrong']} wrong, {r['duplicates']} duplicated")
        ratio = float(r["saves_per_s"]) / float(r["ceiling_per_s"]) if r["ceiling_per_s"] else 0
        lines.append(
            f"| {r['db']} | {r['clients']} | {float(r['saves_per_s']):.0f} | "
            f"{float(r['save_p50_ms']):.1f} | {float(r['save_p95_ms']):.1f} | "
            f"{float(r['save_p99_ms']):.1f} | {float(r['next_p50_ms']):.1f} | "
            f"{r['errors']} ({float(r['error_rate']):.2%}) | {float(r['ceiling_per_s']):.0f} | "
            f"{ratio:.2f} | {lost} ({r['annotations']} annotations) | {verdict(r)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--clients", default="16",
                        help="one N or a comma-separated list, e.g. 10,16,50,200")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker, as `annotator serve` (1: sync workers)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (median reported)")
    parser.add_argument("--matrix", action="store_true",
                        help="both databases x N = 10, 16, 50, 200")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per cell")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.matrix or args.db == "both" else [args.db]
    counts = list(MATRIX_CLIENTS) if args.matrix else [int(c) for c in args.clients.split(",")]
    started = datetime.now(UTC)
    load = os.getloadavg()
    rows = []
    for db_kind in dbs:
        for clients in counts:
            runs = []
            for i in range(args.repeat):
                r = run_once(db_kind, clients, args.seconds, args.workers, args.threads)
                runs.append(r)
                print(f"# {db_kind} N={clients} run {i + 1}: {r['saves_per_s']} saves/s, "
                      f"p99 {r['save_p99_ms']} ms, errors {r['errors']}, "
                      f"lost {r['lost_or_wrong']}, ceiling {r['ceiling_per_s']} req/s, "
                      f"{r['requests_per_s']} req/s, p50 {r['save_p50_ms']} ms; CPU shares: "
                      f"client {r['cpu_client']}, gunicorn {r['cpu_server']}, "
                      f"other {r['cpu_other']}, idle {r['cpu_idle']}",
                      file=sys.stderr, flush=True)
                for line in r["error_samples"] + r["problem_samples"]:
                    print("#   !", line, file=sys.stderr, flush=True)
            row = median_row(runs)
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
    kind = "sync" if args.threads == 1 else f"gthread ({args.threads} threads each)"
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC, gunicorn {args.workers} {kind} workers, "
              f"{args.seconds:.0f} s of flow per cell, median of {args.repeat} run(s); "
              f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / "
              f"{load[2]:.1f} at the start.")
    print(markdown(rows, header))
    lost = [r for r in rows if r["lost_or_wrong"] or r["duplicates"]]
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
