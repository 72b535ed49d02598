"""Benchmark: the agreement report with event frames, 100,000 sentences x 3 annotators.

Run: `.venv/bin/python bench/bench_frames_agreement.py [--runs 5] [--sentences 100000]`.

1. Generates the data with a fixed seed and caches it as a SQLite database under bench/out/
   (gitignored), built through the real models: every sentence has one EVENT with on average
   two arguments (actor1, actor2, location) in the shared "truth", which each annotator follows
   with noise (missed or shifted spans, other labels, missed links, other roles), beside the
   other spans of ``bench_agreement``'s generator. A copy with the same spans and no relation
   is the spans-only reference.
2. Times reading the database + ``agreement_report`` (every figure, no bootstrap), with and
   without the relations, the two alternating run by run in one process (the machine is
   shared: alternating spreads the other load over both), medians and CPU times. Target:
   under 3.5 s with frames.
3. Times the report with 200 bootstrap replicates once each way.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.bench_agreement import (  # noqa: E402  (after the path is set)
    ANNOTATORS,
    CPU_TIMES,
    EVENT_TYPES,
    LABELS,
    WORDS,
    _fill_project,
    median_time,
    peak_rss_mb,
)

ROLE_OF = {"ACTOR": ("actor1", "actor2"), "UNIT": ("actor1", "actor2"), "LOCATION": ("location",)}


def generate(sentences: int, seed: int = 42) -> tuple[list[str], list[list[list[dict]]],
                                                       list[list[list[dict]]]]:
    """Texts, and per sentence and annotator their spans and relations (API shapes)."""
    rng = np.random.default_rng(seed)
    texts, spans, relations = [], [], []
    for _ in range(sentences):
        n = int(rng.integers(18, 30))
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
        text = " ".join(words[:-1]) + " " + words[-1] + "."
        starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]])
        truth = []
        pos = int(rng.integers(0, 4))
        while pos < n - 1:
            width = int(rng.integers(1, 4))
            end = min(pos + width, n)
            label = ("ACTOR", "LOCATION", "UNIT")[int(rng.integers(0, 3))]
            truth.append([pos, end, label, None])
            pos = end + int(rng.integers(2, 8))
        event = int(rng.integers(0, len(truth)))
        truth[event][2], truth[event][3] = "EVENT", EVENT_TYPES[int(rng.integers(0, 5))]
        # Two arguments on average: the frame's candidates in order, up to 0-4 of them.
        want = int(rng.choice([1, 2, 3, 4], p=[0.05, 0.2, 0.35, 0.4]))
        frame, used = [], set()
        for j in rng.permutation(len(truth)).tolist():
            if j == event or len(frame) >= want:
                continue
            choices = [r for r in ROLE_OF[truth[j][2]] if r not in used] or ["actor2"]
            role = choices[0]
            used.add(role)
            frame.append((j, role))
        per_spans, per_links = [], []
        for _k in ANNOTATORS:
            mine, where = [], {}
            for j, (s, e, label, et) in enumerate(truth):
                r = rng.random()
                if r < 0.06:
                    continue  # missed
                if r < 0.12 and e - s > 1:
                    e -= 1  # boundary
                elif r < 0.16 and label != "EVENT":
                    label = ("ACTOR", "LOCATION", "UNIT")[int(rng.integers(0, 3))]
                span = {"start": int(starts[s]), "end": int(starts[e - 1] + len(words[e - 1])),
                        "label": label,
                        "attributes": {"event_type": et} if label == "EVENT" else {}}
                where[j] = span
                mine.append(span)
            links = []
            if event in where:
                head = where[event]
                for j, role in frame:
                    if j not in where or rng.random() < 0.08:
                        continue  # argument missed
                    if rng.random() < 0.05:
                        role = ("actor1", "actor2", "location")[int(rng.integers(0, 3))]
                    child = where[j]
                    links.append({"head": {"start": head["start"], "end": head["end"]},
                                  "child": {"start": child["start"], "end": child["end"]},
                                  "role": role})
            per_spans.append(mine)
            per_links.append(links)
        texts.append(text)
        spans.append(per_spans)
        relations.append(per_links)
    return texts, spans, relations


def databases(sentences: int) -> tuple[Path, Path]:
    """The cached databases: with frames, and the same spans without relations."""
    path = OUT / f"frames-agreement-{sentences}.sqlite3"
    spans_only = OUT / f"frames-agreement-{sentences}-spans-only.sqlite3"
    if not path.exists():
        _build(path, sentences)
    if not spans_only.exists():
        tmp = spans_only.with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        # closing(): sqlite3's own context manager commits but leaves the connection (and its
        # write-ahead log, named after the temporary file) open.
        with closing(sqlite3.connect(tmp)) as conn:
            conn.execute("DELETE FROM relation")
            conn.commit()
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tmp.rename(spans_only)
    return path, spans_only


def _build(path: Path, sentences: int) -> None:
    # Imported here, as in bench_agreement: the app loads only when the data is built.
    from sqlalchemy import insert

    from annotator import create_app
    from annotator.annotation.models import Annotation, RelationRow, SpanRow
    from annotator.extensions import db

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}"})
    t0 = time.perf_counter()
    texts, spans, relations = generate(sentences)
    with app.app_context():
        db.create_all()
        sentence_ids, users = _fill_project(db, texts)
        ann_ids = db.session.scalars(
            insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True),
            [{"sentence_id": sid, "annotator_id": u.id, "status": "done", "version": 1}
             for sid in sentence_ids for u in users]).all()
        span_rows, link_rows = [], []
        for i in range(len(sentence_ids)):
            for k in range(len(users)):
                a = ann_ids[i * len(users) + k]
                span_rows += [{"annotation_id": a, **sp} for sp in spans[i][k]]
                link_rows += [{"annotation_id": a, "head_start": r["head"]["start"],
                               "head_end": r["head"]["end"], "role": r["role"],
                               "child_start": r["child"]["start"],
                               "child_end": r["child"]["end"]} for r in relations[i][k]]
        for rows, model in ((span_rows, SpanRow), (link_rows, RelationRow)):
            for j in range(0, len(rows), 100_000):
                db.session.execute(insert(model), rows[j:j + 100_000])
        db.session.commit()
        db.engine.dispose()
    tmp.rename(path)
    print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s ({len(span_rows)} spans, "
          f"{len(link_rows)} relations)")


def measure(paths: tuple[Path, Path], runs: int) -> dict[str, Any]:
    """Both reports, alternating, ``runs`` times each; then once each with the bootstrap."""
    # Imported here (after the data exists): the timings start from a loaded app.
    from annotator import create_app
    from annotator.agreement import agreement_report
    from annotator.extensions import db
    from annotator.projects.models import Project
    from annotator.reports.input import agreement_columns

    apps = [create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{p}"})
            for p in paths]
    times: dict[str, list[float]] = {"frames": [], "spans": []}
    cpu: dict[str, list[float]] = {"frames": [], "spans": []}
    reports: dict[str, Any] = {}
    boot: dict[str, float] = {}
    for r in range(runs + 1):
        for name, app in zip(("frames", "spans"), apps, strict=True):
            with app.app_context():
                project = db.session.scalars(db.select(Project)).one()
                schema, pid = project.schema, project.id
                reports[name] = None

                def everything(bootstrap: int = 0, pid: int = pid, schema: Any = schema):
                    return agreement_report(agreement_columns(db.session, pid), schema=schema,
                                            bootstrap=bootstrap)

                if r == runs:
                    t, _, reports[name] = median_time(lambda: everything(200), 1)
                    boot[name] = t
                else:
                    t, _, reports[name] = median_time(everything, 1)
                    times[name].append(t)
                    cpu[name].extend(CPU_TIMES)
                db.session.remove()
                db.engine.dispose()
    frames = reports["frames"]
    return {
        "sentences": frames.counts.sentences, "spans": sum(frames.counts.spans.values()),
        "events": frames.counts.spans.get("EVENT", 0),
        "arguments": sum(frames.counts.arguments.values()),
        "frames_s": statistics.median(times["frames"]), "frames_runs": times["frames"],
        "frames_cpu_s": statistics.median(cpu["frames"]),
        "spans_s": statistics.median(times["spans"]), "spans_runs": times["spans"],
        "spans_cpu_s": statistics.median(cpu["spans"]),
        "frames_bootstrap_s": boot["frames"], "spans_bootstrap_s": boot["spans"],
        "argument_f1": frames.overall.arguments.argument_f1.value,
        "argument_f1_partial": frames.overall.arguments.argument_f1_partial.value,
        "argument_f1_given_event": frames.overall.arguments.argument_f1_given_event.value,
        "argument_f1_ci": frames.overall.arguments.ci,
        "span_f1": frames.overall.span_f1.value, "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    """Build or reuse the data, measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=100_000)
    args = parser.parse_args()
    m = measure(databases(args.sentences), args.runs)
    runs = lambda xs: "[" + ", ".join(f"{x:.2f}" for x in xs) + "]"  # noqa: E731
    print(f"data: {m['sentences']} sentences x {len(ANNOTATORS)} annotators, {m['spans']} spans "
          f"({m['events']} EVENT), {m['arguments']} arguments (seed 42; labels {LABELS})")
    print(f"DB read + full report with frames (target < 3.5 s)  median {m['frames_s']:.2f} s "
          f"(CPU {m['frames_cpu_s']:.2f} s)  runs {runs(m['frames_runs'])}")
    print(f"same spans, no relation (spans-only reference)      median {m['spans_s']:.2f} s "
          f"(CPU {m['spans_cpu_s']:.2f} s)  runs {runs(m['spans_runs'])}")
    print(f"  ratio {m['frames_s'] / m['spans_s']:.2f} (CPU "
          f"{m['frames_cpu_s'] / m['spans_cpu_s']:.2f})")
    print(f"with 200 bootstrap replicates: frames {m['frames_bootstrap_s']:.2f} s, spans only "
          f"{m['spans_bootstrap_s']:.2f} s")
    print(f"argument F1 {m['argument_f1']:.4f} (partial {m['argument_f1_partial']:.4f}, given "
          f"the event {m['argument_f1_given_event']:.4f}, 95% {m['argument_f1_ci']}); span F1 "
          f"{m['span_f1']:.4f}; peak RSS {m['peak_rss_mb']:.0f} MB")
    print(json.dumps({k: v for k, v in m.items() if not isinstance(v, list)}, default=str))


if __name__ == "__main__":
    main()
