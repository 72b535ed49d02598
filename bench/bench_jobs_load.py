"""Load test while a background job runs (issue 15): 16 annotators keep saving on gunicorn
while an `annotator worker` runs (a) the automatic adjudication pass over a project of
--sentences sentences x 3 annotators, or (b) an import of --sentences sentences, as a job.

Each run is bench/load_test.py's run (fresh database, gunicorn 4 sync workers, the `/healthz`
ceiling, then the annotators' flow, then the nothing-lost check), reused by import. For (a)
the database also gets, before the server starts, a second project "bench" filled by
bench/bench_adjudication.py's ``fill`` (annotations inserted directly, 3 annotators, event
frames). When the flow starts, a worker process starts and the job is queued (the pass with
`annotator adjudicate --background`, the import as the documents page queues it: the file as
the job's input); the job's window is from the queueing to the job's "done" in the database.
Reported: saves' errors and latency percentiles over the whole flow and over the job's window,
the job's wall time and outcome, and the same run's `/healthz` ceiling. `--job none` runs the
same flow with no job (the same-session reference).

Run: `.venv/bin/python bench/bench_jobs_load.py --job auto|import|none [--db sqlite|postgresql]
[--clients 16] [--seconds 40] [--sentences 100000] [--repeat 1] [--chunk N] [--pause S]
[--nice N]`
(`--chunk`/`--pause`: ANNOTATOR_AUTO_CHUNK_SENTENCES / _PAUSE_SECONDS for the pass, or
ANNOTATOR_IMPORT_CHUNK_ROWS / _PAUSE_SECONDS for the import).
"""

from __future__ import annotations

import argparse
import json
import os
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
sys.path.insert(0, str(ROOT))

import load_test  # noqa: E402
from bench_adjudication import fill  # noqa: E402
from bench_import_load import write_articles  # noqa: E402
from load_test import percentile, run_once  # noqa: E402

FINAL = ("done", "failed", "cancelled")
QUEUE_IMPORT = """
import sys
from annotator import create_app
from annotator.extensions import db
from annotator.jobs import queue, services
from annotator.projects.services import get_project_by_name
app = create_app()
with app.app_context():
    project = get_project_by_name(db.session, "load")
    with open(sys.argv[1], "rb") as file:
        job = services.submit(db.session, "import-articles", project_id=project.id,
                              inputs=[("front-line.jsonl", file.read())])
    db.session.commit()
    queue.enqueue(job.id)
    print(f"queued job {job.id}")
"""


def add_pass_project(sentences: int):
    """Wrap load_test.prepare_database: the load project, then the 3-annotator project."""
    prepare = load_test.prepare_database

    def prepared(url: str, clients: int, sentences_each: int) -> int:
        batch_id = prepare(url, clients, sentences_each)
        # Lazy, as load_test's own set-up: the app is built only for the database's filling.
        from annotator import create_app
        from annotator.extensions import db

        app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            fill(db, sentences, seed=5)
            db.engine.dispose()
        return batch_id

    load_test.prepare_database = prepared


class JobDuring:
    """Starts a worker and queues the job when the flow starts; afterwards, its figures."""

    def __init__(self, kind: str, file: Path | None, settings: dict[str, str],
                 nice: int) -> None:
        self.kind, self.file, self.settings, self.nice = kind, file, settings, nice
        self.worker: subprocess.Popen | None = None
        self.started = self.ended = 0.0
        self.state = "not started"
        self.message = ""
        self.result: dict[str, object] = {}
        self.watcher: threading.Thread | None = None
        self.chunks: dict[str, float] = {}  # the pass's chunk timings, from its result

    def start(self, url: str, env: dict[str, str]) -> None:
        """Called by the flow's event loop: everything slow happens in a thread."""
        env = {**env, "DATABASE_URL": url, **self.settings}
        annotator = str(Path(sys.executable).with_name("annotator"))
        self.worker = subprocess.Popen([annotator, "worker", "--threads", "1",
                                        "--nice", str(self.nice)], env=env,
                                       cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        if self.kind == "auto":
            command = [annotator, "adjudicate", "--project", "bench", "--min-agree", "2",
                       "--background"]
        else:
            command = [sys.executable, "-c", QUEUE_IMPORT, str(self.file)]

        def queue_and_watch() -> None:
            queued = subprocess.run(command, env=env, cwd=ROOT, capture_output=True,
                                    text=True, check=True)
            self.started = time.perf_counter()  # the job is on the queue from here
            self.watch(url, int(queued.stdout.split("queued job ")[1].split(":")[0]))

        self.watcher = threading.Thread(target=queue_and_watch, daemon=True)
        self.watcher.start()

    def watch(self, url: str, job_id: int) -> None:
        """Note the moment the job ends (its row, polled five times a second)."""
        # Lazy: only the watcher thread reads the database from this process.
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        try:
            while True:
                with engine.connect() as connection:
                    state, message, result = connection.execute(
                        text("SELECT state, message, result FROM job WHERE id = :id"),
                        {"id": job_id}).one()
                if state in FINAL:
                    self.ended = time.perf_counter()
                    self.state, self.message = state, message
                    if isinstance(result, str):  # SQLite hands JSON back as text
                        result = json.loads(result)
                    self.chunks = (result or {}).get("chunks") or {}
                    return
                time.sleep(0.2)
        finally:
            engine.dispose()

    def finish(self, stats) -> None:
        self.watcher.join(timeout=900)
        self.worker.terminate()
        self.worker.wait(timeout=30)
        ended = self.ended or time.perf_counter()
        window = [lat for t0, lat in stats.save_log if self.started <= t0 <= ended]
        self.result = {
            "job_s": round(ended - self.started, 1), "job_state": self.state,
            "job_message": self.message[:300], "chunks": self.chunks,
            "saves_during_job": len(window),
            "during_p50_ms": round(percentile(window, 0.50) * 1000, 1),
            "during_p99_ms": round(percentile(window, 0.99) * 1000, 1),
            "during_max_ms": round(max(window, default=float("nan")) * 1000, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", choices=["auto", "import", "none"], required=True)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--pause", type=float, default=None)
    parser.add_argument("--nice", type=int, default=10,
                        help="the worker's --nice (10, its default; 0: as the app servers)")
    args = parser.parse_args()
    settings: dict[str, str] = {}
    prefix = "ANNOTATOR_AUTO_CHUNK_SENTENCES" if args.job == "auto" else \
        "ANNOTATOR_IMPORT_CHUNK_ROWS"
    if args.chunk is not None:
        settings[prefix] = str(args.chunk)
    if args.pause is not None:
        settings["ANNOTATOR_AUTO_PAUSE_SECONDS" if args.job == "auto"
                 else "ANNOTATOR_IMPORT_PAUSE_SECONDS"] = str(args.pause)
    file = None
    if args.job == "import":
        file = Path(tempfile.mkdtemp(prefix="annotator-jobs-load-")) / "import.jsonl"
        write_articles(file, args.sentences)
    if args.job == "auto":
        add_pass_project(args.sentences)
    load = os.getloadavg()
    started = datetime.now(UTC)
    runs = []
    for i in range(args.repeat):
        during = JobDuring(args.job, file, settings, args.nice) if args.job != "none" else None
        row = run_once(args.db, args.clients, args.seconds, 4, during=during)
        row.update(during.result if during is not None else {
            "job_s": 0, "job_state": "no job", "job_message": "", "saves_during_job": 0,
            "during_p50_ms": float("nan"), "during_p99_ms": float("nan"),
            "during_max_ms": float("nan")})
        runs.append(row)
        print(f"# run {i + 1}: job {row['job_s']} s ({row['job_state']}: "
              f"{row['job_message']}); saves {row['saves']}, errors {row['errors']}, "
              f"p50 {row['save_p50_ms']} ms, p99 {row['save_p99_ms']} ms; during the job: "
              f"{row['saves_during_job']} saves, p50 {row['during_p50_ms']} ms, "
              f"p99 {row['during_p99_ms']} ms, max {row['during_max_ms']} ms; ceiling "
              f"{row['ceiling_per_s']} req/s; lost {row['lost_or_wrong']}; "
              f"chunks {row.get('chunks') or '-'}",
              file=sys.stderr, flush=True)
        for line in row["error_samples"] + row["problem_samples"]:
            print("#   !", line, file=sys.stderr, flush=True)

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    end_load = os.getloadavg()
    what = {"auto": f"the automatic pass over {args.sentences:,} sentences x 3",
            "import": f"an import of {args.sentences:,} sentences", "none": "no job"}[args.job]
    print(f"Run {started:%Y-%m-%d %H:%M} UTC, {args.db}, {args.clients} clients, gunicorn 4 "
          f"sync workers + 1 `annotator worker`, {args.seconds:.0f} s of flow, job: {what} "
          f"({settings or 'default chunks'}, worker niceness {args.nice}); median of "
          f"{len(runs)} runs; {os.cpu_count()} "
          f"cores, load average {load[0]:.1f} before, {end_load[0]:.1f} after.")
    print()
    print("| job | job s | saves/s | errors | save p50 ms | save p99 ms | saves during job | "
          "p50 / p99 during job ms | max during job ms | `/healthz` ceiling req/s | "
          "nothing lost |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    lost = sum(int(r["lost_or_wrong"]) + int(r["duplicates"]) for r in runs)
    print(f"| {args.job} ({args.db}) | {med('job_s'):.1f} | {med('saves_per_s'):.0f} | "
          f"{sum(int(r['errors']) for r in runs)} | {med('save_p50_ms'):.1f} | "
          f"{med('save_p99_ms'):.1f} | {med('saves_during_job'):.0f} | "
          f"{med('during_p50_ms'):.1f} / {med('during_p99_ms'):.1f} | "
          f"{med('during_max_ms'):.1f} | {med('ceiling_per_s'):.0f} | "
          f"{'yes' if not lost else f'**no** ({lost})'} |")
    failed = lost or any(r["job_state"] not in ("done", "no job") for r in runs)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
