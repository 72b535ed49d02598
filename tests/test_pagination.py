"""Every list page shows one page at a time: page-size rows, links to the next page, bad page
numbers answered with a page (never a 500), and the batch form takes typed document ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from annotator.assignments.models import Batch, BatchSentence
from annotator.audit.models import AuditEvent
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from tests.conftest import csrf_from, login
from tests.factories import make_articles, prepare_project

BAD_PAGES = ["0", "-3", "x", "%C2%B2", "1e3", "99999999999999999999", ""]


def rows(html: str, table: str) -> int:
    body = re.search(rf'<table class="{table}"[^>]*>.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, f"no {table} table"
    return len(re.findall(r"<tr[ >]", body.group(1)))


@pytest.fixture
def admin(app, db):
    data = prepare_project(db.session)  # one article of four sentences
    client = app.test_client()
    login(client, "admin1")
    return client, data["project"]


def test_documents_page_shows_a_page_of_documents_and_a_next_link(app, db, admin) -> None:
    client, project = admin
    make_articles(db.session, project, 130, sentences=1)  # 131 documents in all
    db.session.commit()
    url = f"/projects/{project.id}/documents"
    first = client.get(url).get_data(as_text=True)
    assert rows(first, "documents") == 100
    assert "131 documents; page 1 of 2" in first
    assert f'href="{url}?page=2">next' in first and "previous" not in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert rows(second, "documents") == 31
    assert f'href="{url}?page=1">&larr; previous' in second and "next &rarr;" not in second
    for bad in BAD_PAGES:
        answer = client.get(f"{url}?page={bad}")
        assert answer.status_code == 200, bad
        assert rows(answer.get_data(as_text=True), "documents") in (100, 31), bad


def test_one_document_shows_its_sentences_a_page_at_a_time(app, db, admin) -> None:
    client, project = admin
    make_articles(db.session, project, 1, sentences=230, start=500)
    db.session.commit()
    doc_id = db.session.scalar(select(func.max(Document.id)))
    url = f"/documents/{doc_id}"
    first = client.get(url).get_data(as_text=True)
    assert rows(first, "sentences") == 200 and "230 sentences; page 1 of 2" in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert rows(second, "sentences") == 30
    assert "Report 500-229" in second and "Report 500-229" not in first
    # excluding a sentence of page 2 comes back to page 2
    last = db.session.scalar(select(Sentence.id).where(Sentence.document_id == doc_id,
                                                       Sentence.index == 229))
    token = csrf_from(first)
    answer = client.post(f"/sentences/{last}/exclusion", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith(f"{url}?page=2#s{last}")


def test_users_page_is_paginated(app, db, admin) -> None:
    client, _ = admin
    hashed = db.session.scalar(select(User.password_hash))
    db.session.execute(insert(User.__table__), [
        {"username": f"reader{i:03d}", "username_key": f"reader{i:03d}", "password_hash": hashed,
         "role": "annotator", "active": True, "created_at": datetime.now(UTC)} for i in range(120)])
    db.session.commit()
    first = client.get("/admin/users").get_data(as_text=True)
    assert rows(first, "users") == 100 and "123 users; page 1 of 2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert rows(second, "users") == 23 and 'href="/admin/users?page=1"' in second


def test_history_is_paginated(app, db, admin) -> None:
    client, _ = admin
    sentence_id = db.session.scalar(select(Sentence.id))
    db.session.execute(insert(AuditEvent.__table__), [
        {"at": datetime.now(UTC), "sentence_id": sentence_id, "target": "annotation",
         "action": "update", "version": v, "before": None,
         "after": {"spans": [], "status": "in_progress"}} for v in range(1, 121)])
    db.session.commit()
    url = f"/sentences/{sentence_id}/history"
    first = client.get(url).get_data(as_text=True)
    versions = re.compile(r'<li class="version" data-event="(\d+)"')
    assert len(versions.findall(first)) == 50 and "120 changes, newest first" in first
    assert "page 1 of 3" in first and "Show 47 earlier versions" in first  # 3 shown, rest folded
    last = client.get(f"{url}?page=99").get_data(as_text=True)  # past the end: the last page
    assert len(versions.findall(last)) == 20 and "page 3 of 3" in last
    newest = [int(i) for i in versions.findall(first)]
    assert newest == sorted(newest, reverse=True)


def test_project_sentences_page_counts_and_clamps(app, db, admin) -> None:
    client, project = admin
    app.config["SENTENCES_PER_PAGE"] = 10
    make_articles(db.session, project, 5, sentences=5)  # 4 + 25 sentences
    db.session.commit()
    url = f"/projects/{project.id}"
    last = client.get(f"{url}?page=99").get_data(as_text=True)  # past the end: the last page
    assert "29 sentences · page 3 of 3" in last and rows(last, "sentences") == 9
    huge = client.get(f"{url}?page=99999999999999999999").get_data(as_text=True)
    assert "page 1 of 3" in huge
    assert client.get(f"{url}?page=2").get_data(as_text=True).count("Report") == 10


def test_batch_form_takes_typed_document_ids_and_ranges(app, db, admin) -> None:
    client, project = admin
    make_articles(db.session, project, 300, sentences=1)
    db.session.commit()
    url = f"/projects/{project.id}/batches"
    page = client.get(url).get_data(as_text=True)
    assert 'name="documents" type="checkbox"' not in page  # no giant picker
    assert "The project has 301 documents" in page
    ids = list(db.session.scalars(select(Document.id).order_by(Document.id)))
    token = csrf_from(page)
    typed = f"{ids[0]}, {ids[10]}-{ids[19]} {ids[250]}"
    answer = client.post(url, data={"csrf_token": token, "source": "documents",
                                    "documents": typed, "annotators": ["ann_a"],
                                    "overlap": "1"})
    assert answer.status_code == 302
    batch_id = db.session.scalar(select(Batch.id))
    chosen = set(db.session.scalars(
        select(Sentence.document_id).join(BatchSentence, BatchSentence.sentence_id == Sentence.id)
        .where(BatchSentence.batch_id == batch_id)))
    assert chosen == {ids[0], *ids[10:20], ids[250]}
    for bad, message in [("7 x", "is not a document id"), ("9-3", "not a range"),
                         ("1-200000", "at most 100,000 documents")]:
        refused = client.post(url, data={"csrf_token": token, "source": "documents",
                                         "documents": bad, "annotators": ["ann_a"],
                                         "overlap": "1"})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), bad
    assert db.session.scalar(select(func.count(Batch.id))) == 1
