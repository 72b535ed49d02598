"""Benchmark: suggestions with a gazetteer of 50,000 entries (issue 16).

Data (generated here, nothing downloaded): a gazetteer list of --entries names (default 50,000:
place, group and unit names built from syllables, one to four tokens, the four labels; a tenth
EVENT verbs with an event type), two token patterns (ordinal + unit word; "al-" + a title-case
word), and --sentences news-style sentences (default 2,000), each holding two to four of the
names among ordinary words.

Timed, in one run:
- the matcher alone (``Gazetteer.suggest`` + ``Patterns.suggest`` + ``combine`` on the project's
  tokens, tokenizing included), per sentence: median and 95th percentile (target: < 2 ms);
  building the matcher once (PhraseMatcher of every entry) is reported too;
- ``GET /api/sentences/<id>/suggestions`` through the Flask test client (server time: routing,
  the access check, the batch look-up, the sources' fingerprint, matching, JSON) for an
  annotator of a batch with suggestions on, --runs rounds over 50 sentences, interleaved
  with ``GET /healthz`` and ``GET /api/sentences/<id>/annotation`` (the same access check and
  a similar read) as same-run references; median (target: < 20 ms).

Run: `.venv/bin/python bench/bench_suggestions.py [--model] [--entries 50000] [--sentences 2000]
[--runs 5] [--postgresql]` (``--postgresql`` starts a throwaway server as the tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotator import create_app  # noqa: E402
from annotator.corpus.tokens import token_offsets  # noqa: E402
from annotator.suggestions.matching import (  # noqa: E402
    Gazetteer,
    PatternRule,
    Patterns,
    Term,
    combine,
)

PASSWORD = "bench-suggest-password"
MATCH_TARGET_MS = 2.0
API_TARGET_MS = 20.0
API_SENTENCES = 50
SYLLABLES = ["ka", "fr", "ta", "la", "ma", "ar", "ra", "nu", "man", "sa", "ra", "qib", "id",
             "lib", "ha", "ma", "jis", "shu", "ghur", "ri", "ha", "dei", "zor", "ta", "bqa",
             "men", "bij", "ra", "qa", "tal", "af", "rin", "az", "az", "sal", "qin"]
UNIT_WORDS = ["Brigade", "Division", "Regiment", "Battalion"]
FILLER = ("according to local sources the fighting continued through the night while "
          "residents said that several families had left the area before the morning "
          "and a monitor reported that shelling resumed near the main road").split()
LABELS = ["LOCATION", "ACTOR", "UNIT"]
EVENT_VERBS = [("shelled", "shelling_artillery_missile"), ("ambushed", "armed_clash"),
               ("stormed", "non_state_actor_overtakes_territory"),
               ("bombed", "air_drone_strike")]
PATTERNS = [
    PatternRule("ordinal unit", "UNIT", [{"TEXT": {"REGEX": r"^\d+(st|nd|rd|th)$"}},
                                         {"IS_TITLE": True, "OP": "*"},
                                         {"LOWER": {"IN": ["brigade", "division", "regiment"]}}]),
    PatternRule("al- names", "LOCATION", [{"LOWER": "al"}, {"ORTH": "-"}, {"IS_TITLE": True}]),
]


def name(rnd: random.Random) -> str:
    """A made-up proper name of one to four tokens."""
    words = []
    for _ in range(rnd.choice([1, 1, 2, 2, 2, 3, 4])):
        word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3)))
        words.append(word.capitalize())
    if rnd.random() < 0.2:
        words.append(rnd.choice(UNIT_WORDS))
    return " ".join(words)


def gazetteer_rows(rnd: random.Random, entries: int) -> list[tuple[str, str, str | None]]:
    """``entries`` distinct (text, label, event type) rows."""
    rows: dict[str, tuple[str, str, str | None]] = {}
    for verb, event_type in EVENT_VERBS:
        rows[verb] = (verb, "EVENT", event_type)
    while len(rows) < entries:
        text = name(rnd)
        if text not in rows:
            label = "UNIT" if text.split()[-1] in UNIT_WORDS else rnd.choice(LABELS[:2])
            rows[text] = (text, label, None)
    return list(rows.values())


def sentences(rnd: random.Random, rows: list, count: int) -> list[str]:
    """News-style sentences (25 to 40 tokens), each with two to four gazetteer names, one
    ordinal unit and sometimes an "al-" place."""
    out = []
    for _ in range(count):
        words = rnd.sample(FILLER, rnd.randint(14, 22))
        for text, _, _ in rnd.sample(rows, rnd.randint(2, 4)):
            words.insert(rnd.randrange(len(words) + 1), text)
        words.insert(rnd.randrange(len(words)), f"{rnd.randint(1, 99)}th Armoured Division")
        if rnd.random() < 0.5:
            words.insert(rnd.randrange(len(words)), f"al-{name(rnd).split()[0]}")
        line = " ".join(words) + "."
        out.append(line[0].upper() + line[1:])
    return out


def time_matcher(rows: list, texts: list[str]) -> dict[str, float]:
    """Build the sources once, then match every sentence; times in ms."""
    t0 = time.perf_counter()
    gazetteer = Gazetteer([Term(t, label, event_type, "bench") for t, label, event_type in rows])
    patterns = Patterns(PATTERNS)
    build = (time.perf_counter() - t0) * 1000
    for text in texts[:50]:  # warm-up
        combine([gazetteer, patterns], text, token_offsets(text))
    per: list[float] = []
    found = 0
    for text in texts:
        t0 = time.perf_counter()
        got = combine([gazetteer, patterns], text, token_offsets(text))
        per.append((time.perf_counter() - t0) * 1000)
        found += len(got)
    per.sort()
    return {"build": build, "median": statistics.median(per),
            "p95": per[int(len(per) * 0.95)], "per_sentence": found / len(texts)}


def build_project(db, rows: list, texts: list[str], model: bool = False) -> dict[str, int]:
    """A project with the list, the patterns, one article of ``API_SENTENCES`` sentences in a
    batch with suggestions on for one annotator; with ``model``, also 200 generated sentences
    in gold and a model trained on them, made active (the model is then a third source)."""
    from annotator.assignments.services import create_batch
    from annotator.auth.services import create_user
    from annotator.corpus.importing import import_articles
    from annotator.corpus.models import Sentence
    from annotator.projects.services import create_project
    from annotator.suggestions.services import import_gazetteer, save_pattern

    db.create_all()
    session = db.session
    create_user(session, "ann1", PASSWORD, "annotator")
    project = create_project(session, "Suggestions bench")
    csv = "\n".join(",".join(c or "" for c in row) for row in rows)
    import_gazetteer(session, project.id, "bench", csv)
    for rule in PATTERNS:
        save_pattern(session, project.id, name=rule.name, label=rule.label, event_type=None,
                     pattern_text=json.dumps(rule.pattern))
    if model:
        train_model(session, project)
    body = " ".join(texts[:API_SENTENCES])
    line = json.dumps({"title": "Bench article", "text": body})
    import_articles(session, project.id, [("bench.jsonl", line.encode())])
    create_batch(session, project.id, source="remaining", annotators=["ann1"], overlap=1,
                 suggestions=True)
    session.commit()
    from sqlalchemy import select as sa_select

    from annotator.corpus.models import Document

    ids = session.scalars(
        sa_select(Sentence.id).join(Document, Document.id == Sentence.document_id)
        .where(Document.title == "Bench article").order_by(Sentence.id)).all()
    return {"project": project.id, "sentences": list(ids)}


def train_model(session, project) -> None:
    """200 generated news sentences as complete gold, and the NER model trained on them in
    this process and made active (what the "train-model" job does, without the queue)."""
    from types import SimpleNamespace

    from bench.news_generator import generate_articles, seed_gold
    from tests.browser.actions import train_active_model

    seed_gold(session, project.id, generate_articles(20, seed=16))
    session.flush()
    folder = Path(tempfile.mkdtemp(prefix="annotator-models-"))
    done = SimpleNamespace(model_f1=None, train_seconds=0.0)
    train_active_model(session, project, folder, done)
    print(f"model trained in {done.train_seconds:.1f} s (dev F1 {done.model_f1})",
          file=sys.stderr)


def log_in(client, username: str) -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code


def time_api(url: str, rows: list, texts: list[str], runs: int,
             model: bool = False) -> dict[str, float]:
    """Median server time of the suggestions request and of /healthz, interleaved; ms."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    from annotator.extensions import db

    with app.app_context():
        ids = build_project(db, rows, texts, model)
        db.session.remove()
    client = app.test_client()
    log_in(client, "ann1")
    t0 = time.perf_counter()
    first = client.get(f"/api/sentences/{ids['sentences'][0]}/suggestions")
    cold = (time.perf_counter() - t0) * 1000
    assert first.status_code == 200 and first.json["enabled"], first.get_data(as_text=True)
    api: list[float] = []
    health: list[float] = []
    annotation: list[float] = []
    found = 0
    for _ in range(runs):
        for sid in ids["sentences"]:
            t0 = time.perf_counter()
            answer = client.get(f"/api/sentences/{sid}/suggestions")
            api.append((time.perf_counter() - t0) * 1000)
            found += len(answer.json["suggestions"])
            t0 = time.perf_counter()
            client.get("/healthz")
            health.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            client.get(f"/api/sentences/{sid}/annotation")
            annotation.append((time.perf_counter() - t0) * 1000)
    return {"cold": cold, "median": statistics.median(api), "healthz": statistics.median(health),
            "annotation": statistics.median(annotation),
            "per_sentence": found / len(api), "requests": len(api)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--model", action="store_true",
                        help="also train a model on 200 generated gold sentences and make it "
                             "active: the requests then run the model too")
    args = parser.parse_args()
    rnd = random.Random(16)
    rows = gazetteer_rows(rnd, args.entries)
    texts = sentences(rnd, rows, args.sentences)
    load = os.getloadavg()
    matcher = time_matcher(rows, texts)
    server = None
    if args.postgresql:
        from tests.pg import TempPostgres

        server = TempPostgres()
        url = server.start().format(db="bench")
        server.create_database("bench")
        engine = "PostgreSQL"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='annotator-suggest-')) / 'b.sqlite3'}"
        engine = "SQLite"
    try:
        api = time_api(url, rows, texts, args.runs, args.model)
    finally:
        if server is not None:
            server.stop()
    ok = matcher["median"] < MATCH_TARGET_MS and api["median"] < API_TARGET_MS
    print("\n".join([
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {engine}: gazetteer of "
        f"{args.entries:,} entries + 2 patterns{' + the active model' if args.model else ''}; "
        f"{os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| matcher built (PhraseMatcher of every entry) | {matcher['build']:.0f} ms | — |",
        f"| match per sentence, median ({args.sentences:,} sentences, "
        f"{matcher['per_sentence']:.1f} suggestions each) | {matcher['median']:.2f} ms | "
        f"< {MATCH_TARGET_MS:.0f} ms |",
        f"| match per sentence, 95th percentile | {matcher['p95']:.2f} ms | — |",
        f"| first API request (builds the matcher from the database) | {api['cold']:.0f} ms | — |",
        f"| `GET /api/sentences/<id>/suggestions`, median of {api['requests']} "
        f"({api['per_sentence']:.1f} suggestions each) | {api['median']:.1f} ms | "
        f"< {API_TARGET_MS:.0f} ms |",
        f"| `GET /healthz` (same-run reference), median | {api['healthz']:.1f} ms | — |",
        f"| `GET /api/sentences/<id>/annotation` (same-run reference), median | "
        f"{api['annotation']:.1f} ms | — |",
    ]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
