"""Benchmark: train the NER model on 2,000 gold sentences as a job; a loaded model's memory;
prediction time per sentence.

Targets (issue 16): training on 2,000 gold sentences < 3 minutes as a job; a loaded model adds
< 150 MB to a worker; a suggestion request < 20 ms server time (median; the model's share of
it is measured here: ``annotator.learning.predict`` with its active-model lookup).

Set-up: a SQLite project in a temporary folder with ``--articles`` generated news articles of
10 sentences each (bench/news_generator.py; 250 articles = 2,500 gold sentences, so that the
train part of the 80/10/10 split holds about 2,000), every sentence complete gold.

Each training run is the real job: `annotator train --project bench --epochs N --wait` through
the command line (JOBS_QUEUE=immediate, so the job runs in the command's process with its
heartbeat, as a worker would), timed from submit to done; the job's own training time (read
from the model row) is reported beside it. Then, in a fresh process: RSS after the app is up
(VmRSS), RSS after the first prediction (which loads the model), and the median time of
``predict`` over the dev sentences. Wall time and CPU time (``time.process_time``: what the
work costs whatever the machine's load; the machine is shared, see the load averages printed)
are both reported. Reported: medians over --runs.

Run: `.venv/bin/python bench/bench_training.py [--articles 250] [--epochs 10] [--runs 1]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.news_generator import generate_articles, seed_gold  # noqa: E402

TRAIN_TARGET_S = 180.0
MEMORY_TARGET_MB = 150.0
PREDICT_TARGET_MS = 20.0


def make_app(folder: Path):
    """The app on the benchmark's database, jobs run at once, models in ``folder``."""
    from annotator import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "JOBS_QUEUE": "immediate",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MODEL_STORE": str(folder / "models"),
    })


def set_up(folder: Path, articles: int) -> int:
    """Create the project with its gold; the number of gold sentences."""
    from annotator.auth.services import create_user
    from annotator.extensions import db
    from annotator.projects.services import create_project

    app = make_app(folder)
    with app.app_context():
        db.create_all()
        create_user(db.session, "benchadmin", "a-long-bench-password", "admin")
        project = create_project(db.session, "bench")
        count = seed_gold(db.session, project.id, generate_articles(articles, seed=16))
        db.session.commit()
    return count


def train_once(folder: Path, epochs: int) -> dict[str, float]:
    """One `annotator train --wait` run; wall seconds and the job's figures."""
    from sqlalchemy import select

    from annotator.extensions import db
    from annotator.learning.models import TrainedModel

    app = make_app(folder)
    began = time.perf_counter()
    cpu = time.process_time()
    result = app.test_cli_runner().invoke(args=["train", "--project", "bench", "--epochs",
                                                str(epochs), "--activate", "--wait"])
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with app.app_context():
        model = db.session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()
        return {"wall_s": wall, "cpu_s": cpu, "train_s": model.seconds,
                "epochs_run": len(model.curve), "best_epoch": model.scores.get("best_epoch"),
                "version": model.version,
                "train_sentences": model.train_sentences, "train_spans": model.train_spans,
                "dev_sentences": model.dev_sentences, "f1": model.f1 or 0.0,
                "baseline_f1": (model.baseline.get("overall") or {}).get("f", 0.0),
                "labels": model.scores.get("labels"),
                "baseline_labels": model.baseline.get("labels"),
                "epoch_s": statistics.median(p["seconds"] for p in model.curve)}


PROBE = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from bench.bench_training import make_app
from annotator.extensions import db
from annotator.learning import predict
from annotator.learning.dataset import read_dataset
from annotator.projects.models import Project
from annotator.corpus.tokens import token_offsets
app = make_app(Path(sys.argv[1]))
with app.app_context():
    project = db.session.query(Project).filter_by(name="bench").one()
    dev = read_dataset(db.session, project).dev
    db.session.rollback()
    before = rss()
    predict(db.session, project.id, "Warm-up sentence near Kafr Tala.", None)
    after = rss()
    times, cpu = [], []
    for sentence in dev:
        tokens = token_offsets(sentence.text)
        t, c = time.perf_counter(), time.process_time()
        predict(db.session, project.id, sentence.text, tokens)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
print(json.dumps({"rss_before_mb": before, "rss_after_mb": after,
                  "predict_median_ms": statistics.median(times),
                  "predict_p95_ms": sorted(times)[int(0.95 * len(times))],
                  "predict_cpu_median_ms": statistics.median(cpu),
                  "sentences": len(times)}))
"""


def probe(folder: Path) -> dict[str, float]:
    """Memory and prediction time in a fresh process."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(folder), str(ROOT)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=250)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        folder = Path(tmp)
        gold = set_up(folder, args.articles)
        print(f"{gold} gold sentences; load average before: {load_average()}", flush=True)
        runs = []
        for i in range(args.runs):
            run = train_once(folder, args.epochs)
            runs.append(run)
            print(f"run {i + 1}: job {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s CPU "
                  f"(training {run['train_s']:.1f} s, {run['epochs_run']} epochs, best "
                  f"{run['best_epoch']}, "
                  f"median epoch {run['epoch_s']:.1f} s) on {run['train_sentences']} train "
                  f"sentences / {run['train_spans']} spans; dev F1 {run['f1']:.3f}, "
                  f"gazetteer {run['baseline_f1']:.3f}; load {load_average()}", flush=True)
        last = runs[-1]
        print("per label (model / gazetteer F1):", json.dumps(
            {k: [v["f"], last["baseline_labels"][k]["f"]] for k, v in last["labels"].items()}))
        figures = probe(folder)
        wall = statistics.median(r["wall_s"] for r in runs)
        added = figures["rss_after_mb"] - figures["rss_before_mb"]
        cpu = statistics.median(r["cpu_s"] for r in runs)
        print(f"training job median {wall:.1f} s wall, {cpu:.1f} s CPU (target < "
              f"{TRAIN_TARGET_S:.0f} s): {'ok' if wall < TRAIN_TARGET_S else 'MISSED'} "
              f"(CPU: {'ok' if cpu < TRAIN_TARGET_S else 'MISSED'})")
        print(f"model loaded: RSS {figures['rss_before_mb']:.0f} -> "
              f"{figures['rss_after_mb']:.0f} MB, +{added:.0f} MB (target < "
              f"{MEMORY_TARGET_MB:.0f}): {'ok' if added < MEMORY_TARGET_MB else 'MISSED'}")
        print(f"predict median {figures['predict_median_ms']:.1f} ms, p95 "
              f"{figures['predict_p95_ms']:.1f} ms, CPU median "
              f"{figures['predict_cpu_median_ms']:.1f} ms over {figures['sentences']} sentences "
              f"(target < {PREDICT_TARGET_MS:.0f} ms): "
              f"{'ok' if figures['predict_median_ms'] < PREDICT_TARGET_MS else 'MISSED'}")
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
