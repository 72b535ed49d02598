"""Benchmark: create a 100,000-sentence batch (overlap 3, 10 annotators) and time "next sentence".

Run: `.venv/bin/python bench/bench_batches.py [--runs 3] [--markdown]` (SQLite files in a temp
dir). Part 1 times `create_batch` + commit (selection, allocation, bulk inserts) against a
floor measured in the same run: the same 400,000 rows written by sqlite3's executemany straight
into an identical empty schema, with no application code at all. Part 2 gives one annotator a
queue of 30,000 sentences of which 20,000 are finished (in reading order, and again scattered at
random), times the queue query (`next_sentence_id`) and `GET /api/queue/next` through Flask,
each against a `SELECT 1` floor taken in the same run, and prints the query plan SQLite uses.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text, update

from annotator import create_app

ANNOTATORS = 10
OVERLAP = 3
PASSWORD = "bench-password"


def make_app(path: Path):
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                       "RATELIMIT_ENABLED": False})


def fill_corpus(db, project_id: int, sentences: int, per_doc: int = 25) -> None:
    """Documents and sentences inserted directly (the import path is benchmarked elsewhere)."""
    from annotator.corpus.models import Document, Sentence

    body = "Rebels shelled the town. " * per_doc
    docs = sentences // per_doc
    doc_ids = db.session.scalars(
        insert(Document).returning(Document.id, sort_by_parameter_order=True),
        [{"project_id": project_id, "title": f"Doc {i}", "text": body,
          "content_hash": f"{i:064d}"} for i in range(docs)],
    ).all()
    db.session.execute(
        insert(Sentence),
        [{"document_id": d, "project_id": project_id, "index": j, "start": 25 * j,
          "end": 25 * j + 24, "excluded": False} for d in doc_ids for j in range(per_doc)],
    )
    db.session.commit()


def setup_project(db, sentences: int, annotators: int) -> tuple[int, list[str]]:
    from annotator.auth.services import create_user
    from annotator.projects.services import create_project

    db.create_all()
    project = create_project(db.session, "bench")
    names = [f"ann{i}" for i in range(annotators)]
    for name in names:
        create_user(db.session, name, PASSWORD, "annotator")
    db.session.commit()
    fill_corpus(db, project.id, sentences)
    return project.id, names


def bench_create(workdir: Path, run: int, sentences: int) -> tuple[float, float, int]:
    """Seconds for create_batch + commit, seconds for the raw-sqlite3 floor, rows written."""
    path = workdir / f"batch-{run}.sqlite3"
    app = make_app(path)
    from annotator.assignments.models import BatchSentence
    from annotator.assignments.services import create_batch
    from annotator.extensions import db

    with app.app_context():
        project_id, names = setup_project(db, sentences, ANNOTATORS)
        t0 = time.perf_counter()
        created = create_batch(db.session, project_id, source="remaining", annotators=names,
                               overlap=OVERLAP, seed=run)
        db.session.commit()
        elapsed = time.perf_counter() - t0
        assert created.sentences == sentences
        rows = {
            "batch_sentence": [tuple(r) for r in db.session.execute(select(
                BatchSentence.batch_id, BatchSentence.sentence_id, BatchSentence.position))],
            "assignment": [tuple(r) for r in db.session.execute(text(
                "SELECT batch_id, annotator_id, sentence_id, position, finished, created_at "
                "FROM assignment ORDER BY id"))],
        }
        assert len(rows["assignment"]) == OVERLAP * sentences
        db.engine.dispose()
    floor = raw_insert_floor(path, workdir / f"floor-{run}.sqlite3", rows)
    return elapsed, floor, len(rows["batch_sentence"]) + len(rows["assignment"])


def raw_insert_floor(schema_from: Path, path: Path, rows: dict[str, list[tuple]]) -> float:
    """The same rows into an identical empty schema with sqlite3 alone (same pragmas)."""
    source = sqlite3.connect(schema_from)
    ddl = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN "
        "('batch_sentence', 'assignment') ORDER BY type DESC")]
    source.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for sql in ddl:  # without the foreign keys' parent tables: keys are not checked here
        conn.execute(sql)
    conn.commit()
    t0 = time.perf_counter()
    conn.executemany("INSERT INTO batch_sentence (batch_id, sentence_id, position) "
                     "VALUES (?, ?, ?)", rows["batch_sentence"])
    conn.executemany("INSERT INTO assignment (batch_id, annotator_id, sentence_id, position, "
                     "finished, created_at) VALUES (?, ?, ?, ?, ?, ?)", rows["assignment"])
    conn.commit()
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def timed(fn, calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ms(values: list[float], q: float = 0.5) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_next(workdir: Path, queue_len: int, finished: int, calls: int,
               scattered: bool) -> dict[str, object]:
    """One annotator's queue of ``queue_len`` with ``finished`` done; time the next query."""
    app = make_app(workdir / f"next-{'random' if scattered else 'ordered'}.sqlite3")
    from annotator.assignments.models import Assignment
    from annotator.assignments.queue import next_sentence_id, next_sentence_query
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User
    from annotator.extensions import db

    with app.app_context():
        # three annotators with overlap 3: each one's queue holds every sentence
        project_id, names = setup_project(db, queue_len, 3)
        created = create_batch(db.session, project_id, source="remaining", annotators=names,
                               overlap=3, seed=1)
        db.session.commit()
        batch_id = created.batch.id
        user_id = db.session.scalar(select(User.id).where(User.username == "ann0"))
        positions = list(range(queue_len))
        done = (set(random.Random(5).sample(positions, finished)) if scattered
                else set(positions[:finished]))
        db.session.execute(
            update(Assignment)
            .where(Assignment.annotator_id == user_id, Assignment.batch_id == batch_id,
                   Assignment.position.in_(sorted(done)))
            .values(finished=True).execution_options(synchronize_session=False))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        first_open = min(set(positions) - done)
        expected = db.session.scalar(select(Assignment.sentence_id).where(
            Assignment.annotator_id == user_id, Assignment.batch_id == batch_id,
            Assignment.position == first_open))
        assert next_sentence_id(db.session, user_id, batch_id) == expected
        # the plan of the very statement the app runs, compiled by SQLAlchemy
        statement = next_sentence_query(user_id, batch_id)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = [row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        query = timed(lambda: next_sentence_id(db.session, user_id, batch_id), calls)
        floor = timed(lambda: db.session.scalar(select(1)), calls)
        db.session.commit()
        db.engine.dispose()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": "ann0", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.get(f"/api/queue/next?batch={batch_id}").json["sentence_id"] == expected
    api = timed(lambda: client.get(f"/api/queue/next?batch={batch_id}"), calls // 4)
    health = timed(lambda: client.get("/healthz"), calls // 4)
    with app.app_context():
        db.engine.dispose()
    return {"sql": sql, "plan": plan, "query": query, "floor": floor, "api": api,
            "health": health}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--queue", type=int, default=30_000)
    parser.add_argument("--finished", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    started = datetime.now(UTC)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        create_runs = [bench_create(Path(tmp), run, args.sentences) for run in range(args.runs)]
        nexts = {name: bench_next(Path(tmp), args.queue, args.finished, args.calls, scattered)
                 for name, scattered in (("in reading order", False), ("scattered", True))}
    times = [c[0] for c in create_runs]
    floors = [c[1] for c in create_runs]
    rows = create_runs[0][2]
    print(f"Run {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start "
          f"(above {os.cpu_count()}: other work was competing for the cores).\n")
    print(f"Creating a batch of {args.sentences:,} sentences, overlap {OVERLAP}, over "
          f"{ANNOTATORS} annotators ({rows:,} rows), SQLite, {args.runs} runs:\n")
    print("| | runs (s) | median (s) | target |")
    print("|---|---|---|---|")
    print(f"| `create_batch` + commit | {', '.join(f'{t:.2f}' for t in times)} | "
          f"**{statistics.median(times):.2f}** | < 5 s |")
    print(f"| floor: the same rows by sqlite3 `executemany` alone | "
          f"{', '.join(f'{t:.2f}' for t in floors)} | {statistics.median(floors):.2f} | |")
    ratio = statistics.median(t / f for t, f in zip(times, floors))
    print(f"| ratio to the floor (median of runs) | | {ratio:.2f}x | |\n")
    print(f"\"Next sentence\" with a queue of {args.queue:,} of which {args.finished:,} are "
          f"finished ({args.calls:,} calls; ms):\n")
    print("| finished sentences | query median | query p99 | `SELECT 1` median | "
          "`GET /api/queue/next` median | `GET /healthz` median | target |")
    print("|---|---|---|---|---|---|---|")
    for name, r in nexts.items():
        print(f"| {name} | **{ms(r['query']):.3f}** | {ms(r['query'], 0.99):.3f} | "
              f"{ms(r['floor']):.3f} | {ms(r['api']):.2f} | {ms(r['health']):.2f} | "
              "median < 5 ms |")
    first = nexts["in reading order"]
    print("\nThe query as SQLAlchemy compiles it for SQLite, and `EXPLAIN QUERY PLAN`:\n")
    print("```sql\n" + first["sql"].strip() + "\n```\n")
    print("```\n" + "\n".join(first["plan"]) + "\n```")


if __name__ == "__main__":
    main()
