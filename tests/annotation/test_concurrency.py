"""Two saves of the same annotation at the same moment: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from annotator.annotation.models import Annotation
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, login
from tests.factories import prepare_project


def race(clients, url: str, bodies, headers) -> list[int]:
    barrier = threading.Barrier(len(clients))
    codes: list[int] = [0] * len(clients)

    def send(i: int) -> None:
        barrier.wait()
        codes[i] = clients[i].put(url, json=bodies[i], headers=headers[i]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return codes


def test_racing_saves_exactly_one_wins(app, db) -> None:
    prepare_project(db.session)
    sentence_id = db.session.scalar(select(Sentence.id).order_by(Sentence.id))
    url = f"/api/sentences/{sentence_id}/annotation"
    tabs = [app.test_client(), app.test_client()]  # two tabs of the same annotator
    for tab in tabs:
        login(tab, "ann_a")
    headers = [api_headers(tab) for tab in tabs]
    version = 0
    rounds = 12
    for r in range(rounds):
        bodies = [{"spans": [{"start": 0, "end": 10, "label": label}], "version": version}
                  for label in ("ACTOR", "UNIT")]
        codes = race(tabs, url, bodies, headers)
        assert sorted(codes) == [200, 409], f"round {r}: {codes}"
        version += 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Annotation)) == 1
    assert db.session.scalar(select(Annotation.version)) == rounds
