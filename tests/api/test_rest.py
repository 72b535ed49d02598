"""The REST endpoints for scripts: access per role, pagination, the sentence filters, article
upload, batches, agreement and exports; bad input answers a JSON 4xx and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from annotator.corpus.models import Sentence
from annotator.export.formats import FORMATS
from annotator.export.services import MEDIA_TYPES
from annotator.extensions import db
from tests.api.auth import ApiAuth, api_auth, client_as, table_counts
from tests.factories import make_user, prepare_batch
from tests.snapshots import SavedDatabase, saved_database

USERS = {"admin": "admin1", "curator": "curator1", "annotator": "ann0", "other": "ann1",
         "outsider": "outsider", "anonymous": None}


@dataclass
class Scene:
    database: SavedDatabase
    ids: dict[str, Any]
    auth: dict[str, ApiAuth]
    cookies: dict[str, ApiAuth]  # the same users through a log-in session (the pages' way)

    @property
    def app(self) -> Flask:
        return self.database.app

    def call(self, role: str, method: str, url: str, body: Any = None, *,
             csrf: bool = True):
        """One request as ``role`` with its token; ``body`` sent as JSON. ``csrf=False``: as
        the role's log-in session instead, without the CSRF header."""
        auth = self.auth[role] if csrf else self.cookies[role]
        headers = dict(auth.headers) if csrf else {}
        client = client_as(self.app, auth)
        # buffered: a streamed body is read inside the request's context, as a server does
        kwargs: dict[str, Any] = {"headers": headers, "buffered": True}
        if body is not None:
            kwargs["json"] = body
        return client.open(url, method=method, **kwargs)

    def refused(self, role: str, method: str, url: str, body: Any = None, *,
                status: int, csrf: bool = True) -> dict[str, Any]:
        """A call that must be refused with ``status`` and the error body, storing nothing."""
        before = table_counts(self.app)
        response = self.call(role, method, url, body, csrf=csrf)
        assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        assert table_counts(self.app) == before
        return error


@pytest.fixture(scope="module")
def scene(request, tmp_path_factory) -> Iterator[Scene]:
    """A project of 3 articles (12 sentences) in a live batch of ann0 and ann1 (overlap 2), a
    curator, an outsider; both finished one sentence with the same ACTOR span, now gold."""
    with saved_database(request, tmp_path_factory) as database:
        with database.app.app_context():
            data = prepare_batch(db.session, k=2, annotators=2, articles=3)
            make_user(db.session, "curator1", "curator")
            ann0 = data["annotators"][0]
            first = db.session.scalar(
                select(Assignment.sentence_id).where(Assignment.annotator_id == ann0.id)
                .order_by(Assignment.position))
            text = db.session.get(Sentence, first).text
            start = text.index("rebels")
            for annotator in data["annotators"]:  # both agree: the span becomes gold
                save_annotation(db.session, annotator, first, AnnotationIn(
                    [{"start": start, "end": start + 6, "label": "ACTOR"}], "done", 0, 3.0),
                    max_spent=60)
            auto_adjudicate(db.session, data["project"].id, min_agree=2, actor=data["admin"])
            db.session.commit()
            ids = {"project": data["project"].id, "batch": data["batch"].id, "done": first}
            db.session.remove()
        auth = {role: api_auth(database.app, name) for role, name in USERS.items()}
        cookies = {role: api_auth(database.app, name, via="cookie")
                   for role, name in USERS.items()}
        database.save()
        yield Scene(database, ids, auth, cookies)


@pytest.fixture
def world(scene: Scene) -> Scene:
    scene.database.restore()
    return scene


def test_projects_lists_the_callers_projects_with_their_role(scene: Scene) -> None:
    listed = {role: scene.call(role, "GET", "/api/projects").get_json()
              for role in ("admin", "curator", "annotator", "outsider")}
    assert [(p["id"], p["role"]) for p in listed["admin"]["projects"]] == [
        (scene.ids["project"], "admin")]
    assert listed["curator"]["projects"][0]["role"] == "curator"
    assert listed["annotator"]["projects"][0]["role"] == "annotator"
    assert listed["outsider"] == {"projects": []}
    response = scene.call("anonymous", "GET", "/api/projects")
    assert response.status_code == 401 and response.get_json()["error"]["code"]


def test_sentences_come_a_page_at_a_time_with_links(scene: Scene) -> None:
    base = f"/api/projects/{scene.ids['project']}/sentences"
    first = scene.call("admin", "GET", f"{base}?per_page=5").get_json()
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 5, 12, 3)
    assert len(first["items"]) == 5 and first["links"]["prev"] is None
    second = scene.call("admin", "GET", first["links"]["next"]).get_json()
    assert second["page"] == 2
    assert not {s["id"] for s in first["items"]} & {s["id"] for s in second["items"]}
    last = scene.call("admin", "GET", f"{base}?per_page=5&page=99").get_json()
    assert last["page"] == 3 and len(last["items"]) == 2 and last["links"]["next"] is None
    everything = scene.call("admin", "GET", f"{base}?per_page=500").get_json()["items"]
    assert [s["id"] for s in everything] == [
        s["id"] for page in (first, second, last) for s in page["items"]]
    for bad in ("per_page=0", "per_page=501", "page=abc", "page=%C2%B2", "per_page=1e3"):
        scene.refused("admin", "GET", f"{base}?{bad}", status=400)


def test_sentences_take_the_sentence_search_filters_with_the_pages_rights(scene: Scene) -> None:
    base = f"/api/projects/{scene.ids['project']}/sentences"
    done = scene.ids["done"]
    mine = scene.call("annotator", "GET", f"{base}?status=done").get_json()
    assert [(s["id"], s["status"], s["spans"]) for s in mine["items"]] == [(done, "done", 1)]
    assert "annotators" not in mine["items"][0] and "gold" not in mine["items"][0]
    # Each annotator's filters read their own work: ann1 has nothing in progress.
    assert scene.call("other", "GET", f"{base}?status=in_progress").get_json()["total"] == 0
    assert scene.call("other", "GET", f"{base}?status=new").get_json()["total"] == 11
    labelled = scene.call("curator", "GET", f"{base}?label=ACTOR").get_json()["items"]
    assert [s["id"] for s in labelled] == [done]
    assert labelled[0]["counts"] == {"done": 2} and "annotators" not in labelled[0]
    assert labelled[0]["gold"] == "complete"
    assert scene.call("curator", "GET", f"{base}?gold=none").get_json()["total"] == 11
    admin = scene.call("admin", "GET", f"{base}?label=ACTOR&q=REBELS").get_json()["items"]
    assert admin[0]["annotators"] == [{"name": "ann0", "status": "done", "flagged": False},
                                      {"name": "ann1", "status": "done", "flagged": False}]
    text = scene.call("admin", "GET", f"{base}?q=Report%200-1:").get_json()
    assert [s["text"][:12] for s in text["items"]] == ["Report 0-1: "]
    # A filter value that is not one is refused, named, rather than widening the list.
    error = scene.refused("annotator", "GET", f"{base}?status=finished", status=400)
    assert "finished" in error["message"]
    scene.refused("curator", "GET", f"{base}?label=WEAPON", status=400)
    scene.refused("outsider", "GET", base, status=404)
    scene.refused("anonymous", "GET", base, status=401)


def test_documents_are_listed_for_admins_only(scene: Scene) -> None:
    url = f"/api/projects/{scene.ids['project']}/documents?per_page=2"
    page = scene.call("admin", "GET", url).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    assert page["items"][0]["title"] == "Article 0" and page["items"][0]["sentences"] == 4
    for role, status in (("curator", 403), ("annotator", 403), ("outsider", 404),
                         ("anonymous", 401)):
        scene.refused(role, "GET", url, status=status)


ARTICLES = [
    {"title": "Shelling reported near Tel Rifaat", "url": "https://news.example/tel-rifaat",
     "published": "2024-03-02",
     "text": "Artillery fire hit the outskirts of Tel Rifaat overnight. Local medics said two "
             "people were wounded. The 4th Division did not comment."},
    {"title": "Convoy ambushed on the Deir road",
     "text": "Gunmen ambushed a supply convoy on the Deir road on Sunday, witnesses said."},
]


def test_articles_upload_as_json_all_or_nothing(world: Scene) -> None:
    url = f"/api/projects/{world.ids['project']}/documents"
    response = world.call("admin", "POST", url, {"articles": ARTICLES})
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()  # (the tests' queue runs a job at once: it is done already)
    assert response.headers["Location"] == f"/api/jobs/{job['id']}"
    assert (job["kind"], job["state"]) == ("import-articles", "done")
    assert world.call("admin", "GET", f"/api/jobs/{job['id']}").get_json() == job
    summary = job["result"]
    assert (summary["documents_added"], summary["sentences_added"]) == (2, 4)
    listed = world.call("admin", "GET", url).get_json()
    assert listed["total"] == 5
    assert listed["items"][-2]["published"] == "2024-03-02"
    again = world.call("admin", "POST", url, {"articles": ARTICLES[:1]}).get_json()["result"]
    assert again["documents_added"] == 0 and again["skipped"] == ["api-upload.jsonl: line 1"]
    bad = [ARTICLES[1] | {"title": "Another"}, {"title": "No text"}]
    error = world.refused("admin", "POST", url, {"articles": bad}, status=422)
    assert error["message"].startswith("articles[1]: missing field(s) text")
    for body in ({"articles": []}, {"articles": "text"}, {"articles": ARTICLES, "x": 1}, [1],
                 {"articles": [ARTICLES[1] | {"published": "yesterday"}]}):
        world.refused("admin", "POST", url, body, status=422)
    world.refused("admin", "POST", url, {"articles": ARTICLES}, status=400, csrf=False)
    world.refused("curator", "POST", url, {"articles": ARTICLES}, status=403)
    world.refused("anonymous", "POST", url, {"articles": ARTICLES}, status=401)


def test_batches_are_created_and_inspected_with_the_forms_rules(world: Scene) -> None:
    project = world.ids["project"]
    url = f"/api/projects/{project}/batches"
    world.call("admin", "POST", f"/api/projects/{project}/documents", {"articles": ARTICLES})
    body = {"name": "Week 2", "source": "sample", "sample": 3, "annotators": ["ann0", "ann1"],
            "overlap": 2, "seed": 4}
    response = world.call("admin", "POST", url, body)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert (created["name"], created["sentences"], created["per_annotator"]) == (
        "Week 2", 3, {"ann0": 3, "ann1": 3})
    batches = world.call("admin", "GET", url).get_json()["batches"]
    assert [b["name"] for b in batches] == ["Week 2", "Batch 1"]
    shown = world.call("admin", "GET", f"/api/batches/{created['id']}").get_json()
    assert [(p["annotator"], p["assigned"], p["remaining"]) for p in shown["progress"]] == [
        ("ann0", 3, 3), ("ann1", 3, 3)]
    own = world.call("annotator", "GET", f"/api/batches/{world.ids['batch']}").get_json()
    assert [(p["annotator"], p["done"]) for p in own["progress"]] == [("ann0", 1)]  # only own
    world.refused("curator", "GET", f"/api/batches/{created['id']}", status=403)
    # Every problem of the body at once, as the form lists them.
    error = world.refused("admin", "POST", url, {"annotators": ["ann0"], "overlap": 2,
                                                  "source": "sample"}, status=422)
    assert "overlap 2 needs at least 2 annotators" in error["message"]
    assert "sample size" in error["message"]
    for bad in ({"annotators": ["ann0", "nobody"]}, {"annotators": []}, {"annotators": "ann0"},
                {"annotators": ["ann0"], "colour": "red"},
                {"annotators": ["ann0"], "source": "documents", "documents": [99999]},
                {"annotators": ["ann0"], "overlap": True}):
        world.refused("admin", "POST", url, bad, status=422)
    world.refused("annotator", "POST", url, body, status=403)
    world.refused("outsider", "POST", url, body, status=404)


def test_agreement_report_is_the_pages(scene: Scene) -> None:
    project = scene.ids["project"]
    got = scene.call("admin", "GET", f"/api/projects/{project}/agreement").get_json()
    client = client_as(scene.app, scene.cookies["admin"])
    page = json.loads(client.get(f"/projects/{project}/agreement.json").get_data())
    assert got == page and got["annotators"] == ["ann0", "ann1"]
    batch = scene.call("admin", "GET",
                       f"/api/projects/{project}/agreement?batch={scene.ids['batch']}")
    assert batch.status_code == 200
    scene.refused("admin", "GET", f"/api/projects/{project}/agreement?batch=99999", status=404)
    scene.refused("admin", "GET", f"/api/projects/{project}/agreement?batch=x", status=400)
    scene.refused("curator", "GET", f"/api/projects/{project}/agreement", status=403)


def test_export_streams_every_format_as_a_download(scene: Scene) -> None:
    project = scene.ids["project"]
    client = client_as(scene.app, scene.cookies["curator"])
    for fmt in FORMATS:
        response = scene.call("curator", "GET", f"/api/projects/{project}/export?format={fmt}")
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:200])
        assert response.headers["Content-Type"] == MEDIA_TYPES[fmt]
        assert response.headers["Content-Disposition"].startswith('attachment; filename="')
        if fmt != "gold-json":  # (gold-json holds the moment it was written)
            page = client.get(f"/projects/{project}/export/download?format={fmt}", buffered=True)
            assert response.get_data() == page.get_data(), fmt
    streamed = client.get(f"/api/projects/{project}/export?format=conll")
    assert streamed.is_streamed  # written as it is read, not built whole first
    body = client._private_context.run(streamed.get_data)  # read before the next request
    page = client.get(f"/projects/{project}/export/download?format=conll", buffered=True)
    assert body == page.get_data() and b"rebels B-ACTOR" in body
    split = scene.call("admin", "GET", f"/api/projects/{project}/export?format=jsonl"
                                       "&split=80/10/10&seed=3&part=train")
    assert split.status_code == 200 and "train" in split.headers["Content-Disposition"]
    for bad in ("format=xml", "split=80/30", "seed=4", "format=jsonl&include_annotations=maybe"):
        scene.refused("curator", "GET", f"/api/projects/{project}/export?{bad}", status=422)
    scene.refused("annotator", "GET", f"/api/projects/{project}/export", status=403)
