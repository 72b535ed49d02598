"""Capacity figures for the deployment guide (issue 15): what one core of app server does, and
what memory each process takes, measured here so a deployment can be sized from them.

Each run is bench/load_test.py's run (fresh database, gunicorn sync workers, the `/healthz`
ceiling, the annotators' flow with no think time, the nothing-lost check). Measured during the
flow, from /proc:

- app-server CPU per save: the gunicorn workers' CPU seconds ÷ saves, so "saves/s per core"
  = 1 ÷ that (each save of the flow carries its share of the queue and sentence requests:
  one `next` and one `load` per 2-6 saves);
- database-server CPU per save (PostgreSQL: its server processes; SQLite works inside the
  workers, so its cost is already in the app figure);
- memory of each gunicorn worker at the end of the flow: RSS and PSS (PSS shares the pages
  workers have in common among them, so PSS × workers is what they take together).

With ``--jobs``, also the job side: one `annotator worker` (2 threads) on a fresh database of
the same kind, with the queue the deployment would use (the SQLite file; PostgreSQL's own
queue; Redis with ``--redis``), runs ``--jobs`` article imports of ``--job-sentences``
sentences each, queued at once: imports per minute and sentences per second end to end (from
queueing the first to the last one done), and the worker's peak memory (VmHWM) and RSS after;
as the same-run reference, one more such file imported inline by `annotator import-articles`
(no job, no queue; its process start-up included).

Run: `.venv/bin/python bench/bench_capacity.py [--db postgresql|sqlite|both] [--clients 16]
[--seconds 15] [--workers 4] [--repeat 3] [--jobs 8 --job-sentences 5000 [--redis]]`; prints
Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load_test import children, free_port, process_cpu, run_once  # noqa: E402

UNITS = ["the 25th Mission Forces", "a border guard company", "the Hamza Division"]
PLACES = ["Tal Abyad", "Ras al-Ain", "Saraqib", "Maarat", "Kafr Nabl"]


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB (Linux /proc)."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "Rss":
                rss = int(value.split()[0])
            elif name == "Pss":
                pss = int(value.split()[0])
    except OSError:
        pass
    return rss, pss


def postgres_pids(url: str) -> list[int]:
    """The PostgreSQL server of a throwaway TempPostgres: the postmaster and its children."""
    sockdir = url.split("host=", 1)[1].split("&", 1)[0]
    pidfile = Path(sockdir).parent / "data" / "postmaster.pid"
    try:
        postmaster = int(pidfile.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return []
    return [postmaster, *children(postmaster)]


class Measure:
    """Hooked into ``run_once``: samples the CPU of the database server over the flow, and the
    workers' memory at its end (before the server is stopped)."""

    def __init__(self) -> None:
        self.result: dict[str, float] = {}

    def start(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.db_pids = postgres_pids(url) if url.startswith("postgresql") else []
        self.db_cpu = process_cpu(self.db_pids)

    def finish(self, stats) -> None:
        db_cpu = process_cpu(self.db_pids + [p for pid in self.db_pids for p in children(pid)])
        db_cpu -= self.db_cpu
        masters = [p for p in children(os.getpid()) if children(p)]
        workers = [w for m in masters for w in children(m)]
        after_flow = [memory_kib(w) for w in workers]
        self.result = {
            "db_cpu_s": round(db_cpu, 2),
            "worker_rss_mib": round(statistics.median(r for r, _ in after_flow) / 1024, 1),
            "worker_pss_mib": round(statistics.median(p for _, p in after_flow) / 1024, 1),
            "workers": len(workers),
        }


def run(db_kind: str, clients: int, seconds: float, workers: int) -> dict[str, object]:
    """One load run with the capacity figures added."""
    measure = Measure()
    row = run_once(db_kind, clients, seconds, workers, during=measure)
    cores = os.cpu_count() or 1
    server_cpu_s = float(row["cpu_server"]) * cores * float(row["seconds"])
    saves = int(row["saves"])
    row.update(measure.result)
    row["app_cpu_ms_per_save"] = round(server_cpu_s / max(saves, 1) * 1000, 2)
    row["saves_per_core_s"] = round(saves / server_cpu_s, 1) if server_cpu_s else 0.0
    row["db_cpu_ms_per_save"] = round(float(row.get("db_cpu_s", 0)) / max(saves, 1) * 1000, 2)
    return row


def status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM), 0 when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def article_file(sentences: int, seed: int) -> bytes:
    """A JSONL upload of original front-line reports, 20 sentences an article."""
    lines = []
    for a in range(sentences // 20):
        body = " ".join(
            f"On day {j + 1}, {UNITS[(a + j + seed) % len(UNITS)]} shelled positions near "
            f"{PLACES[(a * 3 + j) % len(PLACES)]} ({seed}-{a}-{j}), residents said."
            for j in range(20))
        lines.append(json.dumps({"title": f"Report {seed}-{a}", "text": body}))
    return "\n".join(lines).encode()


def run_jobs(db_kind: str, jobs: int, sentences: int, use_redis: bool) -> dict[str, float]:
    """One worker, ``jobs`` imports queued at once: throughput and the worker's memory."""
    from tests.pg import TempPostgres

    workdir = Path(tempfile.mkdtemp(prefix="annotator-jobs-"))
    pg = redis = worker = None
    try:
        if db_kind == "postgresql":
            pg = TempPostgres("-c fsync=on -c full_page_writes=on -c synchronous_commit=on")
            url = pg.start().format(db="jobs")
            pg.create_database("jobs")
        else:
            url = f"sqlite:///{workdir / 'jobs.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "capacity",
               "ANNOTATOR_INSTANCE": str(workdir / "instance"), "PYTHONPATH": str(ROOT)}
        env.pop("REDIS_URL", None)
        if use_redis:
            port = free_port()
            redis = subprocess.Popen(
                [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(workdir)], stdout=subprocess.DEVNULL, start_new_session=True)
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
            time.sleep(0.5)
        cli = str(Path(sys.executable).with_name("annotator"))
        subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        project = subprocess.run([cli, "create-project", "capacity"], env=env,
                                 capture_output=True, text=True)
        if project.returncode != 0:
            raise RuntimeError(project.stderr)
        worker = subprocess.Popen([cli, "worker", "--threads", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        time.sleep(2)  # started and idle
        idle_rss = status_kib(worker.pid, "VmRSS")
        started = time.perf_counter()
        ids = submit_imports(env, jobs, sentences)
        done_at = wait_for_jobs(env, ids)
        elapsed = done_at - started
        rss_after = status_kib(worker.pid, "VmRSS")
        peak = status_kib(worker.pid, "VmHWM")
        # Same-run reference: one such file imported inline by the command line, no job.
        reference = workdir / "reference.jsonl"
        reference.write_bytes(article_file(sentences, 10_000))
        t0 = time.perf_counter()
        subprocess.run([cli, "import-articles", "--project", "capacity", str(reference)],
                       env=env, check=True, capture_output=True)
        inline = time.perf_counter() - t0
        return {
            "jobs": jobs, "sentences_each": sentences, "seconds": round(elapsed, 2),
            "imports_per_min": round(jobs / elapsed * 60, 1),
            "sentences_per_s": round(jobs * sentences / elapsed),
            "worker_idle_rss_mib": round(idle_rss / 1024, 1),
            "worker_rss_mib": round(rss_after / 1024, 1),
            "worker_peak_mib": round(peak / 1024, 1),
            "inline_sentences_per_s": round(sentences / inline),
        }
    finally:
        for process in (worker, redis):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        if pg is not None:
            pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def submit_imports(env: dict[str, str], jobs: int, sentences: int) -> list[int]:
    """Queue ``jobs`` imports into the project "capacity" (as the documents page does)."""
    script = (
        "import sys, json\n"
        "from annotator import create_app\n"
        "from annotator.extensions import db\n"
        "from annotator.jobs import queue, services\n"
        "from annotator.projects.services import get_project_by_name\n"
        "sys.path.insert(0, 'bench')\n"
        "from bench_capacity import article_file\n"
        "app = create_app()\n"
        "ids = []\n"
        "with app.app_context():\n"
        "    project = get_project_by_name(db.session, 'capacity').id\n"
        f"    for n in range({jobs}):\n"
        "        job = services.submit(db.session, 'import-articles', project_id=project,\n"
        f"            inputs=[(f'r{{n}}.jsonl', article_file({sentences}, n))])\n"
        "        db.session.commit()\n"
        "        ids.append(job.id)\n"
        "        queue.enqueue(job.id)\n"
        "print(json.dumps(ids))\n")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wait_for_jobs(env: dict[str, str], ids: list[int], timeout: float = 1800) -> float:
    """Poll the job table until every job ended; when the last did (perf_counter)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    deadline = time.perf_counter() + timeout
    try:
        while time.perf_counter() < deadline:
            with engine.connect() as conn:
                states = conn.execute(text("SELECT state FROM job")).scalars().all()
            if states and all(s in ("done", "failed", "cancelled") for s in states):
                if any(s != "done" for s in states):
                    raise RuntimeError(f"jobs ended {states}")
                return time.perf_counter()
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise RuntimeError("jobs did not finish")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0,
                        help="also measure job throughput: this many imports (0: skip)")
    parser.add_argument("--job-sentences", type=int, default=5000)
    parser.add_argument("--redis", action="store_true", help="jobs on a Redis queue")
    parser.add_argument("--no-load", action="store_true", help="only the jobs part")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    started = datetime.now(UTC)
    load = os.getloadavg()
    lines = [f"Run {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
             f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start."]
    if not args.no_load:
        lines += [
            "", f"Saves: gunicorn {args.workers} sync workers, {args.clients} clients, "
            f"{args.seconds:.0f} s of flow, median of {args.repeat} runs.", "",
            "| database | saves/s | `/healthz` ceiling req/s | app CPU ms per save | saves/s "
            "per app core | DB CPU ms per save | worker RSS MiB | worker PSS MiB | errors | "
            "lost |", "|---|---|---|---|---|---|---|---|---|---|"]
    for db_kind in [] if args.no_load else dbs:
        rows = []
        for i in range(args.repeat):
            row = run(db_kind, args.clients, args.seconds, args.workers)
            rows.append(row)
            print(f"# {db_kind} run {i + 1}: {row['saves_per_s']} saves/s, "
                  f"{row['app_cpu_ms_per_save']} app ms/save, {row['db_cpu_ms_per_save']} DB "
                  f"ms/save, worker RSS {row.get('worker_rss_mib')} MiB PSS "
                  f"{row.get('worker_pss_mib')} MiB, errors {row['errors']}, lost "
                  f"{row['lost_or_wrong']}, idle {row['cpu_idle']}", file=sys.stderr,
                  flush=True)

        def median(key: str, rows: list[dict[str, object]] = rows) -> float:
            return statistics.median(float(r[key]) for r in rows)

        lines.append(
            f"| {db_kind} | {median('saves_per_s'):.0f} | {median('ceiling_per_s'):.0f} | "
            f"{median('app_cpu_ms_per_save'):.2f} | {median('saves_per_core_s'):.0f} | "
            f"{median('db_cpu_ms_per_save'):.2f} | {median('worker_rss_mib'):.0f} | "
            f"{median('worker_pss_mib'):.0f} | {sum(int(r['errors']) for r in rows)} | "
            f"{sum(int(r['lost_or_wrong']) for r in rows)} |")
    if args.jobs:
        lines += ["", f"Jobs: one `annotator worker --threads 2`, {args.jobs} imports of "
                  f"{args.job_sentences:,} sentences queued at once, median of {args.repeat} "
                  f"runs{' (Redis queue)' if args.redis else ''}.", "",
                  "| database | queue | imports/min | sentences/s | same run: one import inline "
                  "(`annotator import-articles`), sentences/s | worker RSS idle MiB | "
                  "worker RSS after MiB | worker peak MiB |", "|---|---|---|---|---|---|---|---|"]
        for db_kind in dbs:
            runs = []
            for i in range(args.repeat):
                r = run_jobs(db_kind, args.jobs, args.job_sentences, args.redis)
                runs.append(r)
                print(f"# jobs {db_kind} run {i + 1}: {r}", file=sys.stderr, flush=True)

            def med(key: str, runs: list[dict[str, float]] = runs) -> float:
                return statistics.median(float(r[key]) for r in runs)

            queue_kind = "redis" if args.redis else db_kind
            lines.append(f"| {db_kind} | {queue_kind} | {med('imports_per_min'):.1f} | "
                         f"{med('sentences_per_s'):.0f} | {med('inline_sentences_per_s'):.0f} | "
                         f"{med('worker_idle_rss_mib'):.0f} | "
                         f"{med('worker_rss_mib'):.0f} | {med('worker_peak_mib'):.0f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
