"""Benchmark: import 10,000 sentences (400 generated articles) end to end into SQLite.

End to end = parse the JSONL bytes, split every article into sentences (boilerplate flagged),
insert documents and sentences, commit, and count them back with a query. Each run uses a new
file database. In the same run the script also times the splitter alone on the same articles
(to show where the time goes) and, with --cli, the whole `annotator import-articles` command
as a user runs it (interpreter start-up and app creation included).
Run: `.venv/bin/python bench/bench_import.py [--runs 7] [--cli]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate_articles  # noqa: E402

from annotator import create_app  # noqa: E402

TARGET_S = 2.0
DOCCANO_S = 4.1  # doccano 1.8.4, 10,000 pre-split sentences: the figure, not ours


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


def split_only(articles: list[dict]) -> float:
    from annotator.corpus.splitting import split_sentences

    t0 = time.perf_counter()
    for article in articles:
        split_sentences(article["text"])
    return time.perf_counter() - t0


def cli_run(path: Path, workdir: Path, run: int) -> float:
    """Wall time of `annotator import-articles` in a fresh process on a migrated database."""
    annotator = Path(sys.executable).with_name("annotator")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / f'cli-{run}.sqlite3'}",
           "SECRET_KEY": "bench"}
    subprocess.run([annotator, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([annotator, "create-project", "bench"], env=env, check=True,
                   capture_output=True)
    t0 = time.perf_counter()
    out = subprocess.run([annotator, "import-articles", "--project", "bench", str(path)],
                         env=env, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    assert "10000" in out.stdout.replace(",", ""), out.stdout
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cli", action="store_true", help="also time the CLI command (3 runs)")
    args = parser.parse_args()
    articles = generate_articles(args.articles, seed=1)
    payload = "\n".join(json.dumps(a) for a in articles).encode()
    times, splits, counts = [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            elapsed, stored = one_run(payload, Path(tmp), run)
            times.append(elapsed)
            counts.add(stored)
            splits.append(split_only(articles))
        cli_times = []
        if args.cli:
            path = Path(tmp) / "bench.jsonl"
            path.write_bytes(payload)
            cli_times = [cli_run(path, Path(tmp), run) for run in range(3)]
    median, split_median = statistics.median(times), statistics.median(splits)
    print(f"articles: {args.articles}, sentences stored per run: {sorted(counts)}")
    print("import runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    print(f"import median: {median:.3f} s   target < {TARGET_S:.0f} s: "
          f"{'met' if median < TARGET_S else 'MISSED'}")
    print(f"  of which splitting alone (median): {split_median:.3f} s "
          f"({len(articles) and max(counts) / split_median:,.0f} sentences/s), "
          f"storing and querying: {median - split_median:.3f} s")
    if cli_times:
        print("CLI runs (s): " + ", ".join(f"{t:.3f}" for t in cli_times)
              + f"; median {statistics.median(cli_times):.3f} s (process start-up included)")
    print(f"doccano 1.8.4 took {DOCCANO_S} s for 10,000 pre-split sentences on this machine "
          f"(figure quoted in issue 2, not measured here): {DOCCANO_S / median:.1f}x that time")


if __name__ == "__main__":
    main()
