"""Every registered route, walked as each kind of user, gives the expected answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from annotator.auth.api_tokens import create_token
from annotator.auth.services import create_user
from annotator.corpus.models import Sentence
from annotator.extensions import db
from annotator.jobs import services as jobs
from annotator.learning.models import TrainedModel
from annotator.suggestions.services import import_gazetteer, save_pattern
from tests.conftest import api_headers, csrf_from, login
from tests.factories import DEFAULT_PASSWORD, add_members, make_user, prepare_batch
from tests.snapshots import SavedDatabase, client_with, cookies_of, saved_database

ROLES = ("anonymous", "assigned", "member", "outsider", "curator", "stranger", "manager", "admin")
# assigned: an annotator whose batch holds {sentence}; member: an annotator of the same batch
# to whom {sentence} is not assigned; outsider: an annotator who is no member of the project;
# curator: a curator member; stranger: a site curator who is no member; manager: a site
# annotator whose role in the project is admin; admin: a site admin (no membership needed).
# Non-members get 404 for everything inside the project (docs/access.md).
X = 404

# endpoint -> (method, url template, expected status per role in ROLES order).
# Anonymous HTML requests are redirected to log in (302), anonymous JSON requests get 401.
EXPECTED: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "projects.index": ("GET", "/", (302, 302, 302, 302, 302, 302, 302, 302)),
    "projects.home": ("GET", "/projects/", (302, 200, 200, 200, 200, 200, 200, 200)),
    "projects.show_project": ("GET", "/projects/{project}", (302, 200, 200, X, 200, X, 200, 200)),
    "projects.list_sentences": ("GET", "/projects/{project}/sentences",
        (302, 200, 200, X, 200, X, 200, 200)),
    "projects.add_member": ("POST", "/projects/{project}/members",
        (302, 403, 403, X, 403, X, 302, 302)),
    "projects.remove_member": ("POST", "/projects/{project}/members/{user}/remove",
        (302, 403, 403, X, 403, X, 302, 302)),
    "annotation.continue_project": ("GET", "/projects/{project}/continue",
        (302, 302, 302, X, 302, X, 302, 302)),
    "annotation.show_sentence": ("GET", "/sentences/{sentence}",
        (302, 200, 403, X, 200, X, 200, 200)),
    "annotation_api.get_annotation": ("GET", "/api/sentences/{sentence}/annotation",
        (401, 200, 403, X, 200, X, 200, 200)),
    "annotation_api.put_annotation": ("PUT", "/api/sentences/{sentence}/annotation",
        (401, 200, 403, X, 200, X, 200, 200)),
    "assignments.continue_batch": ("GET", "/batches/{batch}/continue",
        (302, 302, 302, X, 403, X, 302, 302)),
    "assignments.show_batch": ("GET", "/batches/{batch}", (302, 200, 200, X, 403, X, 200, 200)),
    "assignments.dashboard": ("GET", "/projects/{project}/dashboard",
        (302, 403, 403, X, 403, X, 200, 200)),
    "assignments.list_batches": ("GET", "/projects/{project}/batches",
        (302, 403, 403, X, 403, X, 200, 200)),
    # Members see their own untyped spans (an unassigned one: an empty list); admins anyone's.
    "assignments.list_untyped_spans": ("GET", "/projects/{project}/untyped-spans",
        (302, 200, 200, X, 200, X, 200, 200)),
    "assignments.reassign_batch": ("POST", "/batches/{batch}/reassign",
        (302, 403, 403, X, 403, X, 302, 302)),
    "assignments.remove_batch": ("POST", "/batches/{batch}/remove",
        (302, 403, 403, X, 403, X, 302, 302)),
    "assignments_api.next_in_queue": ("GET", "/api/queue/next?batch={batch}",
        (401, 200, 200, X, 403, X, 403, 403)),
    "auth.login": ("GET", "/login", (200, 302, 302, 302, 302, 302, 302, 302)),
    "auth.logout": ("POST", "/logout", (302, 302, 302, 302, 302, 302, 302, 302)),
    "auth.list_users": ("GET", "/admin/users", (302, 403, 403, 403, 403, 403, 403, 200)),
    "auth.toggle_active": ("POST", "/admin/users/{user}/active",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    "auth.reset_password": ("POST", "/admin/users/{user}/password",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    "corpus.list_documents": ("GET", "/projects/{project}/documents",
        (302, 403, 403, X, 403, X, 200, 200)),
    "corpus.show_document": ("GET", "/documents/{document}", (302, 403, 403, X, 403, X, 200, 200)),
    "corpus.toggle_exclusion": ("POST", "/sentences/{sentence}/exclusion",
        (302, 403, 403, X, 403, X, 302, 302)),
    "static": ("GET", "/static/css/app.css", (200, 200, 200, 200, 200, 200, 200, 200)),
    "audit.show_history": ("GET", "/sentences/{sentence}/history",
        (302, 403, 403, X, 403, X, 200, 200)),
    "audit.restore_event": ("POST", "/audit/{event}/restore", (302, 403, 403, X, 403, X, 302, 302)),
    "audit.confirm_restore": ("GET", "/audit/{event}/restore",
        (302, 403, 403, X, 403, X, 200, 200)),
    "ops.healthz": ("GET", "/healthz", (200, 200, 200, 200, 200, 200, 200, 200)),
    "adjudication.show_queue": ("GET", "/projects/{project}/adjudication",
        (302, 403, 403, X, 200, X, 200, 200)),
    "adjudication.next_conflict": ("GET", "/projects/{project}/adjudication/next",
        (302, 403, 403, X, 302, X, 302, 302)),
    "adjudication.run_auto": ("POST", "/projects/{project}/adjudication/auto",
        (302, 403, 403, X, 302, X, 302, 302)),
    "adjudication.update_settings": ("POST", "/projects/{project}/adjudication/settings",
        (302, 403, 403, X, 403, X, 302, 302)),
    "adjudication.show_conflict": ("GET", "/sentences/{sentence}/conflicts/0/5",
        (302, 403, 403, X, 200, X, 200, 200)),
    "adjudication.show_arguments": ("GET", "/sentences/{sentence}/arguments/0/5",
        (302, 403, 403, X, 200, X, 200, 200)),
    "adjudication.show_gold": ("GET", "/sentences/{sentence}/gold",
        (302, 403, 403, X, 200, X, 200, 200)),
    "adjudication.close_sentence": ("POST", "/sentences/{sentence}/gold/close",
        (302, 403, 403, X, 302, X, 302, 302)),
    "adjudication.reopen_sentence": ("POST", "/sentences/{sentence}/gold/reopen",
        (302, 403, 403, X, 302, X, 302, 302)),
    "adjudication.show_feedback": ("GET", "/projects/{project}/feedback",
        (302, 200, 200, X, 200, X, 200, 200)),
    "adjudication_api.get_gold": ("GET", "/api/sentences/{sentence}/gold",
        (401, 403, 403, X, 200, X, 200, 200)),
    # The curator's PUT (version 0) creates the sentence's gold, so the later ones are stale: 409.
    "adjudication_api.put_gold": ("PUT", "/api/sentences/{sentence}/gold",
        (401, 403, 403, X, 200, X, 409, 409)),
    "projects.show_guidelines": ("GET", "/projects/{project}/guidelines",
        (302, 200, 200, X, 200, X, 200, 200)),
    "projects.edit_guidelines": ("GET", "/projects/{project}/guidelines/edit",
        (302, 403, 403, X, 403, X, 200, 200)),
    "projects.new_project": ("GET", "/projects/new", (302, 403, 403, 403, 403, 403, 403, 200)),
    "projects.show_label_schema": ("GET", "/projects/{project}/schema",
        (302, 403, 403, X, 403, X, 200, 200)),
    "projects.edit_label_schema": ("GET", "/projects/{project}/schema/edit",
        (302, 403, 403, X, 403, X, 200, 200)),
    "annotation.show_article": ("GET", "/sentences/{sentence}/article",
        (302, 200, 403, X, 200, X, 200, 200)),
    "annotation.list_my_sentences": ("GET", "/projects/{project}/my-sentences",
        (302, 200, 200, X, 200, X, 200, 200)),
    "annotation_api.get_article_json": ("GET", "/api/sentences/{sentence}/article",
        (401, 200, 403, X, 200, X, 200, 200)),
    "auth.change_role": ("POST", "/admin/users/{user}/role",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    "auth.delete_user": ("POST", "/admin/users/{user}/delete",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    "auth.log_user_out_everywhere": ("POST", "/admin/users/{user}/logout-everywhere",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    "auth.account": ("GET", "/account", (302, 200, 200, 200, 200, 200, 200, 200)),
    # One's own API tokens: everyone logged in makes one (the walk's form asks for a read
    # token, 201 shows it once); {token} is the assigned annotator's, "not found" to the others
    # (admins revoke anyone's on the users page or with `annotator revoke-token`).
    "auth.list_tokens": ("GET", "/account/tokens", (302, 200, 200, 200, 200, 200, 200, 200)),
    "auth.create_token": ("POST", "/account/tokens", (302, 201, 201, 201, 201, 201, 201, 201)),
    "auth.revoke_token": ("POST", "/account/tokens/{token}/revoke",
        (302, 302, 404, 404, 404, 404, 404, 404)),
    "auth.revoke_user_tokens": ("POST", "/admin/users/{user}/tokens/revoke",
        (302, 403, 403, 403, 403, 403, 403, 302)),
    # The walk's form carries no current password: refused (422) for everyone logged in.
    "auth.change_password": ("POST", "/account/password",
        (302, 422, 422, 422, 422, 422, 422, 422)),
    "auth.log_out_everywhere": ("POST", "/account/logout-everywhere",
        (302, 302, 302, 302, 302, 302, 302, 302)),
    # Reopening a frozen annotation (project admins): the target has none here, so a message
    # (page) or 404 (API).
    "audit.reopen": ("POST", "/sentences/{sentence}/annotations/{user}/reopen",
        (302, 403, 403, X, 403, X, 302, 302)),
    "annotation_api.reopen_annotation": ("POST",
        "/api/sentences/{sentence}/annotations/{user}/reopen",
        (401, 403, 403, X, 403, X, 404, 404)),
    "ops.favicon": ("GET", "/favicon.ico", (200, 200, 200, 200, 200, 200, 200, 200)),
    # A form body is not JSON: 422 once past the role check.
    "adjudication_api.decide": ("POST", "/api/sentences/{sentence}/decisions",
        (401, 403, 403, X, 422, X, 422, 422)),
    "export.show_export": ("GET", "/projects/{project}/export",
        (302, 403, 403, X, 200, X, 200, 200)),
    "export.show_formats": ("GET", "/help/export-formats",
        (302, 200, 200, 200, 200, 200, 200, 200)),
    "export.show_import_formats": ("GET", "/help/import-formats",
        (302, 200, 200, 200, 200, 200, 200, 200)),
    "export.import_annotations_page": ("GET", "/projects/{project}/import-annotations",
        (302, 403, 403, X, 403, X, 200, 200)),
    "export.download": ("GET", "/projects/{project}/export/download?format=jsonl",
        (302, 403, 403, X, 200, X, 200, 200)),
    "export.download_card": ("GET", "/projects/{project}/export/card",
        (302, 403, 403, X, 200, X, 200, 200)),
    "export.download_labelstudio_config": ("GET",
        "/projects/{project}/export/labelstudio-config", (302, 403, 403, X, 200, X, 200, 200)),
    # No form fields: format is missing, so the page says so (302 back to the export page).
    "export.prepare_file": ("POST", "/projects/{project}/export/prepare",
        (302, 403, 403, X, 302, X, 302, 302)),
    "reports.show_agreement": ("GET", "/projects/{project}/agreement",
        (302, 403, 403, X, 403, X, 200, 200)),
    "reports.show_batch_agreement": ("GET", "/batches/{batch}/agreement",
        (302, 403, 403, X, 403, X, 302, 302)),
    "reports.list_disagreements": ("GET", "/projects/{project}/agreement/disagreements?kind=missed",
        (302, 403, 403, X, 403, X, 200, 200)),
    "reports.download_json": ("GET", "/projects/{project}/agreement.json",
        (302, 403, 403, X, 403, X, 200, 200)),
    "reports.download_csv": ("GET", "/projects/{project}/agreement.csv?batch={batch}",
        (302, 403, 403, X, 403, X, 200, 200)),
    # Background jobs: {job} was started by the "assigned" annotator and is done, with a file.
    "jobs_api.get_job": ("GET", "/api/jobs/{job}", (401, 200, X, X, X, X, X, 200)),
    "jobs_api.list_jobs": ("GET", "/api/jobs", (401, 200, 200, 200, 200, 200, 200, 200)),
    "jobs_api.cancel_job": ("POST", "/api/jobs/{job}/cancel", (401, 409, X, X, X, X, X, 409)),
    "jobs_api.download": ("GET", "/api/jobs/{job}/files/out.txt",
        (401, 200, X, X, X, X, X, 200)),
    "jobs.list_jobs": ("GET", "/admin/jobs", (302, 403, 403, 403, 403, 403, 403, 200)),
    "jobs.show_job": ("GET", "/admin/jobs/{job}", (302, 403, 403, 403, 403, 403, 403, 200)),
    # The REST API (docs/api.md): the pages' rules, answered in JSON (anonymous: 401). The
    # walk's POST sends a form, not JSON: 422 once past the role check.
    "projects_api.list_projects": ("GET", "/api/projects",
        (401, 200, 200, 200, 200, 200, 200, 200)),
    "projects_api.list_sentences": ("GET", "/api/projects/{project}/sentences?status=done",
        (401, 200, 200, X, 200, X, 200, 200)),
    "corpus_api.list_documents": ("GET", "/api/projects/{project}/documents",
        (401, 403, 403, X, 403, X, 200, 200)),
    "corpus_api.upload_articles": ("POST", "/api/projects/{project}/documents",
        (401, 403, 403, X, 403, X, 422, 422)),
    "assignments_api.list_batches": ("GET", "/api/projects/{project}/batches",
        (401, 403, 403, X, 403, X, 200, 200)),
    "assignments_api.create_batch": ("POST", "/api/projects/{project}/batches",
        (401, 403, 403, X, 403, X, 422, 422)),
    # Like the batch page: admins, and annotators with work in the batch.
    "assignments_api.show_batch": ("GET", "/api/batches/{batch}",
        (401, 200, 200, X, 403, X, 200, 200)),
    "reports_api.get_agreement": ("GET", "/api/projects/{project}/agreement?batch={batch}",
        (401, 403, 403, X, 403, X, 200, 200)),
    "export_api.stream_export": ("GET", "/api/projects/{project}/export?format=conll",
        (401, 403, 403, X, 200, X, 200, 200)),
    # The API's description is public: it describes routes, not data.
    "apidoc_api.get_openapi": ("GET", "/api/openapi.json",
        (200, 200, 200, 200, 200, 200, 200, 200)),
    "apidoc_api.show_docs": ("GET", "/api/docs", (200, 200, 200, 200, 200, 200, 200, 200)),
    "suggestions_api.get_suggestions": ("GET", "/api/sentences/{sentence}/suggestions",
        (401, 200, 403, X, 200, X, 200, 200)),
    # A form body is not JSON: 422 once the caller may annotate the sentence.
    "suggestions_api.post_suggestion_events": ("POST",
        "/api/sentences/{sentence}/suggestions/events", (401, 422, 403, X, 422, X, 422, 422)),
    "suggestions.show_settings": ("GET", "/projects/{project}/suggestions",
        (302, 403, 403, X, 403, X, 200, 200)),
    # No file, no pattern in the form: refused (400) once past the role check.
    "suggestions.upload_gazetteer": ("POST", "/projects/{project}/suggestions/lists",
        (302, 403, 403, X, 403, X, 400, 400)),
    "suggestions.delete_gazetteer": ("POST", "/projects/{project}/suggestions/lists/1/delete",
        (302, 403, 403, X, 403, X, 302, 302)),
    "suggestions.save_pattern": ("POST", "/projects/{project}/suggestions/patterns/1",
        (302, 403, 403, X, 403, X, 400, 400)),
    "suggestions.delete_pattern": ("POST", "/projects/{project}/suggestions/patterns/1/delete",
        (302, 403, 403, X, 403, X, 302, 302)),
    "suggestions.set_case": ("POST", "/projects/{project}/suggestions/case",
        (302, 403, 403, X, 403, X, 302, 302)),
    # Trained models: {model} is a registered model of the project; training with no gold
    # (JOBS_QUEUE=immediate) runs at once and is refused: 422, nothing stored.
    "learning.list_models": ("GET", "/projects/{project}/models",
        (302, 403, 403, X, 403, X, 200, 200)),
    "learning.train_model": ("POST", "/projects/{project}/models/train",
        (302, 403, 403, X, 403, X, 422, 422)),
    "learning.activate_model": ("POST", "/projects/{project}/models/{model}/activate",
        (302, 403, 403, X, 403, X, 302, 302)),
}


def test_every_registered_route_is_in_the_table(scene: Scene) -> None:
    registered = {rule.endpoint for rule in scene.app.url_map.iter_rules()}
    assert registered == set(EXPECTED), (
        f"unguarded: {sorted(registered - set(EXPECTED))}; "
        f"stale: {sorted(set(EXPECTED) - registered)}"
    )


def test_every_route_with_a_project_scoped_id_is_behind_the_project_guard(scene: Scene) -> None:
    """Membership is checked in one place: ``@project_access`` on each such route."""
    from annotator.projects.guards import ARGUMENTS

    app = scene.app
    unguarded = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if set(rule.arguments) & set(ARGUMENTS)
        and not hasattr(app.view_functions[rule.endpoint], "project_access")
    )
    assert unguarded == []


@dataclass
class Scene:
    """The module's app, the ids the URLs use, and each role's log-in (cookies, CSRF token)."""

    database: SavedDatabase
    ids: dict[str, int]
    logins: dict[str, tuple[dict[str, str], str]]

    @property
    def app(self) -> Flask:
        return self.database.app


@pytest.fixture(scope="module")
def scene(request, tmp_path_factory) -> Iterator[Scene]:
    """Built and logged in once per module (every user through the real log-in form), then
    saved: ``world`` puts it back before each test, so every test starts from this state."""
    with saved_database(request, tmp_path_factory) as database:
        # Jobs a route starts (a training) run inside its request, not on a queue file.
        database.app.config["JOBS_QUEUE"] = "immediate"
        with database.app.app_context():
            ids, users = build_world(db.session)
            db.session.remove()
        logins = {}
        for role in ROLES:
            client = database.app.test_client()
            if role == "anonymous":
                token = csrf_from(client.get("/login").get_data(as_text=True))
            else:
                assert login(client, users[role]).status_code == 302
                token = api_headers(client)["X-CSRFToken"]
            logins[role] = (cookies_of(database.app, client), token)
        database.save()
        yield Scene(database, ids, logins)


def build_world(session: Session) -> tuple[dict[str, int], dict[str, str]]:
    """A project with a live batch, one user of each role; the URLs' ids and the user names."""
    data = prepare_batch(session, k=1, annotators=2, articles=2)
    assigned = data["annotators"][0]
    sentence = session.scalar(
        select(Assignment.sentence_id).where(Assignment.annotator_id == assigned.id)
        .order_by(Assignment.position)
    )
    other = session.scalars(
        select(Assignment.sentence_id).where(Assignment.annotator_id == assigned.id)
        .order_by(Assignment.position)
    ).all()[1]
    save_annotation(session, assigned, other, AnnotationIn([], "done", 0, 1.0), max_spent=60)
    token = create_token(session, assigned, name="walk").token
    # A gazetteer list and a pattern (id 1 each) for the suggestion settings' routes.
    import_gazetteer(session, data["project"].id, "places", "Kafr Tala,LOCATION\n")
    save_pattern(session, data["project"].id, name="units", label="UNIT", event_type=None,
                 pattern_text='[{"LOWER": "brigade"}]')
    session.commit()
    ids = {
        "event": 1,
        "token": token.id,
        "user": data["annotators"][1].id,
        "project": data["project"].id,
        "batch": data["batch"].id,
        "sentence": sentence,
        "document": session.get(Sentence, sentence).document_id,
    }
    make_user(session, "curator1", "curator")  # a curator of the project (tests/factories.py)
    create_user(session, "stranger1", DEFAULT_PASSWORD, "curator")  # of no project
    add_members(session, data["project"], make_user(session, "manager1"), role="admin")
    job = jobs.submit(session, "import-articles", user_id=assigned.id,
                      project_id=data["project"].id)
    job.state, job.result = "done", {"file": "out.txt"}
    jobs.write_file(session, job.id, "output", "out.txt", [b"an export\n"])
    ids["job"] = job.id
    model = TrainedModel(project_id=data["project"].id, version=1, language="xx", epochs=1,
                         split="80/10/10", train_sentences=1, train_spans=1, dev_sentences=0,
                         dev_spans=0, path="/nonexistent/model")
    session.add(model)
    session.flush()
    ids["model"] = model.id
    session.commit()
    users = {"assigned": assigned.username, "member": data["annotators"][1].username,
             "outsider": "outsider", "curator": "curator1", "stranger": "stranger1",
             "manager": "manager1", "admin": "admin1"}
    return ids, users


@pytest.fixture
def world(scene: Scene) -> Scene:
    """The scene as saved: database, log-in sessions included, as it was after set-up."""
    scene.database.restore()
    return scene


def request_as(world: Scene, role: str, method: str, url: str):
    """One request as ``role``, on a new client holding that role's saved log-in."""
    cookies, token = world.logins[role]
    client = client_with(world.app, cookies)
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    if method == "GET":
        return client.get(url)
    if method == "PUT":
        return client.put(url, json={"spans": [], "version": 0}, headers=headers)
    form = {"csrf_token": token, "leaving": "ann0", "to": "ann1", "confirm": "y",
            "password": "a-new-long-password", "username": "outsider", "role": "annotator"}
    return client.post(url, data=form)


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_answers_each_role_as_expected(world: Scene, endpoint: str) -> None:
    method, template, expected = EXPECTED[endpoint]
    url = template.format(**world.ids)
    got = tuple(request_as(world, role, method, url).status_code for role in ROLES)
    assert got == expected, f"{endpoint} {url}: got {dict(zip(ROLES, got, strict=True))}"


@pytest.mark.parametrize(
    "endpoint",
    sorted(e for e, (_, t, _) in EXPECTED.items() if "{" in t),
)
def test_missing_objects_are_404_for_admin(world: Scene, endpoint: str) -> None:
    method, template, _ = EXPECTED[endpoint]
    url = template.format(project=99999, batch=99999, sentence=99999, document=99999,
                          event=99999, user=99999, job=99999, token=99999, model=99999)
    assert request_as(world, "admin", method, url).status_code == 404


@pytest.mark.parametrize("huge", [2**31, 10**20])
def test_ids_beyond_any_row_are_404_not_500(world: Scene, huge: int) -> None:
    """An id past 32 bits would overflow PostgreSQL's integer column: no route matches it."""
    for endpoint, (method, template, _) in sorted(EXPECTED.items()):
        if "{" not in template:
            continue
        url = template.format(project=huge, batch=huge, sentence=huge, document=huge,
                              event=huge, user=huge, job=huge, token=huge, model=huge)
        response = request_as(world, "admin", method, url)
        # (werkzeug answers 405 rather than 404 when a GET rule of the same path exists)
        expected = {422} if endpoint == "assignments_api.next_in_queue" else {404, 405}
        assert response.status_code in expected, (endpoint, response.status_code)
