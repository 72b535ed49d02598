"""Hostile article files are refused with a clear message and store nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from annotator.corpus.importing import ImportRefused, import_articles
from annotator.corpus.models import Document, Sentence
from tests.conftest import csrf_from, login
from tests.factories import make_project, prepare_project


def stored(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Document)),
            db.session.scalar(select(func.count()).select_from(Sentence)))


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("x.txt", bytes(range(256)) * 40, "binary data"),
        ("x.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary data"),
        ("x.jsonl", b'{"title": "caf\xe9", "text": "x."}', "not valid UTF-8"),
        ("x.jsonl", json.dumps({"title": "Long", "text": "Shelling. " * 1_100_000}).encode(),
         "line longer than"),
        ("x.jsonl", b'{"title": "A", "text": "B.", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "nested too deeply"),
        ("x.jsonl", b'{"title": "A", "text": "B.", "n": ' + b'{"a":' * 50 + b"1" + b"}" * 50 + b"}",
         "nested too deeply"),
    ],
)
def test_hostile_files_are_refused(db, name, data, fragment) -> None:
    project = make_project(db.session)
    with pytest.raises(ImportRefused, match=fragment):
        import_articles(db.session, project.id, [(name, data)])
    db.session.rollback()
    assert stored(db) == (0, 0)


def test_upload_over_the_limit_is_413_and_stores_nothing(app, client, db) -> None:
    data = prepare_project(db.session)
    before = stored(db)
    login(client, "admin1")
    page = client.get(f"/projects/{data['project'].id}/documents")
    token = csrf_from(page.get_data(as_text=True))
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # the default is 50 MB
    big = io.BytesIO(b"Title\n\n" + b"Rebels advanced. " * 200_000)  # ~3.4 MB
    response = client.post(f"/projects/{data['project'].id}/documents",
                           data={"csrf_token": token, "files": (big, "big.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert stored(db) == before


def test_default_limits() -> None:
    from annotator.config import Defaults

    assert Defaults.MAX_CONTENT_LENGTH == 50 * 1024 * 1024
    assert Defaults.MAX_JSON_BYTES == 1024 * 1024


def test_cli_refuses_a_100_mb_file_without_reading_it(app, db, tmp_path) -> None:
    app.test_cli_runner().invoke(args=["create-project", "P"])
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    result = app.test_cli_runner().invoke(args=["import-articles", "--project", "P", str(huge)])
    assert result.exit_code == 1 and "over the" in result.output
    assert stored(db) == (0, 0)


def test_upload_of_a_refused_file_names_it_and_stores_nothing(client, db) -> None:
    data = prepare_project(db.session)
    before = stored(db)
    login(client, "admin1")
    page = client.get(f"/projects/{data['project'].id}/documents")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        f"/projects/{data['project'].id}/documents",
        data={"csrf_token": token,
              "files": [(io.BytesIO(b'{"title": "ok", "text": "Fine."}\n'), "good.jsonl"),
                        (io.BytesIO(b"\xff\xfe\x00bad"), "evil.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert b"evil.txt" in response.data and b"nothing stored" in response.data
    assert stored(db) == before
