"""Benchmark: create a 100,000-sentence batch (overlap 3, 10 annotators) and time "next sentence".

Run: `.venv/bin/python bench/bench_batches.py [--runs 3]`. SQLite file database in a temp dir.
Part 1 times `create_batch` + commit (selection, allocation, bulk inserts). Part 2 builds one
annotator's queue of 30,000 sentences with 20,000 finished and times the queue query, and shows
the query plan (the index it uses).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select, text, update

from annotator import create_app


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


def bench_create(workdir: Path, run: int, sentences: int) -> float:
    app = create_app({"SECRET_KEY": "b", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{workdir / f'batch-{run}.sqlite3'}"})
    from annotator.assignments.services import create_batch
    from annotator.auth.services import create_user
    from annotator.extensions import db
    from annotator.projects.services import create_project

    with app.app_context():
        db.create_all()
        project = create_project(db.session, "bench")
        names = [f"ann{i}" for i in range(10)]
        for name in names:
            create_user(db.session, name, "bench-password", "annotator")
        db.session.commit()
        fill_corpus(db, project.id, sentences)
        t0 = time.perf_counter()
        created = create_batch(db.session, project.id, source="remaining", annotators=names,
                               overlap=3, seed=run)
        db.session.commit()
        elapsed = time.perf_counter() - t0
        assert created.sentences == sentences
        db.engine.dispose()
    return elapsed


def bench_next(workdir: Path, queue_len: int = 30_000, finished: int = 20_000,
               calls: int = 2000) -> tuple[float, float, str]:
    app = create_app({"SECRET_KEY": "b", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{workdir / 'next.sqlite3'}"})
    from annotator.assignments.models import Assignment
    from annotator.assignments.queries import next_sentence_id
    from annotator.assignments.services import create_batch
    from annotator.auth.services import create_user
    from annotator.extensions import db
    from annotator.projects.services import create_project

    with app.app_context():
        db.create_all()
        project = create_project(db.session, "bench")
        names = [f"ann{i}" for i in range(3)]
        for name in names:
            create_user(db.session, name, "bench-password", "annotator")
        db.session.commit()
        fill_corpus(db, project.id, queue_len)
        created = create_batch(db.session, project.id, source="remaining", annotators=names,
                               overlap=3, seed=1)  # every annotator holds all 30,000
        db.session.commit()
        user_id = db.session.scalar(select(create_user.__globals__["User"].id).where(
            create_user.__globals__["User"].username == "ann0"))
        positions = select(Assignment.id).where(
            Assignment.annotator_id == user_id, Assignment.batch_id == created.batch.id,
            Assignment.position < finished).scalar_subquery()
        db.session.execute(update(Assignment).where(Assignment.id.in_(positions))
                           .values(finished=True).execution_options(synchronize_session=False))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        plan = db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT sentence_id FROM assignment WHERE annotator_id = :u "
            "AND batch_id = :b AND finished = 0 ORDER BY position LIMIT 1"),
            {"u": user_id, "b": created.batch.id}).all()
        timings = []
        for _ in range(calls):
            t0 = time.perf_counter()
            sid = next_sentence_id(db.session, user_id, created.batch.id)
            timings.append(time.perf_counter() - t0)
        assert sid is not None
        db.engine.dispose()
    timings.sort()
    return statistics.median(timings), timings[int(0.99 * len(timings)) - 1], str(plan[-1][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = [bench_create(Path(tmp), run, args.sentences) for run in range(args.runs)]
        print(f"create_batch: {args.sentences} sentences x overlap 3 over 10 annotators "
              f"({3 * args.sentences} assignments)")
        print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times))
        print(f"  median: {statistics.median(times):.2f} s (target < 5 s)")
        median, p99, plan = bench_next(Path(tmp))
        print("next sentence: queue 30,000, 20,000 finished, 2,000 calls")
        print(f"  median {median * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms (target median < 5 ms)")
        print(f"  plan: {plan}")


if __name__ == "__main__":
    main()
