"""The browser's project set-up: a new project three ways, the label schema page and its editor,
retired labels hidden from the annotation page."""

from __future__ import annotations

import copy
import io
import json

from sqlalchemy import func, select

from annotator.annotation.models import SpanRow
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.projects.models import Project
from tests.conftest import csrf_from, login
from tests.factories import prepare_project


def post_form(client, url: str, data: dict, **kw):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def project_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def test_admin_creates_projects_from_default_copy_and_upload(app, db, client) -> None:
    data = prepare_project(db.session)
    source = data["project"]
    source.label_schema = {**source.label_schema, "name": "Sahel events"}
    db.session.commit()
    login(client, "admin1")
    page = client.get("/projects/").get_data(as_text=True)
    assert 'href="/projects/new"' in page

    made = post_form(client, "/projects/new", {"name": "Default one", "source": "default"})
    assert made.status_code == 302 and "/schema" in made.headers["Location"]
    copied = post_form(client, "/projects/new",
                       {"name": "Copied", "source": "copy", "copy_from": str(source.id)})
    assert copied.status_code == 302
    upload = {"name": "mini", "labels": [{"key": "PER", "hotkey": "p", "color": "#114477"}]}
    uploaded = post_form(client, "/projects/new", {
        "name": "Uploaded", "source": "upload",
        "schema_file": (io.BytesIO(json.dumps(upload).encode()), "mini.json")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302
    schemas = dict(db.session.execute(select(Project.name, Project.label_schema)).all())
    assert schemas["Default one"]["name"] == "conflict events"
    assert schemas["Copied"]["name"] == "Sahel events"
    assert schemas["Uploaded"] == upload


def test_bad_uploads_create_nothing_and_say_why(app, db, client) -> None:
    prepare_project(db.session)
    login(client, "admin1")
    before = project_count(db)
    for content, message in [
        (b"{not json", "not JSON: Expecting property name enclosed in double quotes at line 1"),
        (json.dumps({"name": "x", "labels": []}).encode(), "&#39;labels&#39; must not be empty"),
        (json.dumps({"name": "x", "labels": [{"key": "per"}]}).encode(),
         "labels[0]: key &#39;per&#39; must be upper-case"),
    ]:
        answer = post_form(client, "/projects/new", {
            "name": "Bad", "source": "upload", "schema_file": (io.BytesIO(content), "s.json")},
            content_type="multipart/form-data")
        assert answer.status_code == 422
        assert message in answer.get_data(as_text=True)
    missing = post_form(client, "/projects/new", {"name": "Bad", "source": "upload"})
    assert missing.status_code == 422 and "choose a schema file" in missing.get_data(as_text=True)
    taken = post_form(client, "/projects/new", {"name": "Test project", "source": "default"})
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)
    assert project_count(db) == before


def test_schema_editor_checks_refuses_and_applies_a_mapped_rename(app, db, client) -> None:
    data = prepare_project(db.session)
    project = data["project"]
    spans = [{"start": 0, "end": 17, "label": "ACTOR"}]
    save_annotation(db.session, data["a"], 1, AnnotationIn(spans, "done", 0, 1.0), max_spent=60)
    db.session.commit()
    login(client, "admin1")
    url = f"/projects/{project.id}/schema/edit"
    doc = copy.deepcopy(project.label_schema)
    doc["labels"][0]["key"] = "AGENT"
    doc["labels"][2]["retired"] = True  # UNIT
    for role in doc["labels"][3]["roles"]:  # EVENT's roles name their targets by key
        role["targets"] = ["AGENT" if t == "ACTOR" else t for t in role["targets"]]
    text = json.dumps(doc)

    check = post_form(client, url, {"document": text, "check": "1"})
    html = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "Label removed: <code>ACTOR</code> (1 spans)" in html
    assert "Retired: <code>UNIT</code>" in html and "ACTOR (1 span)" in html
    refused = post_form(client, url, {"document": text, "apply": "1"})
    assert refused.status_code == 422 and "ACTOR (1 span)" in refused.get_data(as_text=True)
    broken = post_form(client, url, {"document": text[:-1], "apply": "1"})
    assert broken.status_code == 422 and "not JSON" in broken.get_data(as_text=True)
    db.session.expire_all()
    assert project.label_schema["labels"][0]["key"] == "ACTOR"

    saved = post_form(client, url, {"document": text, "mappings": "ACTOR=AGENT\n", "apply": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert project.label_schema["version"] == "1.1"
    assert db.session.scalars(select(SpanRow.label)).all() == ["AGENT"]
    shown = client.get(f"/projects/{project.id}/schema").get_data(as_text=True)
    assert "<code>UNIT</code> Unit: 0 spans" in shown

    # The retired label has no button on the annotation page; the others keep theirs.
    annotator = app.test_client()
    login(annotator, "ann_a")
    editor = annotator.get("/sentences/1").get_data(as_text=True)
    button = 'class="label-button" data-label="{}"'
    assert button.format("AGENT") in editor and button.format("UNIT") not in editor
