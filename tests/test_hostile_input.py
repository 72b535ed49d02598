"""No 500 on any input: hostile bodies, query strings, forms, uploads and command lines get a
4xx (JSON under /api, a page elsewhere) or a one-line CLI error, and nothing is stored."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from annotator.adjudication.models import GoldSentence
from annotator.corpus.models import Document, Sentence
from annotator.projects.models import Project
from tests.conftest import csrf_from
from tests.hostile import World, shared_world

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "99999999999999999999"
TOO_LONG = "1" + "0" * 5000


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    """One database for the module: every refused request below must leave it unchanged."""
    yield from shared_world(request, tmp_path_factory)


ROLE = {"ann0": "annotator", "curator1": "curator", "admin1": "admin"}


def client_of(world: World, username: str):
    return world.client(ROLE[username])


def error_of(response) -> str:
    """The API's error message, after checking its shape."""
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message"}, body
    return body["error"]["message"]


# ---- JSON bodies -------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "user"), [
    ("PUT", "/api/sentences/{sentence}/annotation", "ann0"),
    ("PUT", "/api/sentences/{sentence}/gold", "curator1"),
    ("POST", "/api/sentences/{sentence}/decisions", "curator1"),
])
def test_json_nested_100000_deep_is_422_on_every_json_endpoint(world, method, path,
                                                               user) -> None:
    client, headers = client_of(world, user)
    before = world.fingerprint()
    response = client.open(path.format(**world.ids), method=method, data=DEEP, headers=headers)
    assert response.status_code == 422 and "nested too deeply" in error_of(response)
    assert world.fingerprint() == before


@pytest.mark.parametrize(("body", "reason"), [
    ('{"spans": [], "version": 0, "flagged": true, "flag_comment": "\\ud800"}',
     "lone surrogate"),
    ('{"spans": [], "version": 0, "flagged": true, "flag_comment": "shelling\\u0000"}', "NUL"),
    ('{"spans": [{"start": 0, "end": 4, "label": "ACTOR", "attributes": {"\\ud800": "x"}}], '
     '"version": 0}', "lone surrogate"),
    ('{"spans": [], "version": 0, "time_spent": ' + TOO_LONG + "}", "beyond 64 bits"),
    ('{"spans": [], "version": ' + HUGE + "}", "beyond 64 bits"),
])
def test_unstorable_text_and_numbers_in_a_save_are_422(world, body, reason) -> None:
    """NUL is refused on SQLite too, which could store it: both databases behave alike."""
    client, headers = client_of(world, "ann0")
    before = world.fingerprint()
    response = client.put(f"/api/sentences/{world.ids['sentence']}/annotation",
                          data=body, headers=headers)
    assert response.status_code == 422 and reason in error_of(response)
    assert world.fingerprint() == before


def test_nul_in_a_gold_note_is_422(world) -> None:
    client, headers = client_of(world, "curator1")
    before = world.fingerprint()
    response = client.put(f"/api/sentences/{world.ids['sentence']}/gold",
                          json={"spans": [], "version": 0, "note": "checked\u0000"},
                          headers=headers)
    assert response.status_code == 422 and "NUL" in error_of(response)
    assert world.fingerprint() == before


# ---- query strings and paths -------------------------------------------------------------

@pytest.mark.parametrize(("path", "status"), [
    ("/projects/{project}/agreement?batch=%C2%B2", 400),
    ("/projects/{project}/agreement.csv?batch=" + HUGE, 400),
    ("/projects/{project}/untyped-spans?batch=" + HUGE, 400),
    ("/projects/{project}/untyped-spans?batch=3000000000", 400),  # past PostgreSQL's int4
    ("/projects/{project}/untyped-spans?batch=%C2%B2", 400),
    ("/projects/{project}/untyped-spans?batch=1e20", 400),
    ("/projects/{project}/feedback?user=" + HUGE, 400),
    ("/projects/{project}/feedback?user=3000000000", 400),
    ("/sentences/{sentence}/gold?conflict=%C2%B2-5", 200),  # a bad highlight is ignored
    ("/projects/%D9%A1/documents", 404),  # Arabic-Indic one is not project 1
])
def test_hostile_query_strings_on_pages_are_4xx_pages(world, path, status) -> None:
    client, _ = client_of(world, "admin1")
    response = client.get(path.format(**world.ids))
    assert response.status_code == status
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("batch", ["%C2%B2", HUGE, "3000000000", "1e20", "-1"])
def test_hostile_batch_in_the_queue_api_is_a_json_4xx(world, batch) -> None:
    client, _ = client_of(world, "ann0")
    response = client.get(f"/api/queue/next?batch={batch}")
    assert response.status_code == 422 and "batch id" in error_of(response)


@pytest.mark.parametrize("path", ["/projects/{project}/untyped-spans?annotator=ann0%00",
                                  "/projects/{project}/adjudication?label=A%00"])
def test_nul_in_a_query_string_is_400(world, path) -> None:
    client, _ = client_of(world, "admin1")
    response = client.get(path.format(**world.ids))
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


# ---- forms -------------------------------------------------------------------------------

def form_post(client, page: str, url: str, fields: dict):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


@pytest.mark.parametrize("batch_id", [HUGE, "3000000000", "1e20", "%C2%B2"])
def test_hostile_batch_id_in_automatic_adjudication_runs_nothing(world,
                                                                 batch_id) -> None:
    """``1e20`` used to be read as "no batch" and ran the pass over the whole project."""
    client, _ = client_of(world, "admin1")
    before = world.fingerprint()
    page = f"/projects/{world.ids['project']}/adjudication"
    response = form_post(client, page, page + "/auto", {"min_agree": "1", "batch_id": batch_id})
    assert response.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert "Automatic adjudication not run" in shown and "whole number" in shown
    assert world.fingerprint() == before


@pytest.mark.parametrize("fields", [
    {"source": "documents", "documents": HUGE},
    {"source": "documents", "documents": "1e20"},
    {"source": "documents", "documents": "3000000000"},
    {"source": "remaining", "seed": "3000000000"},
    {"source": "sample", "sample": HUGE},
    {"source": "remaining", "overlap": "\u0661"},
    {"source": "remaining", "name": "Week 3\u0000"},
])
def test_hostile_batch_form_is_refused_and_stores_nothing(world, fields) -> None:
    client, _ = client_of(world, "admin1")
    before = world.fingerprint()
    page = f"/projects/{world.ids['project']}/batches"
    response = form_post(client, page, page, {"annotators": "ann1", "overlap": "1", **fields})
    assert response.status_code in (400, 422)
    assert world.fingerprint() == before


def test_hostile_gold_version_in_a_form_changes_nothing(world) -> None:
    client, _ = client_of(world, "curator1")
    before = world.fingerprint()
    page = f"/sentences/{world.ids['sentence']}/gold"
    response = form_post(client, page, page + "/close", {"version": HUGE})
    assert response.status_code == 302
    assert world.fingerprint() == before


def test_nul_in_the_login_form_is_400(world) -> None:
    client = world.app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": "admin1\u0000",
                                           "password": "x" * 12})
    assert response.status_code == 400


# ---- uploads -----------------------------------------------------------------------------

def upload(world: World, name: str, data: bytes):
    client, _ = client_of(world, "admin1")
    page = f"/projects/{world.ids['project']}/documents"
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(page, data={"csrf_token": token, "files": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("line", "reason"), [
    ('{"title": "Raid\\ud800", "text": "Troops raided the camp."}', "lone surrogate"),
    ('{"title": "Raid", "text": "Troops raided the camp.\\u0000"}', "NUL"),
    ('{"title": "Raid", "text": "Troops raided the camp.", "n": ' + TOO_LONG + "}",
     "beyond 64 bits"),
    ('{"title": "Raid", "text": "Troops raided the camp.", "published": "20240101"}',
     "must be a date"),
    ('{"title": "Raid", "text": "Troops raided the camp.", "published": 20240101}',
     "must be a date"),
    ('{"title": "Raid", "text": "Troops raided the camp.", '
     '"published": "2024-01-01T99:99garbage"}', "must be a date"),
])
def test_hostile_article_upload_is_422_and_stores_nothing(world, line, reason) -> None:
    before = world.fingerprint()
    response = upload(world, "raid.jsonl", line.encode())
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert world.fingerprint() == before


def test_a_raw_line_separator_inside_a_json_string_is_accepted(world) -> None:
    """U+2028 is valid raw in a JSON string: the line is one article, not two broken halves."""
    text = "Shelling hit the market.\u2028Two people died. Rescuers searched the rubble."
    line = json.dumps({"title": "Market\u2028shelled", "text": text,
                       "published": "2024-05-02T08:15:00Z"}, ensure_ascii=False)
    response = upload(world, "market.jsonl", (line + "\n").encode())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with world.session() as session:
        document = session.scalar(select(Document).where(Document.title == "Market\u2028shelled"))
        assert document.text == text and str(document.published) == "2024-05-02"


# ---- command line ------------------------------------------------------------------------

def run(world: World, *args: str):
    return world.app.test_cli_runner().invoke(args=list(args))


def assert_one_line_error(result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output


@pytest.mark.parametrize("schema", [
    '{"name": "s", "labels": [{"key": "EVENT", "attributes": 5}]}',
    '{"name": "s", "labels": [{"key": "EVENT", "attributes": [{"key": "t", "values": ["a"], '
    '"groups": 5}]}]}',
    '{"name": "s", "labels": [{"key": "ACTOR", "name": ["Actor"]}]}',
    '{"name": "s", "labels": [{"key": "ACTOR", "description": {"x": 1}}]}',
    '{"name": "s", "labels": [{"key": "EVENT", "attributes": [{"key": "t", "values": '
    '[{"value": "a", "name": ["A"]}]}]}]}',
    '{"name": "s", "labels": [{"key": "EVENT", "attributes": [{"key": "t", "values": '
    '[{"value": "a", "group": 7}]}]}]}',
    '{"name": "s", "version": ' + TOO_LONG + ', "labels": [{"key": "ACTOR"}]}',
    '{"name": "s", "labels": [{"key": "ACTOR"}], "extra": ' + DEEP + "}",
    '{"name": "s\\ud800", "labels": [{"key": "ACTOR"}]}',
    '{"name": "s", "labels": [{"key": "ACTOR", "name": "Act\\u0000or"}]}',
])
def test_create_project_with_a_hostile_schema_prints_one_line(world, tmp_path,
                                                              schema) -> None:
    path = tmp_path / "schema.json"
    path.write_text(schema)
    assert_one_line_error(run(world, "create-project", "Sahel", "--schema", str(path)))
    with world.session() as session:
        assert not session.scalar(select(func.count()).select_from(Project).where(
            Project.name == "Sahel"))


@pytest.mark.parametrize(("meta", "fragment"), [
    ('{"sentence_id": ' + HUGE + "}", "beyond 64 bits"),
    ('{"sentence_id": 3000000000}', "meta.sentence_id must be a sentence id"),
    ('{"sentence_id": ' + TOO_LONG + "}", "beyond 64 bits"),
    ('{"source": "\\ud800"}', "lone surrogate"),
    ('{"source": "wire\\u0000"}', "NUL"),
])
def test_import_annotations_with_hostile_lines_exits_1_without_traceback(
        world, tmp_path, meta, fragment) -> None:
    with world.session() as session:
        text = session.get(Sentence, world.ids["sentence"]).text
    line = '{"text": %s, "spans": [], "meta": %s}' % (json.dumps(text), meta)
    path = tmp_path / "spans.jsonl"
    path.write_text(line + "\n", "utf-8")
    before = world.fingerprint()
    result = run(world, "import-annotations", "--project", "Test project", "--as", "gold",
                 str(path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert fragment in result.output and "Traceback" not in result.output
    assert world.fingerprint() == before


def test_import_annotations_keeps_a_raw_line_separator_inside_a_string(world,
                                                                       tmp_path) -> None:
    with world.session() as session:
        text = session.get(Sentence, world.ids["sentence"]).text
    line = json.dumps({"text": text, "spans": [],
                       "meta": {"sentence_id": world.ids["sentence"], "note": "wire\u2028copy"}},
                      ensure_ascii=False)
    path = tmp_path / "spans.jsonl"
    path.write_text(line + "\n", "utf-8")
    result = run(world, "import-annotations", "--project", "Test project", "--as", "gold",
                 str(path))
    assert result.exit_code == 0, result.output
    with world.session() as session:
        assert session.get(GoldSentence, world.ids["sentence"]) is not None


@pytest.mark.parametrize("args", [
    ("--documents", HUGE), ("--documents", "3000000000"), ("--documents", "\u0661"),
])
def test_create_batch_with_hostile_ids_prints_one_line(world, args) -> None:
    before = world.fingerprint()
    result = run(world, "create-batch", "--project", "Test project", "--annotators", "ann1",
                 "--overlap", "1", *args)
    assert_one_line_error(result)
    assert world.fingerprint() == before


@pytest.mark.parametrize("args", [("--seed", "3000000000"), ("--overlap", HUGE)])
def test_create_batch_with_numbers_past_a_column_is_a_usage_error(world, args) -> None:
    before = world.fingerprint()
    result = run(world, "create-batch", "--project", "Test project", "--annotators", "ann1",
                 "--remaining", "--overlap", "1", *args)
    assert result.exit_code == 2 and "not in the range" in result.output, result.output
    assert world.fingerprint() == before
