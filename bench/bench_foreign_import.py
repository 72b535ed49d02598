"""How long an import of another tool's file that creates its documents holds the database.

An annotator's save waits while another transaction writes (SQLite has one write lock for the
whole file), so what matters for saves during an import is how long each of its write
transactions lasts. Data: an empty SQLite project (an admin closes the gold) and a doccano JSONL file of --documents
original news-like documents (bench_import_load.py's generated text, 20 sentences each) with
three spans a sentence (UNIT, EVENT, LOCATION); the project has none of the documents, so the
import creates every one, split into sentences as an upload is, then writes the spans as gold.

Timed, on a fresh copy of the database each run, in one process, every transaction that
writes, from its first write statement (where SQLite takes the write lock) to its COMMIT:
`import_files(..., chunk_rows=IMPORT_CHUNK_ROWS)` as `annotator
import-annotations` and the import job run it now (new documents staged hidden, a chunk per
commit, shown by the last transaction), and `chunk_rows=None`, everything in one transaction,
which is what an import creating documents did before (the same-run reference).

Run: `.venv/bin/python bench/bench_foreign_import.py [--documents 500] [--runs 3]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import_load import write_articles  # noqa: E402

from annotator import create_app  # noqa: E402


def build(path: Path, documents: int, workdir: Path) -> bytes:
    """An empty project (and its curator) in ``path``; returns the doccano file."""
    from annotator.auth.services import create_user
    from annotator.extensions import db
    from annotator.projects.services import create_project

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        create_project(db.session, "bench")
        create_user(db.session, "cur", "bench-lantern-harbour", "admin")
        db.session.commit()
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    articles = workdir / "articles.jsonl"
    write_articles(articles, documents * 20)
    lines = []
    for line in articles.read_text().splitlines():
        text = json.loads(line)["text"]
        lines.append(json.dumps({"text": text, "label": labels(text)}))
    return ("\n".join(lines) + "\n").encode()


def labels(text: str) -> list[list[object]]:
    """UNIT, EVENT and LOCATION on each generated sentence ("On day N of the offensive, UNIT
    shelled positions near PLACE (...), residents said.")."""
    out: list[list[object]] = []
    at = 0
    while (start := text.find("On day ", at)) >= 0:
        unit = text.index(", ", start) + 2
        event = text.index(" shelled", unit)
        place = text.index("near ", event) + 5
        place_end = text.index(" (", place)
        out += [[unit, event, "UNIT"], [event + 1, event + 8, "EVENT"],
                [place, place_end, "LOCATION"]]
        at = place_end
    return out


def run_once(path: Path, data: bytes, chunked: bool) -> dict[str, float]:
    from sqlalchemy import event

    from annotator.export.foreign_import import import_files
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    first_write: list[float | None] = [None]
    spans: list[float] = []

    def statement(conn, cursor, sql: str, *args) -> None:
        if first_write[0] is None and not sql.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            first_write[0] = time.perf_counter()

    def commit(conn) -> None:
        if first_write[0] is not None:  # a transaction that wrote: it held the write lock
            spans.append(time.perf_counter() - first_write[0])
        first_write[0] = None

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", statement)
        event.listen(db.engine, "commit", commit)
        event.listen(db.engine, "rollback", lambda conn: first_write.__setitem__(0, None))
        project = get_project_by_name(db.session, "bench")
        db.session.commit()
        spans.clear()
        t0 = time.perf_counter()
        outcome = import_files(db.session, project, [("bench.jsonl", data)], fmt="doccano",
                               mode="gold", curator="cur",
                               chunk_rows=app.config["IMPORT_CHUNK_ROWS"] if chunked else None)
        db.session.commit()
        total = time.perf_counter() - t0
        db.session.remove()
    ordered = sorted(spans)
    return {"total_s": total, "transactions": len(ordered),
            "tx_p50_ms": 1000 * statistics.median(ordered),
            "tx_p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "tx_max_ms": 1000 * ordered[-1], "summary": outcome.summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="annotator-foreign-"))
    base = workdir / "base.sqlite3"
    data = build(base, args.documents, workdir)
    print(f"# {args.documents:,} documents to create; doccano file {len(data) / 1e6:.1f} MB; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, list[dict[str, float]]] = {"chunked, documents staged": [],
                                                  "one transaction": []}
    for i in range(args.runs):
        for name, runs in results.items():  # interleaved, each on a fresh copy
            copy = workdir / f"run-{i}-{name[:3]}.sqlite3"
            shutil.copy(base, copy)
            runs.append(run_once(copy, data, name != "one transaction"))
            for leftover in workdir.glob(f"{copy.name}*"):  # with its -wal and -shm
                leftover.unlink()
            print(f"# run {i + 1} {name}: {runs[-1]}", file=sys.stderr, flush=True)
    print()
    print("| written as | runs | total s | write transactions | transaction p50 / p99 / max ms |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        def med(key: str, runs=runs) -> float:
            return statistics.median(r[key] for r in runs)
        print(f"| {name} | {len(runs)} | {med('total_s'):.1f} | {med('transactions'):.0f} | "
              f"{med('tx_p50_ms'):.1f} / {med('tx_p99_ms'):.1f} / {med('tx_max_ms'):.1f} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
