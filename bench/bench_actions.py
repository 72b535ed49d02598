"""Benchmark: actions an annotator saves with suggestions (issue 16, "measured, not assumed").

The flow of tests/browser/test_actions_saved.py, for several seeds: per seed a project with
200 generated news sentences in complete gold (bench/news_generator.py), a spaCy model trained
in-process on its gold and made active, the gazetteer from that gold; 20 new generated
sentences annotated to their generator spans in real Chromium by one annotator in a batch with
suggestions off (every span drawn: mouse drag + label key + the event-type chooser's keys) and
by another in a batch with suggestions on (`a` / Shift+A for right suggestions, `x` for wrong
ones, the click menu for a right span with a wrong label, then fixing event types and drawing
what is missing). Every mouse and keyboard action goes through ``ActionCounter``
(tests/browser/actions.py); page loads between sentences (the same on both sides) are not
counted. Both end states are checked against the target spans.

Prints per seed the per-sentence counts off/on, then the total saving and the distribution
(min, quartiles, median, max) of the per-sentence savings, and the machine's load averages.

Run: `PYTHONPATH=. .venv/bin/python bench/bench_actions.py [--seeds 16 17 18] [--no-model]`
(needs /usr/bin/chromium, like the browser tests).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.actions import (  # noqa: E402
    ActionCounter,
    annotate_off,
    annotate_on,
    archive_batch,
    end_state,
    make_batch,
    saving,
    seed_project,
)
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Database,
    LiveServer,
    browser_login,
)

TARGET_SAVING = 0.40


def run_seed(browser, live: LiveServer, database: Database, folder: Path, seed: int,
             model: bool) -> list[tuple[int, int, str]]:
    """One seed's flow; (actions off, actions on, text) per sentence."""
    names = itertools.count()
    setup = seed_project(database, lambda base: f"{base}{seed}x{next(names)}",
                         folder / f"models-{seed}", seed=seed, model=model)
    counters = {}
    for suggestions, user in ((False, setup.off_user), (True, setup.on_user)):
        batch = make_batch(database, setup, user, suggestions=suggestions)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        browser_login(page, live.url, user)
        counter = ActionCounter(page)
        for target in setup.targets:
            (annotate_on if suggestions else annotate_off)(counter, live.url, target)
        context.close()
        archive_batch(database, batch)
        counters[suggestions] = counter
    for target in setup.targets:
        for user in (setup.off_user, setup.on_user):
            got = end_state(database, target, user)
            if got != sorted(target.spans):
                raise SystemExit(f"seed {seed}: {user} ended with {got} on {target.text!r}, "
                                 f"not {sorted(target.spans)}")
    kinds = Counter(what if kind == "key" and what in ("a", "Shift+A", "x") else kind
                    for _, kind, what in counters[True].log)
    for target in setup.targets:
        steps = [f"{kind}:{what}" for sid, kind, what in counters[True].log
                 if sid == target.sentence_id]
        if len(steps) > 2:  # more than Shift+A and a type fix: show what it took
            print(f"  on, {len(steps)} actions: {target.text[:60]!r}: {' '.join(steps)}")
    f1 = f"{setup.model_f1:.2f}" if setup.model_f1 is not None else "none"
    print(f"seed {seed}: model dev F1 {f1} (trained in {setup.train_seconds:.0f} s); "
          f"actions with suggestions on by kind: {dict(sorted(kinds.items()))}")
    return [(counters[False].per_sentence[t.sentence_id],
             counters[True].per_sentence[t.sentence_id], t.text) for t in setup.targets]


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median, upper quartile."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[16, 17, 18])
    parser.add_argument("--no-model", action="store_true",
                        help="no trained model: the gazetteer from gold alone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows: list[tuple[int, int, int, str]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        database = Database(f"sqlite:///{folder / 'app.sqlite3'}")
        live = LiveServer(database.app.config["SQLALCHEMY_DATABASE_URI"], folder,
                          folder / "server.log")
        live.start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            for seed in args.seeds:
                rows += [(seed, off, on, text) for off, on, text in
                         run_seed(browser, live, database, folder, seed, not args.no_model)]
        finally:
            browser.close()
            live.stop()
            database.close()
    print(f"\n{'seed':>4} {'off':>4} {'on':>4} {'saved':>6}  sentence")
    for seed, off, on, text in rows:
        print(f"{seed:>4} {off:>4} {on:>4} {saving(off, on):>6.0%}  {text[:70]}")
    off_total = sum(r[1] for r in rows)
    on_total = sum(r[2] for r in rows)
    per = [saving(off, on) for _, off, on, _ in rows]
    q1, median, q3 = quartiles(per)
    total = saving(off_total, on_total)
    print(f"\n{len(rows)} sentences, seeds {args.seeds}"
          f"{' (gazetteer only)' if args.no_model else ''}: actions off {off_total}, "
          f"on {on_total}, saved {total:.1%} (target >= {TARGET_SAVING:.0%}: "
          f"{'met' if total >= TARGET_SAVING else 'MISSED'})")
    print(f"per-sentence saving: min {min(per):.0%}, q1 {q1:.0%}, median {median:.0%}, "
          f"q3 {q3:.0%}, max {max(per):.0%}; per-sentence actions off median "
          f"{statistics.median(r[1] for r in rows)}, on median "
          f"{statistics.median(r[2] for r in rows)}")
    print(f"wall time {time.perf_counter() - began:.0f} s; load averages "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
