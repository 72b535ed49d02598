"""Benchmark: server time of a save with 6 spans and 6 relations vs the same 6 spans alone.

Issue 14's target: `PUT /api/sentences/<id>/annotation` with 6 spans and 6 relations takes at
most 1.2x the time of the same save without relations. Flask test client against a file SQLite
database (no network, no browser) with the generated articles, default schema (EVENT with
actor1, actor2, location). The 6 spans are two EVENTs, two ACTORs, a UNIT and a LOCATION on
the sentence's first six word tokens; the 6 relations give each EVENT an actor1, an actor2 and
a location. Every sample saves a sentence twice: a first save (version 0, the annotation is
created) and a re-save (version 1, its spans and relations replaced, the event types changed).
The two kinds alternate sentence by sentence, so load swings hit both alike. Per-round
medians, then the median over rounds.
Run: `.venv/bin/python bench/bench_frames_save.py [--rounds 5] [--requests 200]`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate_articles  # noqa: E402

from annotator import create_app  # noqa: E402

TARGET_RATIO = 1.2
LABELS = ("EVENT", "ACTOR", "LOCATION", "EVENT", "UNIT", "ACTOR")
# (head token, role, child token) over the six spans above.
LINKS = ((0, "actor1", 1), (0, "actor2", 5), (0, "location", 2),
         (3, "actor1", 4), (3, "actor2", 1), (3, "location", 2))
TYPES = ("armed_clash", "air_drone_strike")


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": username, "password": "frames-cost-secret",
                                    "csrf_token": token})
    assert r.status_code == 302, r.status_code
    return client


def body(words: list[tuple[int, int]], version: int, relations: bool, turn: int) -> dict:
    """The save of six spans on the first six words (and their six links when asked)."""
    spans = []
    for (start, end), label in zip(words, LABELS, strict=False):
        attributes = {"event_type": TYPES[turn % 2]} if label == "EVENT" else {}
        spans.append({"start": start, "end": end, "label": label, "attributes": attributes})
    out = {"spans": spans, "version": version, "status": "in_progress"}
    if relations:
        out["relations"] = [
            {"head": {"start": words[h][0], "end": words[h][1]}, "role": role,
             "child": {"start": words[c][0], "end": words[c][1]}}
            for h, role, c in LINKS
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200,
                        help="sentences saved per kind per round")
    parser.add_argument("--memory", action="store_true",
                        help="an in-memory database: the CPU cost without the disk's commits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite://" if args.memory else f"sqlite:///{Path(tmp) / 'frames.sqlite3'}"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        from sqlalchemy import select

        from annotator.auth.services import create_user
        from annotator.corpus.importing import import_articles
        from annotator.corpus.models import Sentence
        from annotator.corpus.tokens import token_offsets
        from annotator.extensions import db
        from annotator.projects.membership import ensure_members
        from annotator.projects.services import create_project

        with app.app_context():
            db.create_all()
            project = create_project(db.session, "bench frames")
            assert project.schema.has_roles, "the default schema gives EVENT its roles"
            payload = "\n".join(json.dumps(a) for a in generate_articles(400, seed=5)).encode()
            import_articles(db.session, project.id, [("b.jsonl", payload)])
            user = create_user(db.session, "framer", "frames-cost-secret", "annotator")
            ensure_members(db.session, project.id, [user.id], role="annotator")
            db.session.commit()
            words: dict[int, list[tuple[int, int]]] = {}
            for sentence in db.session.scalars(select(Sentence).where(
                    Sentence.project_id == project.id, Sentence.excluded.is_(False))):
                text = sentence.text
                alnum = [(s, e) for s, e in token_offsets(text) if text[s:e].isalnum()]
                if len(alnum) >= 6:
                    words[sentence.id] = alnum[:6]
        needed = 2 * args.requests * args.rounds + 40
        ids = sorted(words)
        assert len(ids) >= needed, f"{len(ids)} sentences, {needed} needed"
        client = _login(app, "framer")
        page = client.get(f"/sentences/{ids[0]}").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        headers = {"X-CSRFToken": token}

        def save(sid: int, relations: bool) -> tuple[float, float]:
            times = []
            for version in (0, 1):
                b = body(words[sid], version, relations, version)
                t0 = time.perf_counter()
                r = client.put(f"/api/sentences/{sid}/annotation", json=b, headers=headers)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.json
            return times[0], times[1]

        pool = iter(ids)
        for _ in range(20):  # warm-up
            save(next(pool), relations=True)
        kinds = ("spans", "frames")
        medians: dict[tuple[str, str], list[float]] = {
            (k, w): [] for k in kinds for w in ("first", "again")}
        for round_no in range(args.rounds):
            times: dict[tuple[str, str], list[float]] = {key: [] for key in medians}
            for i in range(args.requests):
                order = kinds if i % 2 == 0 else kinds[::-1]
                for kind in order:
                    first, again = save(next(pool), relations=kind == "frames")
                    times[(kind, "first")].append(first)
                    times[(kind, "again")].append(again)
            line = []
            for key, values in times.items():
                median = statistics.median(values) * 1000
                medians[key].append(median)
                line.append(f"{key[0]}/{key[1]} {median:.2f}")
            print(f"round {round_no + 1}: " + ", ".join(line) + " (ms, medians)")
        where = "in-memory SQLite" if args.memory else "SQLite file DB"
        print(f"\n{args.requests} saves per kind per round, {args.rounds} rounds, "
              f"{where}, Flask test client")
        worst = 0.0
        for which in ("first", "again"):
            spans = statistics.median(medians[("spans", which)])
            frames = statistics.median(medians[("frames", which)])
            ratio = frames / spans
            worst = max(worst, ratio)
            print(f"{which:5s} save: 6 spans {spans:.2f} ms, 6 spans + 6 relations "
                  f"{frames:.2f} ms, ratio {ratio:.2f}")
        verdict = "met" if worst <= TARGET_RATIO else "MISSED"
        print(f"target <= {TARGET_RATIO}x: {verdict}")


if __name__ == "__main__":
    main()
