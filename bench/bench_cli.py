"""Benchmark: how fast the `annotator` command line starts (issue 11: --help < 0.4 s, export of
an empty project < 0.8 s).

Each case is a fresh interpreter, as a person or a script runs it, timed wall-clock; the runs
of all cases are interleaved and the medians reported, beside two same-run references: a bare
interpreter (`python -c pass`) and one that only imports Flask (what any Flask command line
pays). --repo runs the code of another checkout (say the commit before a change) with this
interpreter, so before and after are measured in one session.
Run: `.venv/bin/python bench/bench_cli.py [--runs 9] [--repo DIR]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the console script runs (pyproject.toml: annotator = "annotator.cli:run"); a checkout
# from before `run` existed (--repo) runs `main`.
CLI = ("import annotator.cli as c; "
       "(c.run if hasattr(c, 'run') else lambda: c.main(prog_name='annotator'))()")


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--repo", type=Path, default=ROOT,
                        help="checkout whose annotator package is run (default: this one)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ANNOTATOR_INSTANCE": tmp, "SECRET_KEY": "bench",
               "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "PYTHONPATH": str(repo)}
        env.pop("FLASK_APP", None)
        py = sys.executable
        timed([py, "-c", CLI, "init-db"], repo, env)
        timed([py, "-c", CLI, "create-project", "Empty"], repo, env)
        cases = {
            "python -c pass (reference)": [py, "-c", "pass"],
            "python -c 'import flask' (reference)": [py, "-c", "import flask"],
            "annotator --help": [py, "-c", CLI, "--help"],
            "annotator export, empty project": [
                py, "-c", CLI, "export", "--project", "Empty", "--format", "jsonl",
                "--out", f"{tmp}/empty.jsonl"],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, command in cases.items():
                times[name].append(timed(command, repo, env))
    bare = statistics.median(times["python -c pass (reference)"])
    print(f"code: {repo}   runs: {args.runs}   load average: {os.getloadavg()[0]:.2f}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:40s} median {median * 1000:7.0f} ms   "
              f"(min {min(values) * 1000:5.0f}, max {max(values) * 1000:5.0f})   "
              f"{median / bare:5.1f}x bare interpreter")


if __name__ == "__main__":
    main()
