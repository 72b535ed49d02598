"""Benchmark: server time of the annotation page and of the annotation API (GET and PUT).

Uses the Flask test client against a file SQLite database holding 10,000 sentences, so the
figures are the application's own time (no network). Run: `.venv/bin/python bench/bench_page.py`.
"""

from __future__ import annotations

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


def main(requests: int = 400) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'page.sqlite3'}"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        from sqlalchemy import select

        from annotator.auth.services import create_user
        from annotator.corpus.importing import import_articles
        from annotator.corpus.models import Sentence
        from annotator.extensions import db
        from annotator.projects.services import create_project

        with app.app_context():
            db.create_all()
            project = create_project(db.session, "bench")
            payload = "\n".join(json.dumps(a) for a in generate_articles(400, seed=2)).encode()
            import_articles(db.session, project.id, [("b.jsonl", payload)])
            create_user(db.session, "bench", "bench-password", "annotator")
            db.session.commit()
            ids = list(db.session.scalars(select(Sentence.id).where(Sentence.excluded.is_(False))))
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "bench", "password": "bench-password",
                                    "csrf_token": token})
        rng = random.Random(3)
        sample = [rng.choice(ids) for _ in range(requests)]
        timings: dict[str, list[float]] = {"page": [], "api_get": [], "api_put": []}
        for sid in sample[:20]:  # warm-up
            client.get(f"/sentences/{sid}")
        for sid in sample:
            t0 = time.perf_counter()
            r = client.get(f"/sentences/{sid}")
            timings["page"].append(time.perf_counter() - t0)
            assert r.status_code == 200
            t0 = time.perf_counter()
            state = client.get(f"/api/sentences/{sid}/annotation").json
            timings["api_get"].append(time.perf_counter() - t0)
            tokens = state["tokens"]
            spans = [{"start": tokens[0][0], "end": tokens[0][1], "label": "ACTOR"}] if tokens else []
            t0 = time.perf_counter()
            r = client.put(f"/api/sentences/{sid}/annotation",
                           json={"spans": spans, "version": state["version"], "status": "done"},
                           headers={"X-CSRFToken": token})
            timings["api_put"].append(time.perf_counter() - t0)
            assert r.status_code == 200, r.json
        print(f"{requests} requests each, 10,000-sentence project, SQLite file DB")
        for name, values in timings.items():
            values.sort()
            p95 = values[int(0.95 * len(values)) - 1]
            print(f"{name:8s} median {statistics.median(values) * 1000:6.2f} ms   "
                  f"p95 {p95 * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
