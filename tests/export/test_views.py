"""The export page and the streamed downloads, as a curator or admin would use them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import login
from tests.export.gold_data import golden_project


@pytest.fixture
def golden(app, db):
    return golden_project(db.session)


class Downloader:
    """A logged-in client that reads each response body inside its own request context.

    The test client runs every request in a private context (tests/conftest.py); a streamed
    body must be read there too, which ``buffered=True`` does, as a WSGI server would.
    """

    def __init__(self, app, username: str):
        self.client = app.test_client()
        assert login(self.client, username).status_code == 302

    def get(self, url: str):
        return self.client.get(url, buffered=True)


def client_for(app, username: str) -> Downloader:
    return Downloader(app, username)


def test_download_streams_an_attachment(app, golden) -> None:
    pid = golden["project"].id
    response = client_for(app, "cur").get(
        f"/projects/{pid}/export/download?format=gold-json&split=50/50&seed=1"
        "&include_annotations=1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="golden-gold.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["options"] == {"split": "50/50", "seed": 1, "part": None,
                               "include_annotations": True, "complete_only": False}
    assert data["counts"]["sentences"] == 6 and data["agreement"]["annotators"] == 3
    assert {d["split"] for d in data["documents"]} == {"train", "test"}


def test_the_download_is_streamed_not_built_in_memory(app, golden) -> None:
    downloader = client_for(app, "cur")
    response = downloader.client.get(
        f"/projects/{golden['project'].id}/export/download?format=jsonl")
    assert response.is_streamed  # a generator: chunks are written as they are read
    body = downloader.client._private_context.run(response.get_data, True)
    assert len(body.splitlines()) == 6


@pytest.mark.parametrize(
    ("query", "content_type", "filename", "start"),
    [("format=jsonl", "application/x-ndjson; charset=utf-8", "golden-gold.jsonl", '{"text":'),
     ("format=conll&complete_only=1", "text/plain; charset=utf-8", "golden-gold.conll",
      "-DOCSTART- -X- O O\n\nGovernment B-ACTOR\n"),
     ("format=jsonl&split=80/10/10&seed=2&part=train", "application/x-ndjson; charset=utf-8",
      "golden-gold-train.jsonl", '{"text":')],
)
def test_each_format_downloads(app, golden, query, content_type, filename, start) -> None:
    response = client_for(app, "admin1").get(
        f"/projects/{golden['project'].id}/export/download?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.get_data(as_text=True).startswith(start)


def test_the_curators_span_is_in_the_download(app, golden) -> None:
    response = client_for(app, "cur").get(
        f"/projects/{golden['project'].id}/export/download?format=gold-json")
    spans = [s for d in json.loads(response.get_data(as_text=True))["documents"]
             for x in d["sentences"] for s in x["spans"]]
    curated = [s for s in spans if s["source"] == "curator"]
    assert [(s["text"], s["curator"]) for s in curated] == [
        ("Kafr Tala", "cur"), ("Mogadishu's Lido Beach", "cur")]


@pytest.mark.parametrize(
    ("query", "message"),
    [("format=xml", "format must be one of gold-json, jsonl, conll"),
     ("", "format must be one of"),
     ("format=jsonl&split=80/10", "must add up to 100"),
     ("format=jsonl&split=80/10/10&seed=abc", "seed must be a whole number"),
     ("format=jsonl&part=dev", "part needs split"),
     ("format=jsonl&include_annotations=maybe", "include_annotations must be 1 or 0")],
)
def test_bad_parameters_get_an_html_error_page(app, golden, query, message) -> None:
    response = client_for(app, "cur").get(
        f"/projects/{golden['project'].id}/export/download?{query}")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert "Content-Disposition" not in response.headers


def test_card_downloads_as_markdown(app, golden) -> None:
    response = client_for(app, "cur").get(
        f"/projects/{golden['project'].id}/export/card?split=50/50&seed=1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="golden-card.md"'
    card = response.get_data(as_text=True)
    assert card.startswith("# Dataset card: Golden") and "| train | 1 | 2 | 5 |" in card
    assert "| LOCATION | 0.449 |" in card  # agreement with its interval
    bad = client_for(app, "cur").get(f"/projects/{golden['project'].id}/export/card?split=1/2")
    assert bad.status_code == 422


def test_export_page_shows_the_gold_and_the_options(app, golden) -> None:
    page = client_for(app, "cur").get(f"/projects/{golden['project'].id}/export")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "6 sentences have gold (5 complete, 1 partial)" in html
    assert "with 11 gold spans in 2 documents" in html
    for name in ('name="format"', 'name="split"', 'name="seed"', 'name="part"',
                 'name="complete_only"', 'name="include_annotations"'):
        assert name in html
    assert f'formaction="/projects/{golden["project"].id}/export/card"' in html


def test_annotators_cannot_export(app, golden) -> None:
    pid = golden["project"].id
    client = client_for(app, "ann_a")
    for url in (f"/projects/{pid}/export", f"/projects/{pid}/export/download?format=jsonl",
                f"/projects/{pid}/export/card"):
        assert client.get(url).status_code == 403


def test_project_page_links_to_export_for_curators_only(app, golden) -> None:
    pid = golden["project"].id
    link = f'href="/projects/{pid}/export"'
    for user, shown in (("cur", True), ("admin1", True), ("ann_a", False)):
        page = client_for(app, user).get(f"/projects/{pid}")
        assert page.status_code == 200
        assert (link in page.get_data(as_text=True)) is shown, user
