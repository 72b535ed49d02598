"""Benchmark: agreement on 100,000 sentences x 3 annotators (about 2.5 million tokens).

Run: `.venv/bin/python bench/bench_agreement.py [--runs 5] [--sentences 100000]`.

1. Generates the data with a fixed seed and caches it as a SQLite database under bench/out/
   (gitignored), built through the real models; later runs reuse it.
2. Times reading the database + ``agreement_report`` (every figure, no bootstrap), median of
   several runs; the target is under 3 s. Both readers: ``agreement_columns`` (columns, what
   the CLI uses) and ``agreement_items`` (a dict per span); the two reports must be identical.
3. Times the pure alpha computation alone, ours against the ``krippendorff`` package on the
   whole token matrix and against NLTK's ``AnnotationTask`` on a subset (NLTK is far too slow
   for the whole set), in the same run, and checks the three alphas agree.
4. Reports peak RSS (target under 1 GB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

WORDS = ("rebels government forces shelled attacked village town near the of in on and a "
         "militia brigade battalion airstrike drone killed wounded civilians reported said "
         "district province road checkpoint base army police fighters clashes captured").split()
LABELS = ("ACTOR", "LOCATION", "UNIT", "EVENT")
EVENT_TYPES = ("armed_clash", "air_drone_strike", "shelling_artillery_missile",
               "violence_against_civilians", "protest")
ANNOTATORS = ("ann0", "ann1", "ann2")


def generate(sentences: int, seed: int = 42) -> tuple[list[str], list[list[list[dict]]]]:
    """Sentences of about 25 tokens and, per annotator, spans: a shared "true" labelling that
    each annotator follows with noise (missed spans, shifted boundaries, other labels)."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    spans: list[list[list[dict]]] = []
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
            label = LABELS[int(rng.integers(0, 4))]
            truth.append((pos, end, label, EVENT_TYPES[int(rng.integers(0, 5))]))
            pos = end + int(rng.integers(2, 8))
        per_ann = []
        for _k in ANNOTATORS:
            mine = []
            for s, e, label, et in truth:
                r = rng.random()
                if r < 0.08:
                    continue  # missed
                if r < 0.16 and e - s > 1:
                    e -= 1  # boundary
                elif r < 0.22:
                    label = LABELS[int(rng.integers(0, 4))]
                if label == "EVENT" and rng.random() < 0.1:
                    et = EVENT_TYPES[int(rng.integers(0, 5))]
                span = {"start": int(starts[s]), "end": int(starts[e - 1] + len(words[e - 1])),
                        "label": label,
                        "attributes": {"event_type": et} if label == "EVENT" else {}}
                mine.append(span)
            per_ann.append(mine)
        texts.append(text)
        spans.append(per_ann)
    return texts, spans


def database(sentences: int) -> Path:
    """The cached SQLite database with one project, one batch and every annotation done."""
    path = OUT / f"agreement-{sentences}.sqlite3"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    # Imported here, as in every phase: each process loads only what it runs.
    from annotator import create_app
    from annotator.extensions import db

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}"})
    t0 = time.perf_counter()
    texts, spans = generate(sentences)
    with app.app_context():
        db.create_all()
        sentence_ids, users = _fill_project(db, texts)
        n_spans = _fill_annotations(db, sentence_ids, users, spans)
        db.session.commit()
        db.engine.dispose()
    tmp.rename(path)
    print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s ({n_spans} spans)")
    return path


def _fill_project(db: Any, texts: list[str]) -> tuple[list[int], list[Any]]:
    """The project, its annotators, documents of 25 sentences and one batch of them all.

    Returns the sentence ids (document order) and the annotators.
    """
    from sqlalchemy import insert, select

    from annotator.assignments.models import Batch, BatchSentence
    from annotator.auth.services import create_user
    from annotator.corpus.models import Document, Sentence
    from annotator.projects.services import create_project

    project = create_project(db.session, "bench")
    users = [create_user(db.session, n, "bench-password", "annotator") for n in ANNOTATORS]
    db.session.flush()
    per_doc = 25
    doc_rows, sentence_rows = [], []
    for d in range(0, len(texts), per_doc):
        chunk = texts[d:d + per_doc]
        body = " ".join(chunk)
        doc_rows.append({"project_id": project.id, "title": f"Doc {d // per_doc}",
                         "text": body, "content_hash": f"{d:064d}"})
    doc_ids = db.session.scalars(
        insert(Document).returning(Document.id, sort_by_parameter_order=True), doc_rows
    ).all()
    for j, doc_id in enumerate(doc_ids):
        pos = 0
        for i, text in enumerate(texts[j * per_doc:(j + 1) * per_doc]):
            sentence_rows.append({"document_id": doc_id, "project_id": project.id,
                                  "index": i, "start": pos, "end": pos + len(text),
                                  "excluded": False})
            pos += len(text) + 1
    db.session.execute(insert(Sentence), sentence_rows)
    sentence_ids = db.session.scalars(
        select(Sentence.id).where(Sentence.project_id == project.id)
        .order_by(Sentence.document_id, Sentence.index)).all()
    batch = Batch(project_id=project.id, name="Batch 1", overlap=3, seed=0, source="remaining")
    db.session.add(batch)
    db.session.flush()
    db.session.execute(insert(BatchSentence), [
        {"batch_id": batch.id, "sentence_id": sid, "position": i}
        for i, sid in enumerate(sentence_ids)])
    return list(sentence_ids), users


def _fill_annotations(db: Any, sentence_ids: list[int], users: list[Any],
                      spans: list[list[list[dict]]]) -> int:
    """Every annotator's finished annotation of every sentence, with its spans; returns the
    number of spans."""
    from sqlalchemy import insert

    from annotator.annotation.models import Annotation, SpanRow

    ann_rows = [{"sentence_id": sid, "annotator_id": u.id, "status": "done", "version": 1}
                for sid in sentence_ids for u in users]
    ann_ids = db.session.scalars(
        insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True), ann_rows
    ).all()
    span_rows = []
    for s_i in range(len(sentence_ids)):
        for k in range(len(users)):
            ann_id = ann_ids[s_i * len(users) + k]
            for sp in spans[s_i][k]:
                span_rows.append({"annotation_id": ann_id, "start": sp["start"],
                                  "end": sp["end"], "label": sp["label"],
                                  "attributes": sp["attributes"]})
    for i in range(0, len(span_rows), 100_000):
        db.session.execute(insert(SpanRow), span_rows[i:i + 100_000])
    return len(span_rows)


CPU_TIMES: list[float] = []  # process CPU seconds of the last median_time's runs


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float], object]:
    """Median wall time of ``runs`` calls; CPU_TIMES gets each run's process CPU time (on a
    busy shared machine wall time includes waiting for a core, CPU time does not)."""
    times, result = [], None
    CPU_TIMES.clear()
    for _ in range(runs):
        result = None  # let the previous result go before the next run
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        CPU_TIMES.append(time.process_time() - c0)
    return statistics.median(times), times, result


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_pipeline(path: Path, runs: int) -> dict:
    """DB read + every figure (no bootstrap), then the parts alone; in a fresh process."""
    from annotator import create_app
    from annotator.agreement import agreement_report
    from annotator.extensions import db
    from annotator.projects.models import Project
    from annotator.reports.input import agreement_columns, agreement_items

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        project = db.session.scalars(db.select(Project)).one()
        schema = project.schema
        project_id = project.id

        def everything():
            return agreement_report(agreement_columns(db.session, project_id), schema=schema)

        def everything_items():
            return agreement_report(agreement_items(db.session, project_id), schema=schema)

        total, total_runs, report = median_time(everything, runs)
        total_cpu = statistics.median(CPU_TIMES)
        total_rss = peak_rss_mb()
        via_items, via_items_runs, report_items = median_time(everything_items, runs)
        via_items_cpu = statistics.median(CPU_TIMES)
        assert json.dumps(report_items.to_json()) == json.dumps(report.to_json())
        cols, cols_runs, _ = median_time(lambda: agreement_columns(db.session, project_id), runs)
        cols_cpu = statistics.median(CPU_TIMES)
        read, read_runs, items = median_time(
            lambda: list(agreement_items(db.session, project_id)), runs)
        read_cpu = statistics.median(CPU_TIMES)
        pure, pure_runs, _ = median_time(lambda: agreement_report(items, schema=schema), runs)
        pure_cpu = statistics.median(CPU_TIMES)
        boot_reps = 200
        boot, boot_runs, _ = median_time(
            lambda: agreement_report(items, schema=schema, bootstrap=boot_reps), 1)
        boot_cpu = statistics.median(CPU_TIMES)
        db.session.remove()
        db.engine.dispose()
    ov = report.overall
    return {
        "sentences": report.counts.sentences, "annotators": len(report.annotators),
        "tokens": report.counts.tokens, "spans": sum(report.counts.spans.values()),
        "total_s": total, "total_runs": total_runs, "total_peak_rss_mb": total_rss,
        "total_cpu_s": total_cpu, "read_cpu_s": read_cpu, "report_cpu_s": pure_cpu,
        "via_items_s": via_items, "via_items_runs": via_items_runs,
        "via_items_cpu_s": via_items_cpu, "columns_s": cols, "columns_runs": cols_runs,
        "columns_cpu_s": cols_cpu,
        "read_s": read, "read_runs": read_runs, "report_s": pure, "report_runs": pure_runs,
        "bootstrap_replicates": boot_reps, "bootstrap_s": boot, "bootstrap_cpu_s": boot_cpu,
        "alpha": ov.krippendorff_alpha.value, "span_f1": ov.span_f1.value,
        "unitizing_alpha": ov.unitizing_alpha.value, "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    """Run each phase in a process of its own and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--nltk-tokens", type=int, default=20_000,
                        help="tokens of the subset on which NLTK and ours are compared")
    parser.add_argument("--phase", choices=["pipeline", "alpha"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = database(args.sentences)
    if args.phase == "pipeline":
        print(json.dumps(phase_pipeline(path, args.runs)))
        return
    if args.phase == "alpha":
        print(json.dumps(phase_alpha(path, args.runs, args.nltk_tokens)))
        return
    # Each phase in its own process, so each peak RSS is its own.
    results = {}
    for phase in ("pipeline", "alpha"):
        out = subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--runs", str(args.runs),
             "--sentences", str(args.sentences), "--nltk-tokens", str(args.nltk_tokens)],
            capture_output=True, text=True, check=True)
        results[phase] = json.loads(out.stdout.strip().splitlines()[-1])
    p, a = results["pipeline"], results["alpha"]
    runs = lambda xs: "[" + ", ".join(f"{x:.2f}" for x in xs) + "]"  # noqa: E731
    print(f"data: {p['sentences']} sentences x {p['annotators']} annotators, {p['tokens']} "
          f"tokens, {p['spans']} spans (seed 42)")
    print(f"DB read (agreement_columns) + full report (target < 3 s)  median "
          f"{p['total_s']:.2f} s (CPU {p['total_cpu_s']:.2f} s)  runs {runs(p['total_runs'])}  "
          f"peak RSS {p['total_peak_rss_mb']:.0f} MB")
    print(f"  agreement_columns alone            median {p['columns_s']:.2f} s "
          f"(CPU {p['columns_cpu_s']:.2f} s)  runs {runs(p['columns_runs'])}")
    print(f"DB read (agreement_items) + full report        median {p['via_items_s']:.2f} s "
          f"(CPU {p['via_items_cpu_s']:.2f} s)  runs {runs(p['via_items_runs'])}")
    print(f"  agreement_items alone              median {p['read_s']:.2f} s "
          f"(CPU {p['read_cpu_s']:.2f} s)  runs {runs(p['read_runs'])}")
    print(f"  agreement_report(items) alone      median {p['report_s']:.2f} s "
          f"(CPU {p['report_cpu_s']:.2f} s)  runs {runs(p['report_runs'])}")
    print(f"  report with {p['bootstrap_replicates']} bootstrap replicates "
          f"{p['bootstrap_s']:.2f} s (CPU {p['bootstrap_cpu_s']:.2f} s)")
    print(f"  alpha {p['alpha']:.4f}, span F1 {p['span_f1']:.4f}, "
          f"unitizing alpha {p['unitizing_alpha']:.4f}")
    print(f"alpha on all {a['tokens']} tokens: ours {a['ours_ms']:.1f} ms, krippendorff "
          f"package {a['krippendorff_ms']:.1f} ms -> ours {a['ratio_krippendorff']:.1f}x faster")
    print(f"alpha on the first {a['subset_tokens']} tokens: ours {a['ours_subset_ms']:.2f} ms, "
          f"NLTK AnnotationTask {a['nltk_subset_ms']:.1f} ms -> ours "
          f"{a['ratio_nltk']:.0f}x faster")
    print(f"peak RSS: pipeline process {p['peak_rss_mb']:.0f} MB (after also holding the items "
          f"for the parts); alpha process {a['ours_peak_rss_mb']:.0f} MB after ours, "
          f"{a['peak_rss_mb']:.0f} MB after the krippendorff package and NLTK")


def phase_alpha(path: Path, runs: int, nltk_tokens: int) -> dict:
    """Nominal token alpha: ours vs the krippendorff package (all tokens) and NLTK (a subset).

    All three get the same coders x tokens matrix (missing = not annotated); the matrix is
    built once, outside the timings, by the library's own vectorised tokenizer and labelling.
    """
    import krippendorff
    from nltk.metrics.agreement import AnnotationTask

    from annotator import create_app
    from annotator.agreement.build import build_corpus
    from annotator.agreement.metrics import nominal_alpha
    from annotator.extensions import db
    from annotator.reports.input import agreement_items

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        from annotator.projects.models import Project

        project_id = db.session.scalars(db.select(Project.id)).one()
        corpus = build_corpus(agreement_items(db.session, project_id), labels=list(LABELS))
        db.session.remove()
        db.engine.dispose()
    values = corpus.values  # coders x tokens, -1 missing

    def ours(v: np.ndarray) -> float:
        return nominal_alpha(v, corpus.width).value

    as_float = np.where(values < 0, np.nan, values).astype(np.float64)
    ours_t, ours_runs, a_ours = median_time(lambda: ours(values), runs)
    ours_rss = peak_rss_mb()  # before the reference implementations allocate theirs
    kp_t, kp_runs, a_kp = median_time(
        lambda: krippendorff.alpha(reliability_data=as_float, level_of_measurement="nominal",
                                   value_domain=list(range(corpus.width))), runs)
    assert abs(a_ours - a_kp) < 1e-9, (a_ours, a_kp)

    sub = values[:, :nltk_tokens]
    triples = [(f"c{k}", str(t), int(sub[k, t])) for t in range(sub.shape[1])
               for k in range(sub.shape[0]) if sub[k, t] >= 0]
    ours_s, _, a_sub = median_time(lambda: ours(sub), runs)
    nltk_t, nltk_times, a_nltk = median_time(lambda: AnnotationTask(data=triples).alpha(),
                                             max(1, min(runs, 3)))
    assert abs(a_sub - a_nltk) < 1e-9, (a_sub, a_nltk)
    return {"tokens": int(values.shape[1]), "coders": int(values.shape[0]),
            "ours_ms": ours_t * 1000, "ours_runs_ms": [t * 1000 for t in ours_runs],
            "krippendorff_ms": kp_t * 1000, "krippendorff_runs_ms": [t * 1000 for t in kp_runs],
            "ratio_krippendorff": kp_t / ours_t, "alpha": a_ours,
            "subset_tokens": int(sub.shape[1]), "ours_subset_ms": ours_s * 1000,
            "nltk_subset_ms": nltk_t * 1000, "nltk_runs_ms": [t * 1000 for t in nltk_times],
            "ratio_nltk": nltk_t / ours_s, "peak_rss_mb": peak_rss_mb(),
            "ours_peak_rss_mb": ours_rss}


if __name__ == "__main__":
    main()
