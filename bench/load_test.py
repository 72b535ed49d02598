"""Load test: N simulated annotators against gunicorn (4 workers), then check nothing was lost.

The server runs as `annotator serve` runs it: gunicorn, 4 worker processes of 4 threads
(gthread: keep-alive connections, and a request waiting on the database does not block its
worker); `--threads 1` measures classic sync workers instead.

Each simulated annotator runs the real flow over loopback: log in (form + CSRF), ask for the
next sentence of their queue (`GET /api/queue/next`), load it (`GET /api/sentences/<id>/
annotation`), save 1-5 span edits (`PUT`, no think time), mark it done (a last `PUT`), and
repeat until the time is up. Afterwards the database must hold exactly the spans each client
last saved (confirmed with a 200), with one annotation per annotator and sentence.

The client is our own asyncio program (aiohttp), not locust: one process and one event loop
drive hundreds of connections with little CPU, which matters on a 2-core machine where the load
generator competes with the server, and every client remembers exactly what it saved for the
nothing-lost check. Before the flow, the same N clients hammer `GET /healthz` (one `SELECT 1`
through the same gunicorn, Flask and database stack) for a few seconds: that rate, measured in
the same run, is the ceiling the saves are compared with, so a loaded machine shows as a low
ceiling rather than as a slow app.

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


async def log_in(session, base: str, name: str) -> dict[str, str]:
    async with session.get(f"{base}/login") as r:
        token = TOKEN_RE.search(await r.text()).group(1)
    async with session.post(f"{base}/login", data={"username": name, "password": PASSWORD,
                                                   "csrf_token": token},
                            allow_redirects=False) as r:
        if r.status != 302:
            raise RuntimeError(f"{name}: log-in answered {r.status}")
    async with session.get(f"{base}/projects/") as r:
        token = TOKEN_RE.search(await r.text()).group(1)
    return {"X-CSRFToken": token}


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


async def annotator(session, base: str, headers: dict[str, str], name: str, batch_id: int,
                    deadline: float, stats: Stats, rng: random.Random) -> None:
    import aiohttp

    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        async with session.get(f"{base}/api/queue/next", params={"batch": batch_id}) as r:
            stats.requests += 1
            if r.status == 204:  # finished the whole queue: not an error, but reported
                stats.exhausted.append(name)
                return
            if r.status != 200:
                stats.errors.append(f"{name}: next {r.status}")
                return
            sentence_id = (await r.json())["sentence_id"]
        stats.next_latency.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        async with session.get(f"{base}/api/sentences/{sentence_id}/annotation") as r:
            stats.requests += 1
            if r.status != 200:
                stats.errors.append(f"{name}: load {r.status}")
                return
            state = await r.json()
        stats.load_latency.append(time.perf_counter() - t0)
        tokens, version = state["tokens"], state["version"]
        spans = [dict(s) for s in state["spans"]]
        edits = rng.randint(1, 5)
        for edit in range(edits + 1):  # 1-5 span edits, then mark done
            if edit < edits:
                edit_spans(spans, tokens, rng)
            status = "done" if edit == edits else "in_progress"
            body = {"spans": sorted(spans, key=lambda s: s["start"]), "status": status,
                    "version": version, "time_spent": 1.5}
            t0 = time.perf_counter()
            try:
                async with session.put(f"{base}/api/sentences/{sentence_id}/annotation",
                                       json=body, headers=headers) as r:
                    code = r.status
                    payload = await r.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                stats.errors.append(f"{name}: save {type(err).__name__}")
                return
            done_at = time.perf_counter()
            stats.requests += 1
            stats.save_latency.append(done_at - t0)
            if code != 200:
                stats.errors.append(f"{name}: save {code} {str(payload)[:200]}")
                return
            stats.saves += 1
            stats.first_save = stats.first_save or t0
            stats.last_save = done_at
            version = payload["version"]
            stats.last_saved[(name, sentence_id)] = sorted(
                (s["start"], s["end"], s["label"], (s.get("attributes") or {}).get("event_type"))
                for s in spans)


async def run_clients(base: str, clients: int, batch_id: int, seconds: float,
                      ceiling_seconds: float) -> tuple[Stats, float, float]:
    """Log every client in, measure the /healthz ceiling, then run the flow for ``seconds``.

    Returns the stats, the flow's wall time and the ceiling in requests per second.
    """
    import aiohttp

    stats = Stats()
    sessions = []
    for _ in range(clients):
        # one connection per simulated annotator, as a browser tab would mostly use
        connector = aiohttp.TCPConnector(limit=1)
        sessions.append(aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector,
            timeout=aiohttp.ClientTimeout(total=60)))
    try:
        headers = await asyncio.gather(*(log_in(s, base, f"load{i}")
                                         for i, s in enumerate(sessions)))
        health_done = 0
        health_deadline = time.perf_counter() + ceiling_seconds

        async def hammer(session) -> None:
            nonlocal health_done
            while time.perf_counter() < health_deadline:
                async with session.get(f"{base}/healthz") as r:
                    await r.read()
                    if r.status == 200:
                        health_done += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(hammer(s) for s in sessions))
        ceiling = health_done / (time.perf_counter() - t0)
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(
            annotator(s, base, h, f"load{i}", batch_id, deadline, stats, random.Random(i))
            for i, (s, h) in enumerate(zip(sessions, headers))))
        elapsed = time.perf_counter() - started
    finally:
        for s in sessions:
            await s.close()
    return stats, elapsed, ceiling


def verify(url: str, stats: Stats) -> tuple[int, int, list[str]]:
    """Compare every client's last confirmed spans with the database; count duplicates."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems: list[str] = []
    with engine.connect() as conn:
        rows = conn.execute(text(
            'SELECT u.username, a.sentence_id, s.start, s."end", s.label, s.attributes '
            'FROM annotation a JOIN "user" u ON u.id = a.annotator_id '
            "LEFT JOIN span s ON s.annotation_id = a.id"
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
             ceiling_seconds: float = 3.0) -> dict[str, object]:
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
             "annotator:create_app()"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server)
        stats, elapsed, ceiling = asyncio.run(
            run_clients(base, clients, batch_id, seconds, ceiling_seconds))
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
    parser.add_argument("--threads", type=int, default=4,
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
                      f"lost {r['lost_or_wrong']}, ceiling {r['ceiling_per_s']} req/s",
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
