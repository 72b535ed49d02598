"""Benchmark: the admin progress dashboard's queries and the untyped-EVENT lists on a big batch.

Data (built once per run, SQLite file in a temporary directory): bench_batches.py's project of
100,000 sentences in one batch with overlap 3 over 10 annotators (300,000 assignments), and an
annotation for every assignment (2/3 done, 1/6 in progress, 1/6 skipped) with three spans
(ACTOR, EVENT, LOCATION): 900,000 spans, a fifth of the EVENT spans without an event type.

Timed, interleaved, medians of --runs: what the dashboard view asks (per-annotator progress,
per-batch totals, the project-wide untyped count), the untyped counts alone, the first page of
the project-wide untyped list, an annotator's home page data (their batches) and their own
untyped list; `SELECT 1` through the same session is the same-run floor.

Run: `.venv/bin/python bench/bench_dashboard.py [--runs 5] [--sentences 100000]`
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_batches import make_app, setup_project
from sqlalchemy import insert, select, text


def build(db, sentences: int) -> tuple[int, int, int]:
    """The project, its batch and annotations; returns (project id, an annotator id, untyped)."""
    from annotator.annotation.models import Annotation, SpanRow
    from annotator.assignments.models import Assignment
    from annotator.assignments.services import create_batch

    project_id, names = setup_project(db, sentences, 10)
    create_batch(db.session, project_id, source="remaining", annotators=names, overlap=3, seed=1)
    db.session.commit()
    rows = db.session.execute(select(Assignment.sentence_id, Assignment.annotator_id)).all()
    rnd = random.Random(3)
    now = datetime.now(UTC)
    annotations, spans = [], []
    untyped = 0
    for i, (sentence_id, user_id) in enumerate(rows, start=1):
        r = rnd.random()
        status = "done" if r < 2 / 3 else ("in_progress" if r < 5 / 6 else "skipped")
        annotations.append({"id": i, "sentence_id": sentence_id, "annotator_id": user_id,
                            "status": status, "version": 1, "time_spent": rnd.uniform(3, 60),
                            "flagged": False, "created_at": now, "updated_at": now})
        typed = rnd.random() >= 0.2
        untyped += not typed
        spans += [
            {"annotation_id": i, "start": 0, "end": 6, "label": "ACTOR", "attributes": {}},
            {"annotation_id": i, "start": 7, "end": 14, "label": "EVENT",
             "attributes": {"event_type": "shelling_artillery_missile"} if typed else {}},
            {"annotation_id": i, "start": 15, "end": 23, "label": "LOCATION", "attributes": {}},
        ]
    db.session.execute(insert(Annotation), annotations)
    db.session.execute(insert(SpanRow), spans)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    user_id = db.session.scalar(text("SELECT id FROM user WHERE username = 'ann0'"))
    return project_id, user_id, untyped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=100_000)
    args = parser.parse_args()

    app = make_app(Path(tempfile.mkdtemp(prefix="annotator-dash-")) / "dash.sqlite3")
    from annotator.assignments import progress, untyped
    from annotator.extensions import db

    with app.app_context():
        started = time.perf_counter()
        project_id, user_id, untyped = build(db, args.sentences)
        s = db.session
        print(f"data: {args.sentences:,} sentences, overlap 3 over 10 annotators, "
              f"{untyped:,} untyped EVENT spans of {3 * args.sentences * 3:,} spans "
              f"({time.perf_counter() - started:.0f} s to build)")

        def dashboard() -> None:
            rows = progress.batch_progress(s, project_id)
            progress.batch_totals(s, project_id, per_annotator=rows)
            untyped.count_untyped(s, project_id)

        cases = {
            "dashboard queries (progress, totals, untyped total)": dashboard,
            "untyped counts alone (grouped + project-wide)": lambda: (
                untyped.untyped_counts(s, project_id), untyped.count_untyped(s, project_id)),
            "project-wide untyped list, first page": lambda: untyped.list_untyped(
                s, project_id, limit=100),
            "annotator's home page (their batches)": lambda: progress.list_my_batches(s, user_id),
            "annotator's own untyped list, first page": lambda: untyped.list_untyped(
                s, project_id, annotator_id=user_id, openable_only=True, limit=100),
            "SELECT 1 (floor)": lambda: s.scalar(select(1)),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, call in cases.items():
                t0 = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - t0)
                s.rollback()
        # The figures are only worth something if the count is right.
        assert untyped.count_untyped(s, project_id) == untyped
        print(f"{args.runs} runs, interleaved; load average {os.getloadavg()[0]:.1f}")
        print("| query | runs (ms) | median (ms) |")
        print("|---|---|---|")
        for name, values in times.items():
            runs = ", ".join(f"{v * 1000:.1f}" for v in values)
            print(f"| {name} | {runs} | {statistics.median(values) * 1000:.1f} |")
        db.engine.dispose()


if __name__ == "__main__":
    main()
