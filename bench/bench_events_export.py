"""Benchmark: events-jsonl of 200,000 gold sentences holding 100,000 gold events.

Target (issue 14): under 10 s wall time and under 300 MB peak memory.

The project is generated once (seeded) into bench/out/events-<sentences>.sqlite3 and reused:
documents of 25 sentences, a gold record on every sentence; every other sentence reports an
event ("Government forces shelled Kafr Tala on Monday, ...": an EVENT span with an event type,
its ACTOR and LOCATION spans, and the relations actor1 and location, plus actor2 on a quarter
of them), the others carry an ACTOR and a LOCATION span and no event. So 100,000 events with
about 225,000 gold relations among 600,000 gold spans. Provenance is mixed as in
bench_export.py. Each run is the real command a user types, `annotator export --project bench
--format events-jsonl --out FILE`, in a new process (interpreter start-up, app creation and
the dataset card included), timed from start to exit; its peak resident memory comes from the
kernel's accounting for that process (os.wait4). Reported: medians over --runs.

Same-run reference: the jsonl export of the same project (one line per sentence, tokens and
relations, the format the event records are read alongside), and a bare sqlite3 read of the
rows the event export reads (the floor under any export).

Run: `.venv/bin/python bench/bench_events_export.py [--sentences 200000] [--runs 5]
[--formats events-jsonl,events-csv,jsonl]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
TARGET_S = 10.0
TARGET_MB = 300.0
PER_DOCUMENT = 25
NOW = "2024-05-01 12:00:00.000000"

ACTORS = ["Government forces", "Al-Shabaab fighters", "the army", "Gen. Samir Haddad",
          "U.S.-backed militias", "Wagner mercenaries", "rebel groups", "the police"]
TARGETS = ["villagers", "a convoy of the 4th Division", "protesters", "an army checkpoint"]
PLACES = ["Kafr Tala", "Mogadishu", "al-Numan", "Baidoa", "the M5 highway", "Gao", "Menaka",
          "Idlib province", "Kharkiv"]
EVENTS = [("shelled", "shelling_artillery_missile"), ("attacked", "armed_clash"),
          ("bombed", "air_drone_strike"), ("ambushed", "armed_clash"),
          ("fired on", "violence_against_civilians")]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EVENT_TEMPLATE = "{a} {e} {t} near {p} on {day}, local sources said."
QUIET_TEMPLATE = "{a} held talks in {p} on {day}, the mayor's office said."
PROVENANCE = [("unanimous", 3, 3, '["ann0","ann1","ann2"]', None, None, None)] * 7 + [
    ("majority", 2, 3, '["ann0","ann1"]', None, None, None)] * 2 + [
    ("curator", 1, 3, '["ann2"]', 1, "annotator_error", "argument fixed to the guidelines")]


def place(text: str, phrase: str, after: int = 0) -> tuple[int, int]:
    start = text.index(phrase, after)
    return start, start + len(phrase)


def event_sentence(rng: random.Random) -> tuple[str, list[tuple], list[tuple]]:
    """A sentence reporting an event: its spans (start, end, label, attributes JSON) and
    relations (head, role, child)."""
    a, t, p = rng.choice(ACTORS), rng.choice(TARGETS), rng.choice(PLACES)
    e, etype = rng.choice(EVENTS)
    text = EVENT_TEMPLATE.format(a=a, e=e, t=t, p=p, day=rng.choice(DAYS))
    actor = place(text, a)
    event = place(text, e, actor[1])
    target = place(text, t, event[1])
    where = place(text, p, target[1])
    spans = [(*actor, "ACTOR", "{}"), (*event, "EVENT", json.dumps({"event_type": etype})),
             (*target, "ACTOR", "{}"), (*where, "LOCATION", "{}")]
    relations = [(event, "actor1", actor), (event, "location", where)]
    if rng.random() < 0.25:
        relations.append((event, "actor2", target))
    return text, spans, relations


def quiet_sentence(rng: random.Random) -> tuple[str, list[tuple], list[tuple]]:
    a, p = rng.choice(ACTORS), rng.choice(PLACES)
    text = QUIET_TEMPLATE.format(a=a, p=p, day=rng.choice(DAYS))
    actor = place(text, a)
    where = place(text, p, actor[1])
    return text, [(*actor, "ACTOR", "{}"), (*where, "LOCATION", "{}")], []


def create_schema(db: Path) -> None:
    """Create the tables, the project "bench" (default schema) and its curator."""
    from annotator import create_app

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}"})
    from annotator.auth.services import create_user
    from annotator.extensions import db as handle
    from annotator.projects.services import create_project

    with app.app_context():
        handle.create_all()
        create_project(handle.session, "bench")
        create_user(handle.session, "curator1", "bench-password", "curator")
        handle.session.commit()
        handle.engine.dispose()


def generate(path: Path, sentences: int, seed: int = 14) -> None:
    """Fill a new database with plain executemany (fast), then rename it into place."""
    tmp = path.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    create_schema(tmp)
    rng = random.Random(seed)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    sentence_id = 0
    for doc in range(1, sentences // PER_DOCUMENT + 1):
        parts = [event_sentence(rng) if (doc * PER_DOCUMENT + i) % 2 == 0 else quiet_sentence(rng)
                 for i in range(PER_DOCUMENT)]
        text = " ".join(t for t, _, _ in parts)
        con.execute("INSERT INTO document (id, project_id, title, url, published, text, "
                    "content_hash, created_at) VALUES (?, 1, ?, ?, '2024-03-04', ?, ?, ?)",
                    (doc, f"Report {doc}", f"https://example.test/{doc}", text, f"{doc:064d}",
                     NOW))
        sentence_rows, gold_rows, span_rows, relation_rows = [], [], [], []
        offset = 0
        for index, (t, spans, relations) in enumerate(parts):
            sentence_id += 1
            sentence_rows.append((sentence_id, doc, index, offset, offset + len(t)))
            offset += len(t) + 1
            gold_rows.append((sentence_id, sentence_id, NOW, NOW))
            for start, end, label, attrs in spans:
                span_rows.append((sentence_id, start, end, label, attrs, *rng.choice(PROVENANCE),
                                  NOW))
            for head, role, child in relations:
                relation_rows.append((sentence_id, *head, role, *child,
                                      *rng.choice(PROVENANCE), NOW))
        con.executemany("INSERT INTO sentence (id, document_id, project_id, \"index\", start, "
                        "\"end\", excluded) VALUES (?, ?, 1, ?, ?, ?, 0)", sentence_rows)
        con.executemany("INSERT INTO gold_sentence (id, sentence_id, status, version, "
                        "created_at, updated_at) VALUES (?, ?, 'complete', 1, ?, ?)", gold_rows)
        con.executemany("INSERT INTO gold_span (gold_id, start, \"end\", label, attributes, "
                        "source, votes, voters, annotators, curator_id, reason, note, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", span_rows)
        con.executemany("INSERT INTO gold_relation (gold_id, head_start, head_end, role, "
                        "child_start, child_end, source, votes, voters, annotators, "
                        "curator_id, reason, note, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", relation_rows)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.replace(path)


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
           for t in ("document", "sentence", "gold_span", "gold_relation")}
    out["events"] = con.execute(
        "SELECT count(*) FROM gold_span WHERE label = 'EVENT'").fetchone()[0]
    con.close()
    return out


def run_export(db: Path, fmt: str, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `annotator export` process."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}",
           "ANNOTATOR_INSTANCE": str(OUT / "instance"), "SECRET_KEY": "bench"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([ANNOTATOR, "export", "--project", "bench", "--format", fmt,
                             "--out", str(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    stdout, stderr = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export failed: {stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    print(f"    wall {elapsed:6.2f} s  cpu {cpu:6.2f} s  peak {peak:6.1f} MB  {stdout.strip()}")
    return elapsed, cpu, peak


def raw_read(db: Path) -> float:
    """CPU seconds of a bare sqlite3 read of the rows the event export reads (same joins)."""
    con = sqlite3.connect(db)
    docs = [r[0] for r in con.execute("SELECT id FROM document ORDER BY id")]
    t0 = time.process_time()
    for i in range(0, len(docs), 160):
        chunk = docs[i:i + 160]
        marks = ",".join("?" * len(chunk))
        con.execute(f"SELECT id, title, url, published, text FROM document WHERE id IN ({marks})",
                    chunk).fetchall()
        con.execute("SELECT s.id, s.document_id, s.\"index\", s.start, s.\"end\", g.id, g.status "
                    "FROM sentence s JOIN gold_sentence g ON g.sentence_id = s.id "
                    f"WHERE s.document_id IN ({marks}) ORDER BY s.document_id, s.\"index\"",
                    chunk).fetchall()
        for table in ("gold_span", "gold_relation"):
            con.execute(f"SELECT p.* FROM {table} p JOIN gold_sentence g ON g.id = p.gold_id "
                        f"JOIN sentence s ON s.id = g.sentence_id "
                        f"WHERE s.document_id IN ({marks})", chunk).fetchall()
    con.close()
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", default="events-jsonl,jsonl")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "instance").mkdir(exist_ok=True)
    db = OUT / f"events-{args.sentences}.sqlite3"
    if args.regenerate or not db.exists():
        t0 = time.perf_counter()
        generate(db, args.sentences)
        print(f"generated {db.name} in {time.perf_counter() - t0:.1f} s")
    sizes = counts(db)
    print("project:", ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    print("load average before the runs: {:.1f} {:.1f} {:.1f} (2 cores)".format(*os.getloadavg()))
    floor = statistics.median(raw_read(db) for _ in range(3))
    print(f"reference, same run: a bare sqlite3 read of the same rows takes {floor:.2f} s CPU")
    for fmt in args.formats.split(","):
        out = OUT / f"export.{fmt}"
        print(f"{fmt}: {args.runs} runs")
        results = [run_export(db, fmt, out) for _ in range(args.runs)]
        seconds, cpu, peak = (statistics.median(r[i] for r in results) for i in range(3))
        print(f"  median wall {seconds:.2f} s (cpu {cpu:.2f} s = {cpu / floor:.1f}x the bare "
              f"read), peak RSS {peak:.0f} MB, file {out.stat().st_size / 1e6:.0f} MB")
        if fmt == "events-jsonl":
            verdict = "PASS" if seconds < TARGET_S and peak < TARGET_MB else "FAIL"
            print(f"  target < {TARGET_S:.0f} s and < {TARGET_MB:.0f} MB: {verdict}")


if __name__ == "__main__":
    main()
