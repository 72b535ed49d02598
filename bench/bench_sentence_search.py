"""Benchmark: the project's sentence list, searched and filtered, on 100,000 sentences (issue 13).

Data (built once per run, rows inserted in bulk with Core ``executemany``, ``search_text``
folded as the import folds it): one project of --sentences sentences (default 100,000) in
documents of 20, written from templates with place names in several spellings ("Ḥamā",
"Hama", "Maʿarrat al-Nuʿman", "حماة" with harakat ...); 4 annotators and an admin; a batch of the
first 20,000 sentences with overlap 2; both annotators' annotations of the first 10,000
(3 spans each, an event type on most EVENT spans, a tenth skipped or in progress, one in a
hundred flagged); the automatic adjudication pass (gold, partial where they disagree).

Timed: the page ``/projects/<id>/sentences`` through the Flask test client (server time:
routing, queries, template), as the admin and as an annotator, for several searches and
filter mixes; --runs requests each, interleaved, median reported. Same-run references:
``GET /healthz`` and a bare ``SELECT count(*)`` of the project's sentences.

Run: `.venv/bin/python bench/bench_sentence_search.py [--runs 7] [--sentences 100000]
[--postgresql]` (``--postgresql`` starts a throwaway server as the tests do, tests/pg.py).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.corpus.folding import fold  # noqa: E402

PER_DOC = 20
ANNOTATORS = 4
BATCH_SENTENCES = 20_000
ANNOTATED = 10_000
PASSWORD = "bench-search-password"
TARGET_MS = 300.0
PLACES = ["Ḥamā", "Hama", "Idlib", "Maʿarrat al-Nuʿman", "Kafr Nabl", "Dayr az-Zawr",
          "Ṭarṭūs", "Saraqib", "Jisr al-Shughur", "Ariha", "حَمَاة", "إدلب"]
ACTORS = ["Government forces", "Rebel fighters", "A local militia", "Police units",
          "Unidentified gunmen", "Tribal fighters", "The 25th Division"]
EVENTS = ["shelled", "stormed", "withdrew from", "clashed near", "regained", "ambushed a convoy in"]


def sentence(rnd: random.Random, n: int) -> str:
    """One news-style sentence, numbered so every text differs."""
    return (f"{rnd.choice(ACTORS)} {rnd.choice(EVENTS)} {rnd.choice(PLACES)} on day {n}, "
            f"according to {rnd.choice(['local sources', 'a monitor', 'residents'])}.")


def build(db, sentences: int) -> dict[str, int]:
    """The project; returns the ids the timed URLs need."""
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.models import Annotation, SpanRow
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User
    from annotator.auth.services import create_user
    from annotator.corpus.models import Document, Sentence
    from annotator.projects.membership import ensure_members
    from annotator.projects.services import create_project

    db.create_all()
    project = create_project(db.session, "bench search")
    admin = create_user(db.session, "admin", PASSWORD, "admin")
    names = [f"ann{i}" for i in range(ANNOTATORS)]
    for name in names:
        create_user(db.session, name, PASSWORD, "annotator")
    db.session.commit()
    users = {name: uid for name, uid in db.session.execute(select(User.username, User.id))}
    ensure_members(db.session, project.id, [users[n] for n in names], role="annotator")
    rnd = random.Random(13)
    now = datetime.now(UTC)
    docs = sentences // PER_DOC
    for first in range(0, docs, 2000):
        bodies = []
        for i in range(first, min(first + 2000, docs)):
            parts = [sentence(rnd, i * PER_DOC + j) for j in range(PER_DOC)]
            bodies.append(parts)
        ids = db.session.scalars(
            insert(Document).returning(Document.id, sort_by_parameter_order=True),
            [{"project_id": project.id, "title": f"Dispatch {first + k}",
              "text": " ".join(parts), "content_hash": uuid.uuid4().hex, "created_at": now}
             for k, parts in enumerate(bodies)]).all()
        rows = []
        for doc_id, parts in zip(ids, bodies, strict=True):
            pos = 0
            for j, piece in enumerate(parts):
                rows.append({"document_id": doc_id, "project_id": project.id, "index": j,
                             "start": pos, "end": pos + len(piece), "excluded": j == 19,
                             "search_text": fold(piece)})
                pos += len(piece) + 1
        db.session.execute(insert(Sentence.__table__), rows)
    db.session.commit()
    first_doc = db.session.scalar(select(func.min(Document.id)))
    batch = create_batch(
        db.session, project.id, source="documents", annotators=names, overlap=2, seed=1,
        document_ids=range(first_doc, first_doc + BATCH_SENTENCES // PER_DOC), created_by=admin,
    ).batch
    db.session.commit()
    assigned = db.session.execute(text(
        "SELECT a.sentence_id, a.annotator_id, d.text, s.start, s.\"end\" FROM assignment a "
        "JOIN sentence s ON s.id = a.sentence_id JOIN document d ON d.id = s.document_id "
        "WHERE a.batch_id = :b ORDER BY a.position, a.annotator_id"), {"b": batch.id}).all()
    annotations, spans, seen = [], [], set()
    for sentence_id, user_id, doc_text, start, end in assigned:
        if len(seen) >= ANNOTATED and sentence_id not in seen:
            continue
        seen.add(sentence_id)
        words = doc_text[start:end]
        i = len(annotations) + 1
        roll = rnd.random()
        status = "done" if roll < 0.9 else ("skipped" if roll < 0.95 else "in_progress")
        annotations.append({
            "id": i, "sentence_id": sentence_id, "annotator_id": user_id, "status": status,
            "version": 1, "time_spent": 10.0, "flagged": rnd.random() < 0.01,
            "created_at": now, "updated_at": now})
        actor = next(a for a in ACTORS if words.startswith(a))
        event = next(e for e in EVENTS if words[len(actor) + 1:].startswith(e))
        at = len(actor) + 1
        spans += [
            {"annotation_id": i, "start": 0, "end": len(actor),
             "label": "ACTOR" if rnd.random() < 0.85 else "UNIT", "attributes": {}},
            {"annotation_id": i, "start": at, "end": at + len(event), "label": "EVENT",
             "attributes": {} if rnd.random() < 0.15 else {"event_type": rnd.choice(
                 ["armed_clash", "shelling_artillery_missile", "air_drone_strike"])}},
            {"annotation_id": i, "start": at + len(event) + 1, "end": at + len(event) + 5,
             "label": "LOCATION", "attributes": {}},
        ]
    db.session.execute(insert(Annotation.__table__), annotations)
    db.session.execute(insert(SpanRow.__table__), spans)
    db.session.execute(text("UPDATE assignment SET finished = :t WHERE sentence_id IN "
                            "(SELECT sentence_id FROM annotation WHERE status <> 'in_progress')"),
                       {"t": True})
    db.session.commit()
    auto_adjudicate(db.session, project.id, min_agree=2, actor=admin)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"project": project.id, "batch": batch.id, "annotator": users["ann1"]}


def searches(ids: dict[str, int]) -> list[tuple[str, str, str]]:
    """(who, name, URL) of every list timed."""
    u = f"/projects/{ids['project']}/sentences"
    return [
        ("admin", "/healthz (reference)", "/healthz"),
        ("admin", "no filter, page 1", u),
        ("admin", "no filter, page 1,000", f"{u}?page=1000"),
        ("admin", "text: hama (1 in 6 sentences)", f"{u}?q=hama"),
        ("admin", "text: ḤAMĀ, page 200", f"{u}?q=%E1%B8%A4AM%C4%80&page=200"),
        ("admin", "text: one sentence (day 98765)", f"{u}?q=day+98765,"),
        ("admin", "text: no match", f"{u}?q=no+such+place"),
        ("admin", "text: Arabic without harakat", f"{u}?q=%D8%AD%D9%85%D8%A7%D8%A9"),
        ("admin", "status done", f"{u}?status=done"),
        ("admin", "status not started", f"{u}?status=new"),
        ("admin", "label EVENT + event type", f"{u}?label=EVENT&event_type=air_drone_strike"),
        ("admin", "annotator + not started", f"{u}?annotator={ids['annotator']}&status=new"),
        ("admin", "flagged", f"{u}?flagged=yes"),
        ("admin", "open conflicts", f"{u}?gold=conflict"),
        ("admin", "no gold, not excluded", f"{u}?gold=none&excluded=no"),
        ("admin", "batch + text + done", f"{u}?batch={ids['batch']}&q=idlib&status=done"),
        ("admin", "text + label + flagged", f"{u}?q=militia&label=ACTOR&flagged=no"),
        ("ann1", "annotator: no filter", u),
        ("ann1", "annotator: text hama", f"{u}?q=hama"),
        ("ann1", "annotator: own done + EVENT", f"{u}?status=done&label=EVENT"),
    ]


def log_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    server = None
    if args.postgresql:
        from tests.pg import TempPostgres

        server = TempPostgres()
        url = server.start().format(db="bench")
        server.create_database("bench")
        engine_name = "PostgreSQL"
    else:
        path = Path(tempfile.mkdtemp(prefix="annotator-search-")) / "search.sqlite3"
        url, engine_name = f"sqlite:///{path}", "SQLite"
    try:
        run(args, url, engine_name)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace, url: str, engine_name: str) -> None:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    from annotator.extensions import db

    started = time.perf_counter()
    with app.app_context():
        ids = build(db, args.sentences)
        db.session.remove()
    print(f"# built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    clients = {}
    for who in ("admin", "ann1"):
        clients[who] = app.test_client()
        log_in(clients[who], who)
    todo = searches(ids)
    times: dict[str, list[float]] = {name: [] for _, name, _ in todo}
    times["SELECT count(*) (reference)"] = []
    found: dict[str, str] = {}
    for who, name, link in todo:  # warm-up
        answer = clients[who].get(link)
        assert answer.status_code == 200, (name, answer.status_code)
        html = answer.get_data(as_text=True)
        count = re.search(r'id="sentence-count"[^>]*>\s*([\d]+)', html)
        found[name] = count.group(1) if count else "—"
    load = os.getloadavg()
    count_sql = text("SELECT count(*) FROM sentence WHERE project_id = :p")
    with app.app_context():
        for _ in range(args.runs):
            for who, name, link in todo:
                t0 = time.perf_counter()
                clients[who].get(link)
                times[name].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            db.session.execute(count_sql, {"p": ids["project"]}).scalar()
            times["SELECT count(*) (reference)"].append(time.perf_counter() - t0)
        db.session.remove()
    reference = statistics.median(times[todo[0][1]]) * 1000
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {engine_name}: {args.sentences:,} "
        f"sentences, median of {args.runs} requests each (interleaved) through the Flask test "
        f"client; {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f}.",
        "",
        "| who | list | matches | median ms | ÷ /healthz | under 300 ms |",
        "|---|---|---|---|---|---|",
    ]
    worst = 0.0
    rows = [(who, name) for who, name, _ in todo] + [("—", "SELECT count(*) (reference)")]
    for who, name in rows:
        ms = statistics.median(times[name]) * 1000
        if "reference" not in name:
            worst = max(worst, ms)
        lines.append(f"| {who} | {name} | {found.get(name, '—')} | {ms:.1f} | "
                     f"{ms / reference:.1f} | {'yes' if ms < TARGET_MS else '**no**'} |")
    print("\n".join(lines))
    sys.exit(0 if worst < TARGET_MS else 1)


if __name__ == "__main__":
    main()
