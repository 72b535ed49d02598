"""Benchmark: server time of the annotation page and of the annotation API (GET and PUT).

Uses the Flask test client against a file SQLite database with two projects of 10,000 imported
sentences each, so the figures are the application's own time (no network, no browser). The
page is timed outside a batch (one project, free navigation) and inside a batch queue (the
other); GET /healthz (one `SELECT 1`) is timed in the same run as a floor for Flask, the
session and a database round trip.
Each round times every request once per sampled sentence; the script prints per-round medians
and the median over rounds. Run: `.venv/bin/python bench/bench_page.py [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate_articles  # noqa: E402

from annotator import create_app  # noqa: E402

TARGET_MS = 20.0


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": "page-cost-secret",
                                    "csrf_token": token})
    assert r.status_code == 302, r.status_code
    return client


def _token(page_html: str) -> str:
    # Logging in starts a new session, so the CSRF token comes from a page served after it.
    return re.search(r'name="csrf-token" content="([^"]+)"', page_html).group(1)


def _timed(call) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = call()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="sentences sampled per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'page.sqlite3'}"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        from sqlalchemy import select

        from annotator.assignments.services import create_batch
        from annotator.auth.services import create_user
        from annotator.corpus.importing import import_articles
        from annotator.corpus.models import Sentence
        from annotator.extensions import db
        from annotator.projects.services import create_project

        with app.app_context():
            db.create_all()
            free = create_project(db.session, "bench free")
            queued = create_project(db.session, "bench queued")
            payload = "\n".join(json.dumps(a) for a in generate_articles(400, seed=2)).encode()
            for project in (free, queued):
                import_articles(db.session, project.id, [("b.jsonl", payload)])
            admin = create_user(db.session, "boss", "page-cost-secret", "admin")
            create_user(db.session, "bench", "page-cost-secret", "annotator")
            create_user(db.session, "queue", "page-cost-secret", "annotator")
            db.session.commit()
            create_batch(db.session, queued.id, source="remaining", annotators=["queue"],
                         overlap=1, seed=1, created_by=admin)
            db.session.commit()

            def ids(project_id: int) -> list[int]:
                return list(db.session.scalars(select(Sentence.id).where(
                    Sentence.project_id == project_id, Sentence.excluded.is_(False))))

            free_ids, queued_ids = ids(free.id), ids(queued.id)
            total = len(free_ids) + len(queued_ids)
        free_client, queue_client = _login(app, "bench"), _login(app, "queue")
        token = _token(free_client.get(f"/sentences/{free_ids[0]}").get_data(as_text=True))
        rng = random.Random(3)
        names = ("healthz", "page", "page_in_batch", "api_get", "api_put")
        rounds: dict[str, list[float]] = {n: [] for n in names}
        for sid in free_ids[:20]:  # warm-up: templates compiled, caches filled
            free_client.get(f"/sentences/{sid}")
            queue_client.get(f"/sentences/{queued_ids[0]}")
        for round_no in range(args.rounds):
            times: dict[str, list[float]] = {n: [] for n in names}
            for _ in range(args.requests):
                sid, qid = rng.choice(free_ids), rng.choice(queued_ids)
                dt, r = _timed(lambda: free_client.get("/healthz"))
                times["healthz"].append(dt)
                assert r.status_code == 200
                dt, r = _timed(lambda: free_client.get(f"/sentences/{sid}"))  # noqa: B023
                times["page"].append(dt)
                assert r.status_code == 200
                dt, r = _timed(lambda: queue_client.get(f"/sentences/{qid}"))  # noqa: B023
                times["page_in_batch"].append(dt)
                assert r.status_code == 200 and b"csrf-token" in r.data
                dt, r = _timed(lambda: free_client.get(f"/api/sentences/{sid}/annotation"))  # noqa: B023
                times["api_get"].append(dt)
                state = r.json
                tokens = state["tokens"]
                spans = ([{"start": tokens[0][0], "end": tokens[0][1], "label": "ACTOR"}]
                         if tokens else [])
                body = {"spans": spans, "version": state["version"], "status": "done"}
                dt, r = _timed(lambda: free_client.put(  # noqa: B023
                    f"/api/sentences/{sid}/annotation", json=body,  # noqa: B023
                    headers={"X-CSRFToken": token}))
                times["api_put"].append(dt)
                assert r.status_code == 200, r.json
            line = []
            for name in names:
                median = statistics.median(times[name]) * 1000
                rounds[name].append(median)
                line.append(f"{name} {median:.2f}")
            print(f"round {round_no + 1}: " + ", ".join(line) + " (ms, medians)")
        print(f"\n{args.requests} requests per endpoint per round, {args.rounds} rounds, "
              f"{total:,} annotatable sentences in two projects, SQLite file DB, Flask test client")
        floor = statistics.median(rounds["healthz"])
        for name in names:
            median = statistics.median(rounds[name])
            extra = "" if name == "healthz" else f"   {median / floor:4.1f}x /healthz"
            print(f"{name:14s} median {median:6.2f} ms{extra}")
        worst = max(statistics.median(rounds[n]) for n in ("page", "page_in_batch"))
        verdict = "met" if worst < TARGET_MS else "MISSED"
        print(f"annotation page target < {TARGET_MS:.0f} ms median: {verdict}")


if __name__ == "__main__":
    main()
