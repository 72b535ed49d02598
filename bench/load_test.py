"""Load test: N simulated annotators against gunicorn (4 workers), then check nothing was lost.

Each simulated annotator runs the real flow over loopback: log in (form + CSRF), ask for the
next sentence of their queue, load its annotation, save 1-5 span edits (no think time),
mark it done, and repeat until the time is up. Afterwards the database must hold exactly the
spans each client last saved, with one annotation per annotator and sentence.

The client is our own asyncio program (aiohttp), not locust: one process with one event loop
drives hundreds of connections with little CPU, which matters on a 2-core machine where the
load generator competes with the server, and it lets every client remember exactly what it
saved for the nothing-lost check.

Run: `.venv/bin/python bench/load_test.py --db sqlite --clients 16 --seconds 20`
     `.venv/bin/python bench/load_test.py --db postgresql --clients 50`
Results are written to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "load-test-password"
LABELS = ["ACTOR", "LOCATION", "UNIT", "EVENT"]


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
    saves: int = 0
    errors: list[str] = field(default_factory=list)
    last_saved: dict[tuple[str, int], list[tuple[int, int, str]]] = field(default_factory=dict)


async def annotator(session, base: str, name: str, batch_id: int, deadline: float,
                    stats: Stats, rng: random.Random) -> None:
    import aiohttp

    async with session.get(f"{base}/login") as r:
        token = TOKEN_RE.search(await r.text()).group(1)
    async with session.post(f"{base}/login", data={"username": name, "password": PASSWORD,
                                                   "csrf_token": token},
                            allow_redirects=False) as r:
        if r.status != 302:
            stats.errors.append(f"{name}: login {r.status}")
            return
    async with session.get(f"{base}/projects/") as r:
        token = TOKEN_RE.search(await r.text()).group(1)
    headers = {"X-CSRFToken": token}
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        async with session.get(f"{base}/api/queue/next", params={"batch": batch_id}) as r:
            if r.status == 204:
                return
            if r.status != 200:
                stats.errors.append(f"{name}: next {r.status}")
                return
            sentence_id = (await r.json())["sentence_id"]
        stats.next_latency.append(time.perf_counter() - t0)
        async with session.get(f"{base}/api/sentences/{sentence_id}/annotation") as r:
            state = await r.json()
        tokens = state["tokens"]
        version = state["version"]
        spans: list[dict] = []
        edits = rng.randint(1, 5)
        for edit in range(edits + 1):  # 1-5 span edits, then mark done
            if edit < edits:
                free = [t for t in tokens if all(t[1] <= s["start"] or t[0] >= s["end"]
                                                 for s in spans)]
                if free and (not spans or rng.random() < 0.7):
                    start, end = rng.choice(free)
                    spans.append({"start": start, "end": end, "label": rng.choice(LABELS)})
                elif spans:
                    spans.pop(rng.randrange(len(spans)))
            status = "done" if edit == edits else "in_progress"
            body = {"spans": sorted(spans, key=lambda s: s["start"]), "status": status,
                    "version": version, "time_spent": 1.5}
            t0 = time.perf_counter()
            try:
                async with session.put(f"{base}/api/sentences/{sentence_id}/annotation",
                                       json=body, headers=headers) as r:
                    payload = await r.json()
                    code = r.status
            except aiohttp.ClientError as err:
                stats.errors.append(f"{name}: save {type(err).__name__}")
                return
            stats.save_latency.append(time.perf_counter() - t0)
            if code != 200:
                stats.errors.append(f"{name}: save {code} {payload}")
                return
            stats.saves += 1
            version = payload["version"]
            stats.last_saved[(name, sentence_id)] = sorted(
                (s["start"], s["end"], s["label"]) for s in spans)


async def run_clients(base: str, clients: int, batch_id: int, seconds: float) -> tuple[Stats, float]:
    import aiohttp

    stats = Stats()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def one(i: int) -> None:
        jar = aiohttp.CookieJar(unsafe=True)
        connector = aiohttp.TCPConnector(limit=1, force_close=False)
        async with aiohttp.ClientSession(cookie_jar=jar, connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=30)) as session:
            await annotator(session, base, f"load{i}", batch_id, deadline, stats,
                            random.Random(i))

    await asyncio.gather(*(one(i) for i in range(clients)))
    return stats, time.perf_counter() - started


def verify(url: str, stats: Stats) -> tuple[int, int, list[str]]:
    """Compare every client's last saved spans with the database; count duplicates."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    problems: list[str] = []
    with engine.connect() as conn:
        rows = conn.execute(text(
            'SELECT u.username, a.sentence_id, s.start, s."end", s.label FROM annotation a '
            'JOIN "user" u ON u.id = a.annotator_id LEFT JOIN span s ON s.annotation_id = a.id'
        )).all()
        duplicates = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT annotator_id, sentence_id FROM annotation "
            "GROUP BY annotator_id, sentence_id HAVING COUNT(*) > 1) d")).scalar()
        annotations = conn.execute(text("SELECT COUNT(*) FROM annotation")).scalar()
    engine.dispose()
    stored: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
    for username, sid, start, end, label in rows:
        stored.setdefault((username, sid), [])
        if start is not None:
            stored[(username, sid)].append((start, end, label))
    for key, spans in stats.last_saved.items():
        if sorted(stored.get(key, [])) != spans:
            problems.append(f"{key}: saved {spans}, stored {sorted(stored.get(key, []))}")
    for key in stored:
        if key not in stats.last_saved:
            problems.append(f"{key}: stored but never confirmed to a client")
    return annotations, duplicates, problems


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print one JSON line of results")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="annotator-load-"))
    pg = None
    if args.db == "postgresql":
        from tests.pg import TempPostgres

        pg = TempPostgres("-c max_connections=300")
        url = pg.start().format(db="load")
        pg.create_database("load")
    else:
        url = f"sqlite:///{workdir / 'load.sqlite3'}"
    server = None
    try:
        batch_id = prepare_database(url, args.clients, sentences_each=400)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test-secret",
               "ANNOTATOR_INSTANCE": str(workdir),
               "ANNOTATOR_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
               "ANNOTATOR_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        server = subprocess.Popen(
            [gunicorn, "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "annotator:create_app()"],
            env=env, cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        stats, elapsed = asyncio.run(run_clients(base, args.clients, batch_id, args.seconds))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    annotations, duplicates, problems = verify(url, stats)
    if pg is not None:
        pg.stop()
    result = {
        "db": args.db, "clients": args.clients, "workers": args.workers,
        "seconds": round(elapsed, 1), "saves": stats.saves,
        "saves_per_s": round(stats.saves / elapsed, 1),
        "save_p50_ms": round(statistics.median(stats.save_latency) * 1000, 1),
        "save_p95_ms": round(percentile(stats.save_latency, 0.95) * 1000, 1),
        "save_p99_ms": round(percentile(stats.save_latency, 0.99) * 1000, 1),
        "next_p50_ms": round(statistics.median(stats.next_latency) * 1000, 1),
        "errors": len(stats.errors),
        "error_rate": round(len(stats.errors) / max(1, stats.saves + len(stats.errors)), 4),
        "annotations": annotations, "duplicates": duplicates, "lost_or_wrong": len(problems),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:14s} {value}")
        for line in (stats.errors + problems)[:10]:
            print("  !", line)


if __name__ == "__main__":
    main()
