"""How long a large `import-annotations` holds the database's write lock (issue 12).

An annotator's save waits while another transaction writes (SQLite has one write lock), so
what matters for saves during an import is how long each of its write transactions lasts.
Data: a fresh SQLite project of --sentences original sentences (the articles of
bench_import_load.py, imported as an upload is), and a JSONL file in our shape matching each
sentence by id with four spans (ACTOR, EVENT with an event type, LOCATION, UNIT) and two
relations (actor1, location): about 48 MB for 80,000 sentences, just under the upload limit.

Timed, on a fresh copy of the database each run, in one process: the check of every line
(nothing written), then the writing, as `annotator import-articles` and the import job do it
(chunks of IMPORT_CHUNK_ROWS sentences, each committed: every chunk's transaction timed), and
as one transaction (the code before: the whole write and its commit timed), the same-run
reference.

Run: `.venv/bin/python bench/bench_annotation_import.py [--sentences 80000] [--runs 3]`
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


def build(path: Path, sentences: int, workdir: Path) -> Path:
    """The project and the annotation file; returns the file."""
    from annotator.auth.services import create_user
    from annotator.corpus.importing import plan_import
    from annotator.corpus.models import Document, Sentence
    from annotator.extensions import db
    from annotator.projects.services import create_project
    from annotator.transactions import run_chunked

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    articles = workdir / "articles.jsonl"
    write_articles(articles, sentences)
    with app.app_context():
        db.create_all()
        project = create_project(db.session, "bench")
        create_user(db.session, "ann", "bench-lantern-harbour", "annotator")
        db.session.commit()
        run_chunked(db.session, plan_import(db.session, project.id,
                                            [("articles.jsonl", articles.read_bytes())]))
        rows = db.session.execute(
            db.select(Sentence.id, Document.text, Sentence.start, Sentence.end)
            .join(Document, Document.id == Sentence.document_id).order_by(Sentence.id))
        out = workdir / "annotations.jsonl"
        with out.open("w") as f:
            for sid, text, start, end in rows:
                f.write(json.dumps(line_for(sid, text[start:end])) + "\n")
        db.session.commit()
        # everything into the database file itself: the runs copy that file alone
        db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    return out


def line_for(sentence_id: int, text: str) -> dict:
    """Four spans and two relations on words of the sentence (as the generated text has them:
    "On day N of the offensive, UNIT shelled positions near PLACE (...), residents said.")."""
    def word(w: str) -> tuple[int, int]:
        at = text.index(w)
        return at, at + len(w)

    unit = word(text[text.index(", ") + 2:text.index(" shelled")])
    event, place = word("shelled"), word(text[text.index("near ") + 5:text.index(" (")])
    actor = word("residents")
    spans = [{"start": unit[0], "end": unit[1], "label": "UNIT"},
             {"start": event[0], "end": event[1], "label": "EVENT",
              "attributes": {"event_type": "shelling_artillery_missile"}},
             {"start": place[0], "end": place[1], "label": "LOCATION"},
             {"start": actor[0], "end": actor[1], "label": "ACTOR"}]
    relations = [{"head": {"start": event[0], "end": event[1]},
                  "child": {"start": unit[0], "end": unit[1]}, "role": "actor1"},
                 {"head": {"start": event[0], "end": event[1]},
                  "child": {"start": place[0], "end": place[1]}, "role": "location"}]
    return {"text": text, "spans": spans, "relations": relations,
            "meta": {"sentence_id": sentence_id}}


def run_once(path: Path, data: bytes, chunked: bool) -> dict[str, float]:
    from annotator.export.importing import prepare_annotations
    from annotator.export.storing import store_prepared
    from annotator.extensions import db
    from annotator.projects.services import get_project_by_name

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        project = get_project_by_name(db.session, "bench")
        t0 = time.perf_counter()
        prepared = prepare_annotations(db.session, project, data, mode="pre", annotator="ann")
        db.session.commit()
        t1 = time.perf_counter()
        stamps = [t1]
        rows = app.config["IMPORT_CHUNK_ROWS"] if chunked else None
        store_prepared(db.session, project.id, [prepared], chunk_rows=rows,
                       on_chunk=lambda chunk: stamps.append(time.perf_counter()))
        db.session.commit()
        t2 = time.perf_counter()
        db.session.remove()
    # Each chunk's transaction: from the end of the one before (after its commit and the
    # log checkpoint) to its own ledger call; the last one also takes its commit.
    transactions = [b - a for a, b in zip(stamps, stamps[1:])] or [t2 - t1]
    if chunked:
        transactions[-1] += t2 - stamps[-1]
    ordered = sorted(transactions)
    return {"check_s": t1 - t0, "write_s": t2 - t1, "transactions": len(transactions),
            "tx_p50_ms": 1000 * statistics.median(ordered),
            "tx_p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
            "tx_max_ms": 1000 * ordered[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=80_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="annotator-annimport-"))
    base = workdir / "base.sqlite3"
    file = build(base, args.sentences, workdir)
    data = file.read_bytes()
    print(f"# {args.sentences:,} sentences; annotation file {len(data) / 1e6:.1f} MB; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    results: dict[str, list[dict[str, float]]] = {"chunked": [], "one transaction": []}
    for i in range(args.runs):
        for name in results:  # interleaved, each on a fresh copy
            copy = workdir / f"run-{i}-{name.replace(' ', '-')}.sqlite3"
            shutil.copy(base, copy)
            results[name].append(run_once(copy, data, name == "chunked"))
            copy.unlink()
            print(f"# run {i + 1} {name}: {results[name][-1]}", file=sys.stderr, flush=True)
    print()
    print("| written as | runs | check s | write s | write transactions | transaction p50 / "
          "p99 / max ms |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        def med(key: str, runs=runs) -> float:
            return statistics.median(r[key] for r in runs)
        print(f"| {name} | {len(runs)} | {med('check_s'):.1f} | {med('write_s'):.1f} | "
              f"{med('transactions'):.0f} | {med('tx_p50_ms'):.1f} / {med('tx_p99_ms'):.1f} / "
              f"{med('tx_max_ms'):.1f} |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
