"""Server CPU and SQL statements per request of the load test's flow, measured in one process.

No HTTP server and no client: each request's WSGI environ is built beforehand (werkzeug's
EnvironBuilder, outside the timing) and only ``app.wsgi_app(environ, start_response)`` plus
reading the body is timed, with ``time.process_time`` (CPU of this process: Python, SQLite in
process, psycopg's side of a PostgreSQL round trip; not the PostgreSQL server's own CPU) and
``time.perf_counter`` (wall). Statements are counted with an engine event.

The flow is the load test's (bench/load_test.py): `GET /api/queue/next`, `GET
/api/sentences/<id>/annotation`, 1-5 span edits saved with `PUT`, a last `PUT` with status
done; plus `GET /healthz` as the floor (one `SELECT 1` through Flask and the database).

Run:  `.venv/bin/python bench/request_cost.py --db sqlite --sentences 300`
      `--profile save` prints a pyinstrument profile of the saves (pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_test import PASSWORD, edit_spans, prepare_database  # noqa: E402

KINDS = ("healthz", "next", "load", "save", "done")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sentences", type=int, default=300, help="sentences to go through")
    parser.add_argument("--profile", choices=KINDS, help="pyinstrument profile of one kind")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    pg = None
    if args.db == "postgresql":
        from tests.pg import TempPostgres

        pg = TempPostgres("-c fsync=on -c full_page_writes=on -c synchronous_commit=on")
        url = pg.start().format(db="cost")
        pg.create_database("cost")
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='annotator-cost-')) / 'cost.sqlite3'}"
    try:
        result = measure(url, args.sentences, args.profile)
    finally:
        if pg is not None:
            pg.stop()
    if args.json:
        print(json.dumps(result))
    print(table(result, args.db))


def measure(url: str, sentences: int, profile_kind: str | None) -> dict[str, dict[str, float]]:
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from annotator import create_app
    from annotator.extensions import db

    batch_id = prepare_database(url, 1, sentences + 5)
    app = create_app({"SECRET_KEY": "cost", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "load0", "password": PASSWORD, "csrf_token": token})
    page = client.get("/projects/").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())

    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a, **k: statements.__setitem__(0, statements[0] + 1))

    profiler = None
    if profile_kind:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)

    cpu: dict[str, list[float]] = {k: [] for k in KINDS}
    wall: dict[str, list[float]] = {k: [] for k in KINDS}
    stmts: dict[str, list[int]] = {k: [] for k in KINDS}

    def call(kind: str, method: str, path: str, body: object = None,
             query: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": cookie}
        if method == "PUT":
            headers["X-CSRFToken"] = csrf
        # the log-in's address and agent: Flask-Login's session protection compares them
        environ = EnvironBuilder(path=path, method=method, headers=headers, json=body,
                                 query_string=query,
                                 environ_base=client.environ_base).get_environ()
        status: list[str] = []
        cookies: list[str] = []
        before = statements[0]
        if profiler is not None and kind == profile_kind:
            profiler.start()
        c0, w0 = time.process_time(), time.perf_counter()
        chunks = app.wsgi_app(environ, lambda s, h, e=None: (
            status.append(s), cookies.extend(v for k, v in h if k == "Set-Cookie")))
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        c1, w1 = time.process_time(), time.perf_counter()
        if profiler is not None and kind == profile_kind:
            profiler.stop()
        if cookies:  # the session cookie is set at log-in only; a re-sign here is a bug
            raise RuntimeError(f"{kind} set a cookie: {cookies}")
        cpu[kind].append(c1 - c0)
        wall[kind].append(w1 - w0)
        stmts[kind].append(statements[0] - before)
        return int(status[0].split()[0]), data

    rng = random.Random(1)
    for _ in range(sentences):
        call("healthz", "GET", "/healthz")
        code, data = call("next", "GET", "/api/queue/next", query={"batch": batch_id})
        if code != 200:
            raise RuntimeError(f"next answered {code}")
        sid = json.loads(data)["sentence_id"]
        code, data = call("load", "GET", f"/api/sentences/{sid}/annotation")
        state = json.loads(data)
        spans, version = [dict(s) for s in state["spans"]], state["version"]
        edits = rng.randint(1, 5)
        for edit in range(edits + 1):
            if edit < edits:
                edit_spans(spans, state["tokens"], rng)
            status = "done" if edit == edits else "in_progress"
            kind = "done" if edit == edits else "save"
            body = {"spans": sorted(spans, key=lambda s: s["start"]), "status": status,
                    "version": version, "time_spent": 1.5}
            code, data = call(kind, "PUT", f"/api/sentences/{sid}/annotation", body)
            if code != 200:
                raise RuntimeError(f"{kind} answered {code}: {data[:200]!r}")
            version = json.loads(data)["version"]
    with app.app_context():
        db.engine.dispose()
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))
    # the first few of each kind warm caches (imports, prepared statements): leave them out
    return {
        kind: {
            "cpu_ms": statistics.median(cpu[kind][5:]) * 1000,
            "cpu_mean_ms": statistics.fmean(cpu[kind][5:]) * 1000,
            "wall_ms": statistics.median(wall[kind][5:]) * 1000,
            "statements": statistics.median(stmts[kind][5:]),
            "count": len(cpu[kind]),
        }
        for kind in KINDS
    }


def table(result: dict[str, dict[str, float]], db_kind: str) -> str:
    lines = [f"{db_kind}: median per request (mean CPU in brackets)", "",
             "| request | CPU ms | wall ms | statements |", "|---|---|---|---|"]
    for kind, r in result.items():
        lines.append(f"| {kind} | {r['cpu_ms']:.2f} ({r['cpu_mean_ms']:.2f}) | "
                     f"{r['wall_ms']:.2f} | {r['statements']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
