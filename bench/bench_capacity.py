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

Run: `.venv/bin/python bench/bench_capacity.py [--db postgresql|sqlite|both] [--clients 16]
[--seconds 15] [--workers 4] [--repeat 3]`; prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load_test import children, process_cpu, run_once  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    started = datetime.now(UTC)
    load = os.getloadavg()
    lines = [
        f"Run {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start; gunicorn {args.workers} "
        f"sync workers, {args.clients} clients, {args.seconds:.0f} s of flow, median of "
        f"{args.repeat} runs.", "",
        "| database | saves/s | `/healthz` ceiling req/s | app CPU ms per save | saves/s per "
        "app core | DB CPU ms per save | worker RSS MiB | worker PSS MiB | errors | lost |",
        "|---|---|---|---|---|---|---|---|---|---|"]
    for db_kind in dbs:
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
    print("\n".join(lines))


if __name__ == "__main__":
    main()
