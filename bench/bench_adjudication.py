"""Benchmark: the automatic gold pass and the conflict queue on a seeded 3-annotator project.

Run: `.venv/bin/python bench/bench_adjudication.py [--sentences 20000] [--runs 3]
[--no-relations]`. SQLite file database in a temp dir. Annotations are inserted directly
(seeded: three annotators start from one reading; each drops, relabels or reshapes a span now
and then; each links the event "shelled" to its actor1 and location, now and then swapping
actor1 for actor2 or leaving a link out, unless --no-relations). Times, as medians of the
runs, with the ratio to a reference measured in the same run (reading the same annotations
with `agreement_items`, which every step needs anyway):

- the automatic pass at min-agree 2 (first run: creates every gold record), and re-run (no-op);
- the queue (every open conflict, ordered; the per-label agreement report computed cold, then
  cached), and one decision followed by the next-conflict lookup.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from annotator import create_app
from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.decisions import decide
from annotator.adjudication.queue import list_queue
from annotator.adjudication.requests import DecisionIn
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.auth.models import User
from annotator.auth.services import create_user
from annotator.corpus.models import Document, Sentence
from annotator.extensions import db
from annotator.projects.membership import ensure_members
from annotator.projects.services import create_project
from annotator.reports import input as input_queries

TEXT = "Rebels shelled the village of Kafr Tala near the M5 highway on Monday."
WORDS = [(0, 6), (7, 14), (19, 26), (30, 39), (45, 55), (56, 62)]
LABELS = ["ACTOR", "EVENT", "LOCATION", "LOCATION", "LOCATION", "UNIT"]
# The event "shelled" with "Rebels" as actor1 and "Kafr Tala" as its location.
FRAME = [((7, 14), "actor1", (0, 6), "ACTOR"), ((7, 14), "location", (30, 39), "LOCATION")]


def links_of(spans: list[tuple[int, int, str]], rng: random.Random) -> list[tuple]:
    """One annotator's relations on their own spans: the frame, now and then changed."""
    have = {(s, e): lb for s, e, lb in spans}
    links = []
    for head, role, child, label in FRAME:
        if have.get(head) != "EVENT" or have.get(child) != label:
            continue  # a span of the frame missed or relabelled: no link
        roll = rng.random()
        if roll < 0.05:
            continue  # link left out
        if roll < 0.08 and role == "actor1":
            role = "actor2"  # who did it to whom, swapped
        links.append((*head, role, *child))
    return links


def fill(db, sentences: int, seed: int, relations: bool = True) -> tuple[int, int]:
    """A project, three annotators and ``sentences`` sentences all three finished."""
    project = create_project(db.session, "bench")
    users = [create_user(db.session, f"ann{i}", "bench-password", "annotator") for i in range(3)]
    curator = create_user(db.session, "curator", "bench-password", "curator")
    ensure_members(db.session, project.id, [curator.id], role="curator")  # decides here
    db.session.commit()
    per_doc = 25
    body = " ".join([TEXT] * per_doc)
    doc_ids = db.session.scalars(
        insert(Document).returning(Document.id, sort_by_parameter_order=True),
        [{"project_id": project.id, "title": f"Doc {i}", "text": body,
          "content_hash": f"{i:064d}"} for i in range(sentences // per_doc)],
    ).all()
    step = len(TEXT) + 1
    sentence_ids = db.session.scalars(
        insert(Sentence).returning(Sentence.id, sort_by_parameter_order=True),
        [{"document_id": d, "project_id": project.id, "index": j, "start": step * j,
          "end": step * j + len(TEXT), "excluded": False}
         for d in doc_ids for j in range(per_doc)],
    ).all()
    rng = random.Random(seed)
    annotation_rows, readings = [], []
    for sid in sentence_ids:
        for user in users:
            annotation_rows.append({"sentence_id": sid, "annotator_id": user.id,
                                    "status": "done", "version": 1})
            spans = []
            for (start, end), label in zip(WORDS, LABELS, strict=True):
                roll = rng.random()
                if roll < 0.06:
                    continue  # missed
                if roll < 0.10:
                    label = "ACTOR" if label != "ACTOR" else "UNIT"  # label
                elif roll < 0.13:
                    end = end - 1  # boundary
                spans.append((start, end, label))
            readings.append(spans)
    ann_ids = db.session.scalars(
        insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True),
        annotation_rows,
    ).all()
    db.session.execute(
        insert(SpanRow),
        [{"annotation_id": a, "start": s, "end": e, "label": lb, "attributes": {}}
         for a, spans in zip(ann_ids, readings, strict=True) for s, e, lb in spans],
    )
    if relations:
        db.session.execute(
            insert(RelationRow),
            [{"annotation_id": a, "head_start": hs, "head_end": he, "role": role,
              "child_start": cs, "child_end": ce}
             for a, spans in zip(ann_ids, readings, strict=True)
             for hs, he, role, cs, ce in links_of(spans, rng)],
        )
    db.session.commit()
    return project.id, curator.id


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def one_run(workdir: Path, run: int, sentences: int, relations: bool) -> dict[str, float]:
    app = create_app({"SECRET_KEY": "b", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{workdir / f'adj-{run}.sqlite3'}"})
    with app.app_context():
        db.create_all()
        project_id, curator_id = fill(db, sentences, seed=run, relations=relations)
        out: dict[str, float] = {}
        out["reference: read annotations"], _ = timed(
            lambda: sum(1 for _ in input_queries.agreement_items(db.session, project_id)))

        def auto():
            result = auto_adjudicate(db.session, project_id, min_agree=2)
            db.session.commit()
            return result

        out["automatic pass, first"], result = timed(auto)
        out["automatic pass, re-run"], again = timed(auto)
        assert again.changed == 0
        out["queue, agreement cold"], queue = timed(
            lambda: list_queue(db.session, project_id))
        out["queue, agreement cached"], _ = timed(
            lambda: list_queue(db.session, project_id))
        item = queue.items[0]
        curator = db.session.get(User, curator_id)

        def decide_and_next():
            decide(db.session, curator, item.sentence_id, DecisionIn(
                item.conflict.start, item.conflict.end, "none", item.gold_version,
                kind=item.conflict.kind if item.conflict.kind == "argument" else None))
            db.session.commit()
            return list_queue(db.session, project_id).items[0]

        out["decision + next conflict"], _ = timed(decide_and_next)
        print(f"  run {run}: {result.summary()}; queue {len(queue.items)} conflicts")
        db.session.remove()
        db.engine.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-relations", action="store_true",
                        help="spans only, as before event frames")
    args = parser.parse_args()
    print(f"{args.sentences} sentences x 3 annotators, {args.runs} runs (medians)"
          + (", spans only" if args.no_relations else ", with event arguments"))
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(Path(tmp), run, args.sentences, not args.no_relations)
                for run in range(args.runs)]
    reference = statistics.median(r["reference: read annotations"] for r in runs)
    for key in runs[0]:
        median = statistics.median(r[key] for r in runs)
        print(f"  {key:28s} {median:8.3f} s  ({median / reference:5.1f}x reference)")


if __name__ == "__main__":
    main()
