#!/bin/sh
# Re-run the whole load test of issue 6 and print the Markdown table for docs/benchmarks.md:
# SQLite and PostgreSQL, N = 10, 16, 50, 200 simulated annotators, gunicorn 4 sync workers
# (as `annotator serve`), 15 s of flow per run, the median of 3 runs per cell.
# Extra arguments go to load_test.py (e.g. --threads 4 for gthread workers, --repeat 5).
set -eu
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/load_test.py --matrix --seconds 15 --repeat 3 "$@"
