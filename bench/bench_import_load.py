"""Load test during a big import (issue 12): 16 annotators keep saving on gunicorn while
`annotator import-articles` writes 100,000 sentences into the same project.

Each run is bench/load_test.py's run (fresh database, gunicorn 4 sync workers, the `/healthz`
ceiling, then the annotators' flow, then the nothing-lost check), with one addition: when the
flow starts, a separate process runs `annotator import-articles --project load FILE` on a
JSONL file of --sentences sentences (articles of 20 sentences, original text). Reported: the
saves' errors and latency percentiles over the whole flow and over the import's window alone,
the import's wall time, and the `/healthz` ceiling of the same run.

`--chunk-rows` sets ANNOTATOR_IMPORT_CHUNK_ROWS for the import (default: the app's, 250);
`--chunk-rows 1000000000` writes the whole import in one transaction, as before issue 12, for
a same-session comparison.

Run: `.venv/bin/python bench/bench_import_load.py [--db sqlite|postgresql] [--clients 16]
[--seconds 40] [--sentences 100000] [--repeat 3] [--chunk-rows N]`
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load_test import percentile, run_once  # noqa: E402

PLACES = ["Kafr Nabl", "Tal Abyad", "Ras al-Ain", "Maarat", "Jisr Zawiya", "Saraqib"]
UNITS = ["the 25th Mission Forces", "the Hamza Division", "a border guard company",
         "local defence units", "an artillery battalion"]


def write_articles(path: Path, sentences: int, per_article: int = 20) -> None:
    """A JSONL file of original, news-like articles: ``sentences`` sentences in all."""
    rnd = random.Random(42)
    with path.open("w") as out:
        for a in range(sentences // per_article):
            body = " ".join(
                f"On day {j + 1} of the offensive, {rnd.choice(UNITS)} shelled positions near "
                f"{rnd.choice(PLACES)} ({a}-{j}), residents said."
                for j in range(per_article))
            out.write(json.dumps({"title": f"Front-line report {a}",
                                  "text": body}) + "\n")


class ImportDuring:
    """Starts the import when the flow starts; afterwards, the import's figures."""

    def __init__(self, file: Path, chunk_rows: int | None) -> None:
        self.file, self.chunk_rows = file, chunk_rows
        self.process: subprocess.Popen | None = None
        self.started = self.ended = 0.0
        self.result: dict[str, object] = {}

    def start(self, url: str, env: dict[str, str]) -> None:
        env = {**env, "DATABASE_URL": url}
        if self.chunk_rows is not None:
            env["ANNOTATOR_IMPORT_CHUNK_ROWS"] = str(self.chunk_rows)
        annotator = str(Path(sys.executable).with_name("annotator"))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [annotator, "import-articles", "--project", "load", str(self.file)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def watch() -> None:  # the import's end, noted the moment the process exits
            self.process.wait()
            self.ended = time.perf_counter()

        threading.Thread(target=watch, daemon=True).start()

    def finish(self, stats) -> None:
        output, _ = self.process.communicate(timeout=600)
        time.sleep(0.1)  # let the watcher note the end
        self.ended = self.ended or time.perf_counter()
        window = [lat for t0, lat in stats.save_log if self.started <= t0 <= self.ended]
        self.result = {
            "import_s": round(self.ended - self.started, 1),
            "import_exit": self.process.returncode,
            "import_output": output.strip().splitlines()[-1:] or [""],
            "saves_during_import": len(window),
            "during_p50_ms": round(percentile(window, 0.50) * 1000, 1),
            "during_p99_ms": round(percentile(window, 0.99) * 1000, 1),
            "during_max_ms": round(max(window, default=float("nan")) * 1000, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument("--no-import", action="store_true",
                        help="the same flow with no import: the same-session reference")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="annotator-import-load-"))
    file = workdir / "import.jsonl"
    write_articles(file, args.sentences)
    load = os.getloadavg()
    started = datetime.now(UTC)
    runs = []
    for i in range(args.repeat):
        during = ImportDuring(file, args.chunk_rows)
        row = run_once(args.db, args.clients, args.seconds, 4,
                       during=None if args.no_import else during)
        row.update(during.result or {
            "import_s": 0, "import_exit": 0, "import_output": ["no import"],
            "saves_during_import": 0, "during_p50_ms": float("nan"),
            "during_p99_ms": float("nan"), "during_max_ms": float("nan")})
        runs.append(row)
        print(f"# run {i + 1}: import {row['import_s']} s (exit {row['import_exit']}: "
              f"{row['import_output'][0]}); saves {row['saves']}, errors {row['errors']}, "
              f"p99 {row['save_p99_ms']} ms; during the import: {row['saves_during_import']} "
              f"saves, p50 {row['during_p50_ms']} ms, p99 {row['during_p99_ms']} ms, "
              f"max {row['during_max_ms']} ms; ceiling {row['ceiling_per_s']} req/s; "
              f"lost {row['lost_or_wrong']}", file=sys.stderr, flush=True)
        for line in row["error_samples"] + row["problem_samples"]:
            print("#   !", line, file=sys.stderr, flush=True)

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    chunks = "no import" if args.no_import else (args.chunk_rows or "250 (default)")
    print(f"Run {started:%Y-%m-%d %H:%M} UTC, {args.db}, {args.clients} clients, gunicorn 4 sync "
          f"workers, {args.seconds:.0f} s of flow, import of {args.sentences:,} sentences "
          f"(chunk rows {chunks}) started with the flow; median of {len(runs)} runs; "
          f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.")
    print()
    print("| import s | saves/s | errors (all runs) | save p50 ms | save p99 ms | saves during "
          "import | p99 during import ms | max during import ms | `/healthz` ceiling req/s | "
          "nothing lost |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    lost = sum(int(r["lost_or_wrong"]) + int(r["duplicates"]) for r in runs)
    print(f"| {med('import_s'):.1f} | {med('saves_per_s'):.0f} | "
          f"{sum(int(r['errors']) for r in runs)} | {med('save_p50_ms'):.1f} | "
          f"{med('save_p99_ms'):.1f} | {med('saves_during_import'):.0f} | "
          f"{med('during_p99_ms'):.1f} | {med('during_max_ms'):.1f} | "
          f"{med('ceiling_per_s'):.0f} | {'yes' if not lost else f'**no** ({lost})'} |")
    print()
    print("p99 during import per run: " + ", ".join(str(r["during_p99_ms"]) for r in runs)
          + "; import exit codes: " + ", ".join(str(r["import_exit"]) for r in runs))
    failed = any(r["import_exit"] != 0 for r in runs) or lost
    sys.exit(1 if failed else 0)



if __name__ == "__main__":
    main()
