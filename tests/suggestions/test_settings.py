"""The suggestion settings: `annotator import-gazetteer`, the settings page (upload, patterns,
case option, delete), the batch switch, and the dashboard's counts."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from annotator import caching
from annotator.assignments.models import Batch
from annotator.suggestions.models import (
    GazetteerEntry,
    GazetteerList,
    SuggestionPattern,
    SuggestionSetting,
)
from tests.conftest import api_headers, csrf_from, login
from tests.factories import make_articles, make_project, make_user
from tests.suggestions.scene import UNIT_PATTERN, prepare_suggestions


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(GazetteerList)),
            db.session.scalar(select(func.count()).select_from(GazetteerEntry)))


def test_import_gazetteer_command(app, db, tmp_path) -> None:
    make_project(db.session, "Sahel")
    db.session.commit()
    good = tmp_path / "armed-groups.csv"
    good.write_text("text,label,event_type\nJNIM,ACTOR\nMénaka,LOCATION\n"
                    "ambushed,EVENT,armed_clash\n", encoding="utf-8")
    result = run(app, "import-gazetteer", "--project", "Sahel", str(good))
    assert result.exit_code == 0, result.output
    assert result.output == "list 'armed-groups': 3 entries imported into project 'Sahel'\n"
    assert counts(db) == (1, 3)
    again = run(app, "import-gazetteer", "--project", "Sahel", str(good))
    assert again.exit_code == 1 and "named 'armed-groups' already" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Gao,LOCATION\nKidal,PLACE\nMopti\nambushed,EVENT,picnic\n"
                   "Timbuktu,LOCATION,armed_clash\n", encoding="utf-8")
    result = run(app, "import-gazetteer", "--project", "Sahel", "--name", "towns", str(bad))
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: nothing imported: line 2: label 'PLACE' is not")
    assert "line 3: 1 columns" in message and "line 4: event type 'picnic'" in message
    assert "line 5: LOCATION has no event type" in message
    assert counts(db) == (1, 3)  # nothing stored
    missing = run(app, "import-gazetteer", "--project", "Nowhere", str(good))
    assert missing.exit_code == 1 and "Nowhere" in missing.output


@pytest.fixture
def admin_client(client, db):
    make_user(db.session, "admin1", "admin")
    project = make_project(db.session, "Levant")
    db.session.commit()
    login(client, "admin1")
    return client, project.id


def token(client, project_id: int) -> str:
    return csrf_from(client.get(f"/projects/{project_id}/suggestions").get_data(as_text=True))


def test_settings_page_upload_lists_and_deletes(admin_client, db) -> None:
    client, pid = admin_client
    page = client.get(f"/projects/{pid}/suggestions")
    assert page.status_code == 200 and "No list uploaded" in page.get_data(as_text=True)
    csv = "Hayat Tahrir al-Sham,ACTOR\nMaarat al-Numan,LOCATION\n".encode()
    response = client.post(f"/projects/{pid}/suggestions/lists", data={
        "csrf_token": token(client, pid), "file": (io.BytesIO(csv), "groups.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported list &#39;groups&#39;: 2 entries." in html
    assert '<tr data-list="groups">' in html and '<td class="entries">2</td>' in html
    bad = client.post(f"/projects/{pid}/suggestions/lists", data={
        "csrf_token": token(client, pid), "name": "more",
        "file": (io.BytesIO(b"Idlib,LOCATION\nIdlib,TOWN\n"), "more.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 400
    assert "line 2: label &#39;TOWN&#39;" in bad.get_data(as_text=True)
    assert counts(db) == (1, 2)
    list_id = db.session.scalar(select(GazetteerList.id))
    client.post(f"/projects/{pid}/suggestions/lists/{list_id}/delete",
                data={"csrf_token": token(client, pid)})
    assert counts(db) == (0, 0)


def test_patterns_are_validated_on_save_and_editable(admin_client, db) -> None:
    client, pid = admin_client
    url = f"/projects/{pid}/suggestions/patterns"

    def save(path: str = url, **fields: str):
        form = {"name": "ordinal unit", "label": "UNIT", "event_type": "",
                "pattern": UNIT_PATTERN, **fields}
        return client.post(path, data={"csrf_token": token(client, pid), **form})

    for fields, message in [
        ({"pattern": "[{\"LOWER\": "}, "not valid JSON"),
        ({"pattern": '[{"POS": "NOUN"}]'}, "POS cannot be used here"),
        ({"pattern": '[{"LOWER": {"REGEX": 5}}]'}, "Invalid token patterns"),
        ({"label": "TOWN"}, "label &#39;TOWN&#39; is not in the schema"),
        ({"label": "UNIT", "event_type": "armed_clash"}, "UNIT has no event type"),
    ]:
        response = save(**fields)
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
    assert db.session.scalar(select(func.count()).select_from(SuggestionPattern)) == 0
    assert save().status_code == 302
    row = db.session.scalar(select(SuggestionPattern))
    assert (row.name, row.label, row.pattern[2]["LOWER"]["IN"][0]) == (
        "ordinal unit", "UNIT", "brigade")
    assert save(f"{url}/{row.id}", name="unit names", pattern='[{"LOWER": "brigade"}]'
                ).status_code == 302
    db.session.refresh(row)
    assert (row.name, row.pattern) == ("unit names", [{"LOWER": "brigade"}])
    assert save(name="unit names").status_code == 400  # a second pattern of that name
    client.post(f"{url}/{row.id}/delete", data={"csrf_token": token(client, pid)})
    assert db.session.scalar(select(func.count()).select_from(SuggestionPattern)) == 0


def test_case_option_is_stored(admin_client, db) -> None:
    client, pid = admin_client
    client.post(f"/projects/{pid}/suggestions/case",
                data={"csrf_token": token(client, pid), "ignore_case": "y"})
    assert db.session.get(SuggestionSetting, pid).ignore_case is True
    client.post(f"/projects/{pid}/suggestions/case", data={"csrf_token": token(client, pid)})
    db.session.expire_all()
    assert db.session.get(SuggestionSetting, pid).ignore_case is False


def test_batch_switch_on_the_command_line_and_the_form(app, client, db) -> None:
    for name in ("admin1", "ann_a"):
        make_user(db.session, name, "admin" if name == "admin1" else "annotator")
    project = make_project(db.session, "Sahel")
    make_articles(db.session, project, 2)
    db.session.commit()
    result = run(app, "create-batch", "--project", "Sahel", "--documents", "1",
                 "--annotators", "ann_a", "--overlap", "1", "--suggestions", "on")
    assert result.exit_code == 0 and "(suggestions on)" in result.output
    bad = run(app, "create-batch", "--project", "Sahel", "--remaining",
              "--annotators", "ann_a", "--overlap", "1", "--suggestions", "maybe")
    assert bad.exit_code == 2
    login(client, "admin1")
    page = client.get(f"/projects/{project.id}/batches").get_data(as_text=True)
    client.post(f"/projects/{project.id}/batches", data={
        "csrf_token": csrf_from(page), "source": "remaining", "annotators": "ann_a",
        "overlap": "1", "seed": "0"})
    assert db.session.scalars(select(Batch.suggestions).order_by(Batch.id)).all() == [
        True, False]
    assert "suggestions on" in client.get(f"/projects/{project.id}/batches").get_data(
        as_text=True)


def test_dashboard_counts_shown_accepted_rejected_and_later_changed(app, client, db) -> None:
    caching.clear()
    scene = prepare_suggestions(db.session)
    login(client, "ann_a")
    sid, text = scene["new"].id, scene["new"].text
    suggested = client.get(f"/api/sentences/{sid}/suggestions").json["suggestions"]
    by_text = {text[s["start"]:s["end"]]: s for s in suggested}
    headers = api_headers(client)

    def events(action: str, *words: str) -> list[dict]:
        return [{"action": action, **{k: by_text[w][k] for k in (
            "source", "name", "start", "end", "label")}} for w in words]

    def span(word: str, label: str | None = None) -> dict:
        s = by_text[word]
        return {"start": s["start"], "end": s["end"], "label": label or s["label"],
                "origin": {"source": s["source"], "name": s["name"]}}

    url = f"/api/sentences/{sid}/suggestions/events"
    client.post(url, headers=headers, json={"events": events("shown", *by_text)})
    client.post(url, headers=headers, json={"events": [
        *events("accepted", "Kafr Tala", "4th Armoured Division", "al-Numan"),
        *events("rejected", "shelled")]})
    # Accepted three; then relabelled "al-Numan" and deleted the unit: two changed.
    client.put(f"/api/sentences/{sid}/annotation", headers=headers, json={
        "version": 0, "spans": [span("Kafr Tala"), span("al-Numan", "ACTOR")]})
    other = app.test_client()
    login(other, "ann_b")
    other.post(url, headers=api_headers(other), json={"events": events("shown", "shelled")})
    admin = app.test_client()
    login(admin, "admin1")
    html = admin.get(f"/projects/{scene['project'].id}/dashboard").get_data(as_text=True)
    from annotator.suggestions.queries import suggestion_counts

    got = {(c.source, c.name): (c.shown, c.accepted, c.rejected, c.changed)
           for c in suggestion_counts(db.session, scene["project"].id)}
    assert got == {("gazetteer", "gold"): (3, 1, 1, 0), ("gazetteer", "places"): (1, 1, 0, 1),
                   ("pattern", "ordinal unit"): (1, 1, 0, 1)}
    assert 'data-source="pattern" data-name="ordinal unit"' in html
    assert '<td class="changed">1</td>' in html
