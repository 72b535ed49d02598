"""A big import is written in short transactions: hidden until its last one, all or nothing,
and saves go through between its chunks; a database that stays locked answers 503."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text

from annotator import create_app
from annotator.assignments.services import select_sentences
from annotator.corpus.importing import plan_import
from annotator.corpus.models import Document, Sentence
from annotator.transactions import run_chunked
from tests.conftest import IsolatedClient, api_headers, csrf_from, login
from tests.factories import prepare_project

ARTICLES = 12
SENTENCES_EACH = 5


def articles_file(count: int = ARTICLES, start: int = 0) -> bytes:
    lines = []
    for i in range(start, start + count):
        body = " ".join(
            f"Militia fighters shelled the checkpoint at Deir {i}-{j} before dawn on Tuesday."
            for j in range(SENTENCES_EACH)
        )
        lines.append(json.dumps({"title": f"Shelling report {i}", "text": body}))
    return "\n".join(lines).encode()


class Watched:
    """An import whose every committed chunk is followed by ``observe()``."""

    def __init__(self, job, observe, fail_after: int | None = None) -> None:
        self.job, self.observe, self.fail_after = job, observe, fail_after
        self.chunks = 0

    def stage(self):
        for written in self.job.stage():
            yield written
            # run_chunked has committed the chunk when the generator resumes here
            self.chunks += 1
            self.observe()
            if self.fail_after is not None and self.chunks >= self.fail_after:
                raise RuntimeError("the import died half-way")

    def publish(self):
        return self.job.publish()

    def discard(self):
        return self.job.discard()


def counts(db) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Document)),
            db.session.scalar(select(func.count()).select_from(Sentence)))


def test_chunked_import_is_hidden_until_done_and_saves_pass_between_chunks(app, db) -> None:
    people = prepare_project(db.session)
    project_id = people["project"].id
    before = counts(db)
    admin, annotator = app.test_client(), app.test_client()
    login(admin, "admin1")
    login(annotator, "ann_a")
    headers = api_headers(annotator)
    sentence_id = db.session.scalar(select(Sentence.id).order_by(Sentence.id))
    save_url = f"/api/sentences/{sentence_id}/annotation"
    seen: list[tuple[int, int, int]] = []

    def observe() -> None:
        page = admin.get(f"/projects/{project_id}/documents").get_data(as_text=True)
        assert "Shelling report" not in page  # staged documents are listed nowhere
        with app.app_context():
            from annotator.extensions import db as other

            fresh = select_sentences(other.session, project_id, "remaining")
            other.session.rollback()
        saved = annotator.put(save_url, headers=headers, json={
            "spans": [{"start": 0, "end": 3, "label": "ACTOR"}], "version": len(seen)})
        seen.append((saved.status_code, len(fresh), counts(db)[1]))

    job = Watched(plan_import(db.session, project_id, [("big.jsonl", articles_file())],
                              chunk_rows=2 * SENTENCES_EACH), observe)
    result = run_chunked(db.session, job)
    assert job.chunks == ARTICLES // 2  # two articles (ten sentences) per transaction
    assert [code for code, _, _ in seen] == [200] * job.chunks  # a save after every chunk
    assert {n for _, n, _ in seen} == {before[1]}  # batches see none of the staged sentences
    assert [n for _, _, n in seen] == [before[1] + 10 * (i + 1) for i in range(job.chunks)]
    assert result.documents_added == ARTICLES
    assert counts(db) == (before[0] + ARTICLES, before[1] + ARTICLES * SENTENCES_EACH)
    page = admin.get(f"/projects/{project_id}/documents").get_data(as_text=True)
    assert "Shelling report 0" in page
    assert len(select_sentences(db.session, project_id, "remaining")) == counts(db)[1]


def test_an_import_that_fails_half_way_leaves_nothing(app, db) -> None:
    project_id = prepare_project(db.session)["project"].id
    before = counts(db)
    job = Watched(plan_import(db.session, project_id, [("big.jsonl", articles_file())],
                              chunk_rows=SENTENCES_EACH), lambda: None, fail_after=3)
    with pytest.raises(RuntimeError):
        run_chunked(db.session, job)
    assert counts(db) == before
    # the same file imports in full afterwards (no hidden duplicate left in the way)
    result = run_chunked(db.session, plan_import(db.session, project_id,
                                                 [("big.jsonl", articles_file())]))
    assert result.documents_added == ARTICLES and result.skipped == []


def test_upload_commits_in_chunks_and_shows_the_documents_at_the_end(app, db) -> None:
    project_id = prepare_project(db.session)["project"].id
    app.config["IMPORT_CHUNK_ROWS"] = 10
    commits = []
    event.listen(db.engine, "commit", lambda conn: commits.append(1))
    admin = app.test_client()
    login(admin, "admin1")
    token = csrf_from(admin.get(f"/projects/{project_id}/documents").get_data(as_text=True))
    commits.clear()
    answer = admin.post(f"/projects/{project_id}/documents", data={
        "csrf_token": token, "files": (io.BytesIO(articles_file()), "big.jsonl")},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    assert len(commits) >= ARTICLES * SENTENCES_EACH // 10 + 1  # chunks, then the publish
    assert counts(db)[0] == 1 + ARTICLES


@pytest.fixture
def impatient_app(database_url: str) -> Flask:
    """The app with a short wait for locks: 50 ms (SQLite busy timeout, PostgreSQL
    lock_timeout)."""
    options = ({"connect_args": {"options": "-c lock_timeout=50"}}
               if database_url.startswith("postgresql") else {})
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False, "SQLITE_BUSY_TIMEOUT_SECONDS": 0.05,
        "SQLALCHEMY_ENGINE_OPTIONS": options,
    })
    app.test_client_class = IsolatedClient
    from annotator.extensions import db

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_locked_database_answers_503_with_retry_after(impatient_app, database_url) -> None:
    from annotator.extensions import db

    with impatient_app.app_context():
        prepare_project(db.session)
        sentence_id = db.session.scalar(select(Sentence.id).order_by(Sentence.id))
    annotator, admin = impatient_app.test_client(), impatient_app.test_client()
    login(annotator, "ann_a")
    login(admin, "admin1")
    headers = api_headers(annotator)
    url = f"/api/sentences/{sentence_id}/annotation"
    first = annotator.put(url, headers=headers, json={"spans": [], "version": 0})
    assert first.status_code == 200
    form_token = csrf_from(admin.get("/projects/").get_data(as_text=True))
    holder = create_engine(database_url)
    with holder.connect() as conn:
        if holder.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the one write lock, held
        else:
            conn.execute(text("SELECT id FROM annotation FOR UPDATE"))
            conn.execute(text("SELECT id FROM sentence FOR UPDATE"))
        busy = annotator.put(url, headers=headers, json={
            "spans": [{"start": 0, "end": 3, "label": "ACTOR"}], "version": 1})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        assert busy.get_json()["error"]["code"] == "busy"
        page = admin.post(f"/sentences/{sentence_id}/exclusion",
                          data={"csrf_token": form_token})
        assert page.status_code == 503 and page.headers["Retry-After"] == "1"
        assert "busy" in page.get_data(as_text=True)
        conn.rollback()
    holder.dispose()
    retried = annotator.put(url, headers=headers, json={
        "spans": [{"start": 0, "end": 3, "label": "ACTOR"}], "version": 1})
    assert retried.status_code == 200 and retried.get_json()["version"] == 2
    with impatient_app.app_context():
        assert db.session.get(Sentence, sentence_id).excluded is False  # the 503 stored nothing


def test_import_on_a_locked_database_fails_in_one_line(impatient_app, database_url,
                                                        tmp_path) -> None:
    from annotator.extensions import db

    with impatient_app.app_context():
        prepare_project(db.session)
        before = counts(db)
    source = tmp_path / "big.jsonl"
    source.write_bytes(articles_file())
    holder = create_engine(database_url)
    with holder.connect() as conn:
        if holder.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # an import's inserts take no lock anyone holds: hold the project row instead
            conn.execute(text("LOCK TABLE document IN EXCLUSIVE MODE"))
        result = impatient_app.test_cli_runner().invoke(
            args=["import-articles", "--project", "Test project", str(source)])
        conn.rollback()
    holder.dispose()
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: the database is busy (another write held its lock too long); nothing stored, "
        "try again"]
    with impatient_app.app_context():
        assert counts(db) == before
