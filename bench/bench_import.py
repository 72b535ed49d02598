"""Benchmark: import 10,000 sentences (400 generated articles) end to end into SQLite.

End to end = read the JSONL bytes, split into sentences, store documents and sentences,
commit, and query them back. Run: `.venv/bin/python bench/bench_import.py [--runs 5]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate_articles  # noqa: E402

from annotator import create_app  # noqa: E402


def one_run(payload: bytes, workdir: Path, run: int) -> tuple[float, int]:
    url = f"sqlite:///{workdir / f'import-{run}.sqlite3'}"
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    from sqlalchemy import func, select

    from annotator.corpus.importing import import_articles
    from annotator.corpus.models import Sentence
    from annotator.extensions import db
    from annotator.projects.services import create_project

    with app.app_context():
        db.create_all()
        project = create_project(db.session, "bench")
        db.session.commit()
        t0 = time.perf_counter()
        result = import_articles(db.session, project.id, [("bench.jsonl", payload)])
        db.session.commit()
        stored = db.session.scalar(
            select(func.count()).select_from(Sentence).where(Sentence.project_id == project.id)
        )
        elapsed = time.perf_counter() - t0
        assert stored == result.sentences_added
        db.engine.dispose()
    return elapsed, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    articles = generate_articles(args.articles, seed=1)
    payload = "\n".join(json.dumps(a) for a in articles).encode()
    times, counts = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            elapsed, stored = one_run(payload, Path(tmp), run)
            times.append(elapsed)
            counts.add(stored)
    median = statistics.median(times)
    print(f"articles: {args.articles}, sentences stored: {sorted(counts)}")
    print("runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    print(f"median: {median:.3f} s  (target < 2 s; doccano 1.8.4 reference 4.1 s -> "
          f"{4.1 / median:.1f}x faster)")


if __name__ == "__main__":
    main()
