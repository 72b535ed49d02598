"""The project's annotation import page: a format choice, every format's files, gold recorded
as the admin's, refusals listed item by item with nothing stored, skipped items listed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from annotator.adjudication.models import GoldSpanRow
from annotator.auth.models import User
from tests.conftest import csrf_from, login
from tests.export import interop_data as data
from tests.export.interop_data import sizes


@pytest.fixture
def project(db):
    return data.interop_project(db.session)


def post(client, project_id: int, files: list[tuple[str, str]], **fields: str):
    url = f"/projects/{project_id}/import-annotations"
    token = csrf_from(client.get(url).get_data(as_text=True))
    body = {"csrf_token": token, "format": "brat", "mode": "gold", **fields,
            "files": [(io.BytesIO(content.encode()), name) for name, content in files]}
    return client.post(url, data=body, content_type="multipart/form-data")


def test_the_page_offers_every_format_and_links_its_help(app, db, project) -> None:
    admin = app.test_client()
    login(admin, "boss")
    page = admin.get(f"/projects/{project.id}/import-annotations").get_data(as_text=True)
    for value in ("ours", "doccano", "labelstudio", "brat", "conll"):
        assert f'<option value="{value}"' in page or f'<option selected value="{value}"' in page
    assert 'href="/help/import-formats"' in page
    documents = admin.get(f"/projects/{project.id}/documents").get_data(as_text=True)
    assert f'href="/projects/{project.id}/import-annotations"' in documents
    assert "Discontinuous spans" in admin.get("/help/import-formats").get_data(as_text=True)


def test_brat_files_become_gold_curated_by_the_admin(app, db, project) -> None:
    admin = app.test_client()
    login(admin, "boss")
    answer = post(admin, project.id, data.brat_files())
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert ("imported 3 documents (2 found in the project, 1 created) as gold: 6 sentences with "
            "16 spans and 10 relations.") in page
    boss = db.session.scalar(select(User.id).where(User.username == "boss"))
    assert set(db.session.scalars(select(GoldSpanRow.curator_id))) == {boss}


def test_a_refusal_lists_every_problem_and_stores_nothing(app, db, project) -> None:
    admin = app.test_client()
    login(admin, "boss")
    files = [(n, c.replace("UNIT", "FORMATION")) for n, c in data.brat_files()]
    before = sizes(db.session)
    answer = post(admin, project.id, files)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Nothing was imported: 3 problems" in page
    assert "<li>doc0.ann line 4 (T4): label &#39;FORMATION&#39; not in the schema" in page
    assert "Import refused, nothing stored" in page
    assert sizes(db.session) == before
    answer = post(admin, project.id, files, skip_invalid="y")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'id="import-skipped"' in page and "; skipped 3 items." in page
    assert "doc2.ann line 5 (T5): label &#39;FORMATION&#39;" in page


def test_pre_annotations_need_an_annotator(app, db, project) -> None:
    admin = app.test_client()
    login(admin, "boss")
    before = sizes(db.session)
    answer = post(admin, project.id, data.brat_files(), mode="pre")
    assert answer.status_code == 422
    assert "Name the annotator whose pre-annotations these are." in answer.get_data(as_text=True)
    answer = post(admin, project.id, [("rel.jsonl", data.doccano_entities_shape())],
                  mode="pre", annotator="dora", format="doccano")
    assert answer.status_code == 200
    assert "as pre-annotations for dora: 6 sentences with 16 spans and 10 relations" in \
        answer.get_data(as_text=True)
    assert sizes(db.session) != before
