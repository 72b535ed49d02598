"""The servers of the multi-instance test (tests/ops/test_multi_instance.py) and the
requests it makes: start and stop processes by id, the conflict scene, log-ins, uploads,
following a job, counting what an import wrote."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.load_test import Connection
from tests.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


SECRET = "multi-instance-test-secret"


SENTENCES_PER_ARTICLE = 10


UNITS = ("the 9th Armoured Brigade", "a border guard battalion", "the Rapid Support Forces",
         "local militiamen", "an artillery regiment", "the Coastal Defence Division")


PLACES = ("Tal Rifaat", "Kafr Zita", "Abu Kamal", "Sheikh Miskeen", "al-Mayadin", "Qaryatain")


TOKEN_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


# Original demo-style text: the second sentence is the one the three annotators disagree on.
ARTICLE = ("Heavy fighting was reported on Sunday around the northern town of Sarmin. "
           "Militiamen of the 4th Division shelled Sarmin overnight, residents said. "
           "Aid convoys were turned back at the Bab al-Hawa crossing.")


def require(what: str, found: bool) -> None:
    """Skip (fail under CI=true) when a server this test needs is not installed."""
    if found:
        return
    message = f"{what} is not installed (make system-deps installs it with apt-get)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Cluster:
    url: str
    redis_url: str
    ports: list[int]
    logs: list[Path]
    load_batch: int
    scene: dict
    workers: list[subprocess.Popen]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def base(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop each process group this module started, by its leader's id: TERM, then KILL."""
    for process in reversed(processes):
        if process.poll() is not None:
            continue
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a server in a process group of its own, its output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def wait_until(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001  (not up yet: refused sockets, redis' ConnectionError)
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not ready after {timeout:.0f} s")


def prepare_conflict(url: str) -> dict:
    """A second project: an admin and three annotators on one article; alice and bob finish
    the second sentence with different labels, carol leaves it in progress, and the automatic
    pass leaves the disagreement to a curator (one open conflict)."""
    from annotator import create_app
    from annotator.adjudication.automatic import auto_adjudicate
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.corpus.models import Sentence
    from annotator.extensions import db
    from tests.factories import add_members, make_document, make_project, make_user

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "SHARED_CACHE": "none"})
    with app.app_context():
        chief = make_user(db.session, "chief", "admin")
        people = {name: make_user(db.session, name) for name in ("alice", "bob", "carol")}
        project = make_project(db.session, "Sarmin shelling")
        add_members(db.session, project, *people.values())
        make_document(db.session, project, "Shelling of Sarmin", ARTICLE)
        sentence = db.session.scalars(select_second_sentence(Sentence, project.id)).one()
        start = sentence.text.index("Militiamen")
        words = (start, start + len("Militiamen"))
        for name, label, status in (("alice", "ACTOR", "done"), ("bob", "UNIT", "done"),
                                    ("carol", None, "in_progress")):
            spans = [] if label is None else [
                {"start": words[0], "end": words[1], "label": label, "attributes": {}}]
            save_annotation(db.session, people[name], sentence.id,
                            AnnotationIn(spans=spans, status=status, version=0, time_spent=3.0),
                            max_spent=1800)
        auto_adjudicate(db.session, project.id, min_agree=2, actor=chief)
        db.session.commit()
        place = sentence.text.index("Sarmin")
        imports = make_project(db.session, "Front-line reports")  # for the import jobs
        db.session.commit()
        scene = {"project": project.id, "sentence": sentence.id, "words": words,
                 "place": (place, place + len("Sarmin")), "imports": imports.id}
        db.engine.dispose()
    return scene


def select_second_sentence(sentence, project_id: int):
    from sqlalchemy import select

    return select(sentence).where(sentence.project_id == project_id, sentence.index == 1)


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def http_status(port: int, path: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


async def sign_in(conn: Connection, name: str, password: str = DEFAULT_PASSWORD) -> tuple[
        int, str]:
    """Post the log-in form (CSRF included); return the status and the form's token."""
    _, page = await conn.request("GET", "/login")
    token = TOKEN_RE.search(page.decode()).group(1)
    form = urllib.parse.urlencode({"username": name, "password": password, "csrf_token": token})
    status, _ = await conn.request("POST", "/login", form.encode(),
                                   content_type="application/x-www-form-urlencoded")
    return status, token


def articles(count: int, first: int) -> bytes:
    """A JSONL upload of ``count`` original front-line reports, SENTENCES_PER_ARTICLE each."""
    lines = []
    for a in range(first, first + count):
        body = " ".join(
            f"On day {j + 1} {UNITS[(a + j) % len(UNITS)]} shelled positions near "
            f"{PLACES[(a * 7 + j) % len(PLACES)]}, report {a}-{j} said."
            for j in range(SENTENCES_PER_ARTICLE))
        lines.append(json.dumps({"title": f"Front-line report {a}", "text": body}))
    return "\n".join(lines).encode()


async def upload(conn: Connection, project: int, name: str, data: bytes) -> int:
    """Upload an article file on the documents page (an import job); return the job's id."""
    path = f"/projects/{project}/documents"
    _, page = await conn.request("GET", path)
    token = TOKEN_RE.search(page.decode()).group(1)
    boundary = f"----annotator{random.randrange(10 ** 12)}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/jsonl\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    status, answer = await conn.request(
        "POST", path, body, content_type=f"multipart/form-data; boundary={boundary}")
    assert status == 302, answer[:300]
    _, page = await conn.request("GET", path)
    return int(re.search(r'data-job-id="(\d+)"', page.decode()).group(1))


async def follow(conn: Connection, job_id: int, until, timeout: float = 90) -> list[dict]:
    """Read ``GET /api/jobs/<id>`` every 50 ms until ``until(answer)``; every answer read."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = await conn.request("GET", f"/api/jobs/{job_id}")
        assert status == 200, body
        seen.append(json.loads(body))
        if until(seen[-1]):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id}: still {seen[-1]['state']} after {timeout:.0f} s")


def imported(url: str, project: int) -> dict[str, int]:
    """What the project holds: published documents, hidden (staged) ones, sentences, and
    documents whose title appears more than once."""
    engine = create_engine(url)
    with engine.connect() as conn:
        def one(sql: str) -> int:
            return int(conn.execute(text(sql), {"p": project}).scalar() or 0)

        found = {
            "documents": one("SELECT COUNT(*) FROM document WHERE project_id = :p "
                             "AND import_id IS NULL"),
            "hidden": one("SELECT COUNT(*) FROM document WHERE project_id = :p "
                          "AND import_id IS NOT NULL"),
            "sentences": one("SELECT COUNT(*) FROM sentence WHERE project_id = :p"),
            "twice": one("SELECT COUNT(*) FROM (SELECT title FROM document WHERE project_id = "
                         ":p GROUP BY title HAVING COUNT(*) > 1) t"),
        }
    engine.dispose()
    return found


def run_async(coroutine):
    """``asyncio.run`` in a thread of its own: a session's Playwright (the browser tests) keeps
    an event loop running in the main thread, where ``asyncio.run`` refuses to start."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
