"""Benchmark: every list page's server time on a project of 1,000,000 sentences (issue 12).

Data (built once per run, SQLite file in a temporary directory, rows inserted in bulk with Core
`executemany`, no import path): one project of --sentences sentences (default 1,000,000) in
documents of 25 sentences; 1,000 users (an admin, a curator, 10 annotators and 988 more); a
batch of the first 200,000 sentences with overlap 2 over the 10 annotators (400,000
assignments); both annotators' finished annotations of the first 20,000 sentences (3 spans
each, the annotators disagreeing on a quarter of them, a fifth of the EVENT spans untyped, one
in a hundred flagged with a comment); the automatic adjudication pass over them (gold, and a
queue of conflicts); one sentence edited 2,000 times (its history).

Timed: each page through the Flask test client as the admin (server time in-process: routing,
queries, template, no network), --runs requests per page, interleaved, median reported, with
the page's size in bytes (which must not grow with the project) and `GET /healthz` as the
same-run reference. Agreement pages are timed after one warm-up request (the report is cached
by fingerprint; computing it is benchmarked in bench_agreement.py).

Run: `.venv/bin/python bench/bench_pages.py [--runs 5] [--sentences 1000000] [--markdown]`
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from annotator import create_app  # noqa: E402

PER_DOC = 25
ANNOTATORS = 10
USERS = 1000
BATCH_SENTENCES = 200_000
ANNOTATED = 20_000
HISTORY = 2_000
PASSWORD = "bench-pages-password"
TARGET_MS = 300.0


def build(db, sentences: int) -> dict[str, int]:
    """The project; returns the ids the timed URLs need."""
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.models import Annotation, SpanRow
    from annotator.assignments.services import create_batch
    from annotator.audit.models import AuditEvent
    from annotator.auth.models import User
    from annotator.auth.services import create_user
    from annotator.corpus.models import Document, Sentence
    from annotator.projects.services import create_project

    db.create_all()
    project = create_project(db.session, "bench")
    admin = create_user(db.session, "admin", PASSWORD, "admin")
    create_user(db.session, "curator", PASSWORD, "curator")
    names = [f"ann{i}" for i in range(ANNOTATORS)]
    for name in names:
        create_user(db.session, name, PASSWORD, "annotator")
    db.session.commit()
    now = datetime.now(UTC)
    db.session.execute(insert(User.__table__), [
        {"username": f"reader{i:04d}", "username_key": f"reader{i:04d}",
         "password_hash": admin.password_hash, "role": "annotator",
         "active": True, "created_at": now} for i in range(USERS - 2 - ANNOTATORS)])
    sentence_text = [f"Militia units shelled the outskirts of Tal {j:02d} at dawn. "
                     for j in range(PER_DOC)]
    body = "".join(sentence_text)
    offsets, pos = [], 0
    for piece in sentence_text:
        offsets.append((pos, pos + len(piece) - 1))
        pos += len(piece)
    docs = sentences // PER_DOC
    for first in range(0, docs, 5000):
        ids = db.session.scalars(
            insert(Document).returning(Document.id, sort_by_parameter_order=True),
            [{"project_id": project.id, "title": f"Dispatch {i}: fighting near Tal {i % 97}",
              "text": body, "content_hash": f"{i:064d}", "created_at": now}
             for i in range(first, min(first + 5000, docs))]).all()
        db.session.execute(insert(Sentence.__table__), [
            {"document_id": d, "project_id": project.id, "index": j, "start": s, "end": e,
             "excluded": False} for d in ids for j, (s, e) in enumerate(offsets)])
    db.session.commit()
    first_doc = db.session.scalar(select(Document.id).order_by(Document.id))
    batch = create_batch(
        db.session, project.id, source="documents", annotators=names, overlap=2, seed=1,
        document_ids=range(first_doc, first_doc + min(BATCH_SENTENCES, sentences // 5) // PER_DOC),
        created_by=admin,
    ).batch
    db.session.commit()
    users = {name: uid for name, uid in db.session.execute(select(User.username, User.id))}
    rows = db.session.execute(text(
        "SELECT sentence_id, annotator_id FROM assignment WHERE batch_id = :b "
        "ORDER BY position, annotator_id"), {"b": batch.id}).all()
    rnd = random.Random(12)
    annotations, spans, done = [], [], {}
    for sentence_id, user_id in rows:
        if len(done) >= ANNOTATED and sentence_id not in done:
            continue
        done.setdefault(sentence_id, 0)
        done[sentence_id] += 1
        i = len(annotations) + 1
        flagged = rnd.random() < 0.01
        annotations.append({
            "id": i, "sentence_id": sentence_id, "annotator_id": user_id, "status": "done",
            "version": 1, "time_spent": rnd.uniform(3, 60), "flagged": flagged,
            "flag_comment": "Is 'Tal' a village or a hill here?" if flagged else None,
            "created_at": now, "updated_at": now})
        disagree = rnd.random() < 0.25
        spans += [
            {"annotation_id": i, "start": 0, "end": 13, "label": "ACTOR", "attributes": {}},
            {"annotation_id": i, "start": 14, "end": 21, "label": "EVENT", "attributes": (
                {} if rnd.random() < 0.2 else {"event_type": "shelling_artillery_missile"})},
            {"annotation_id": i, "start": 39, "end": 45,
             "label": "UNIT" if disagree else "LOCATION", "attributes": {}},
        ]
    db.session.execute(text("UPDATE assignment SET finished = 1 WHERE sentence_id IN "
                            "(SELECT sentence_id FROM annotation)"))
    db.session.execute(insert(Annotation.__table__), annotations)
    db.session.execute(insert(SpanRow.__table__), spans)
    edited = rows[0][0]
    db.session.execute(insert(AuditEvent.__table__), [
        {"at": now - timedelta(seconds=HISTORY - v), "actor_id": rows[0][1],
         "sentence_id": edited, "owner_id": rows[0][1], "target": "annotation",
         "action": "update", "version": v, "before": {"spans": [], "status": "in_progress"},
         "after": {"spans": [], "status": "in_progress"}} for v in range(1, HISTORY + 1)])
    db.session.commit()
    auto_adjudicate(db.session, project.id, min_agree=2, actor=admin)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    last_doc = db.session.scalar(select(Document.id).order_by(Document.id.desc()))
    return {"project": project.id, "batch": batch.id, "document": last_doc,
            "sentence": edited, "annotator": users["ann0"], "docs": docs}


def pages(ids: dict[str, int]) -> list[tuple[str, str]]:
    """(name, URL) of every page timed."""
    p = ids["project"]
    return [
        ("/healthz (reference)", "/healthz"),
        ("projects list", "/projects/"),
        ("project sentences, page 1", f"/projects/{p}"),
        ("project sentences, page 20,000 (last)", f"/projects/{p}?page=20000"),
        ("documents, page 1", f"/projects/{p}/documents"),
        ("documents, last page", f"/projects/{p}/documents?page=1000000"),
        ("one document", f"/documents/{ids['document']}"),
        ("batches + batch form", f"/projects/{p}/batches"),
        ("one batch", f"/batches/{ids['batch']}"),
        ("progress dashboard", f"/projects/{p}/dashboard"),
        ("untyped spans, page 1", f"/projects/{p}/untyped-spans"),
        ("untyped spans, last page", f"/projects/{p}/untyped-spans?page=1000000"),
        ("users", "/admin/users"),
        ("users, last page", "/admin/users?page=1000000"),
        ("a sentence's history (2,000 edits)", f"/sentences/{ids['sentence']}/history"),
        ("adjudication queue, page 1", f"/projects/{p}/adjudication"),
        ("adjudication queue, last page", f"/projects/{p}/adjudication?page=1000000"),
        ("an annotator's labels vs gold", f"/projects/{p}/feedback?user={ids['annotator']}"),
        ("export page", f"/projects/{p}/export"),
        ("agreement (cached report)", f"/projects/{p}/agreement"),
        ("agreement drill-down, page 1",
         f"/projects/{p}/agreement/disagreements?pair=ann0&pair=ann1"),
        ("agreement drill-down, last page",
         f"/projects/{p}/agreement/disagreements?pair=ann0&pair=ann1&page=1000000"),
    ]


def log_in(client) -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, answer.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--only", help="time only the pages whose name contains this")
    parser.add_argument("--keep", type=Path,
                        help="database file to build once and reuse on later runs")
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp(prefix="annotator-pages-")) / "pages.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "RATELIMIT_ENABLED": False})
    from annotator.extensions import db

    started = time.perf_counter()
    saved = path.with_suffix(".json")
    if saved.exists():
        ids = json.loads(saved.read_text())
    else:
        with app.app_context():
            ids = build(db, args.sentences)
            db.session.remove()
        saved.write_text(json.dumps(ids))
    built = time.perf_counter() - started
    print(f"# built in {built:.0f} s: {args.sentences:,} sentences, {ids['docs']:,} documents, "
          f"{path.stat().st_size / 1e6:.0f} MB", file=sys.stderr, flush=True)
    client = app.test_client()
    log_in(client)
    todo = [(n, u) for n, u in pages(ids) if not args.only or args.only in n or "healthz" in u]
    times: dict[str, list[float]] = {name: [] for name, _ in todo}
    sizes: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for name, url in todo:  # warm-up: caches, the agreement report
        answer = client.get(url)
        statuses[name], sizes[name] = answer.status_code, len(answer.data)
    load = os.getloadavg()
    for _ in range(args.runs):
        for name, url in todo:
            t0 = time.perf_counter()
            answer = client.get(url)
            times[name].append(time.perf_counter() - t0)
            statuses[name] = answer.status_code
    reference = statistics.median(times[todo[0][0]]) * 1000
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on SQLite: {args.sentences:,} sentences, "
        f"median of {args.runs} requests per page (interleaved) through the Flask test client; "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        "| page | status | median ms | ÷ /healthz | size KB | under 300 ms |",
        "|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for name, _ in todo:
        ms = statistics.median(times[name]) * 1000
        if "healthz" not in name:
            worst = max(worst, ms)
        lines.append(f"| {name} | {statuses[name]} | {ms:.1f} | {ms / reference:.1f} | "
                     f"{sizes[name] / 1024:.0f} | {'yes' if ms < TARGET_MS else '**no**'} |")
    print("\n".join(lines))
    sys.exit(0 if worst < TARGET_MS and all(s == 200 for s in statuses.values()) else 1)


if __name__ == "__main__":
    main()
