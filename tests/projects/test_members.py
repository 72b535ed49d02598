"""Project membership: non-members get 404, members work, admins add and remove members."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from annotator.assignments.services import create_batch
from annotator.corpus.models import Sentence
from annotator.demo.loading import DEMO_PROJECT, load_demo
from annotator.projects.models import Project, ProjectMember
from tests.conftest import api_headers, csrf_from, login
from tests.factories import add_members, make_articles, make_project, make_user, prepare_project


def members_of(db, project_id: int) -> dict[str, str]:
    """username -> role in the project."""
    from annotator.auth.models import User

    rows = db.session.execute(
        select(User.username, ProjectMember.role)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project_id))
    return {name: role for name, role in rows}


@pytest.fixture
def scene(db) -> dict[str, Any]:
    """prepare_project (ann_a, ann_b members) plus eve, an annotator of no project, and a
    curator of no project; a second project only eve belongs to."""
    data = prepare_project(db.session)
    from annotator.auth.services import create_user

    data["eve"] = make_user(db.session, "eve")
    data["stranger"] = create_user(db.session, "stranger", "correct-horse-battery", "curator")
    other = make_project(db.session, "Eve's project")
    add_members(db.session, other, data["eve"])
    db.session.commit()
    data["other"] = other
    data["sentence"] = db.session.scalar(
        select(Sentence.id).where(Sentence.project_id == data["project"].id)
        .order_by(Sentence.id))
    return data


def client_of(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def test_a_non_member_gets_404_for_everything_in_the_project_and_members_work(app, scene):
    pid, sid = scene["project"].id, scene["sentence"]
    pages = [f"/projects/{pid}", f"/projects/{pid}?page=2", f"/sentences/{sid}",
             f"/api/sentences/{sid}/annotation", f"/projects/{pid}/export/download?format=jsonl",
             f"/projects/{pid}/agreement", f"/projects/{pid}/agreement.json",
             f"/projects/{pid}/feedback", f"/projects/{pid}/continue"]
    body = {"spans": [], "status": "done", "version": 0}
    for name in ("eve", "stranger"):
        client = client_of(app, name)
        for url in pages:
            assert client.get(url).status_code == 404, (name, url)
        put = client.put(f"/api/sentences/{sid}/annotation", json=body,
                         headers=api_headers(client))
        assert put.status_code == 404
        assert put.get_json()["error"]["code"] == "not_found"
    # The same pages for members: the annotator annotates, a curator member exports.
    member = client_of(app, "ann_a")
    assert member.get(f"/projects/{pid}").status_code == 200
    assert member.get(f"/sentences/{sid}").status_code == 200
    saved = member.put(f"/api/sentences/{sid}/annotation", json=body,
                       headers=api_headers(member))
    assert saved.status_code == 200, saved.get_json()
    assert member.get(f"/projects/{pid}/export/download?format=jsonl").status_code == 403
    with app.app_context():
        from annotator.extensions import db

        add_members(db.session, db.session.get(Project, pid),
                    db.session.get(type(scene["stranger"]), scene["stranger"].id),
                    role="annotator")
        db.session.commit()
    # A site curator acts as a curator in every project they belong to (docs/access.md).
    curator = client_of(app, "stranger")
    assert curator.get(f"/projects/{pid}/export/download?format=jsonl").status_code == 200
    assert curator.get(f"/projects/{pid}/agreement").status_code == 403  # admins only


def test_home_and_lists_show_only_the_users_projects(app, scene):
    eve = client_of(app, "eve").get("/projects/").get_data(as_text=True)
    assert "Eve&#39;s project" in eve and "Test project" not in eve
    ann = client_of(app, "ann_a").get("/projects/").get_data(as_text=True)
    assert "Test project" in ann and "Eve&#39;s project" not in ann
    admin = client_of(app, "admin1").get("/projects/").get_data(as_text=True)
    assert "Test project" in admin and "Eve&#39;s project" in admin


def test_an_admin_adds_and_removes_members_on_the_project_page(app, db, scene):
    pid = scene["project"].id
    admin = client_of(app, "admin1")
    page = admin.get(f"/projects/{pid}").get_data(as_text=True)
    assert 'id="members"' in page and 'data-member="ann_a"' in page
    assert '<option value="eve">' in page  # the add form offers non-members
    token = csrf_from(page)
    added = admin.post(f"/projects/{pid}/members",
                       data={"csrf_token": token, "username": "eve", "role": "curator"})
    assert added.status_code == 302
    assert members_of(db, pid)["eve"] == "curator"
    eve = client_of(app, "eve")
    assert eve.get(f"/projects/{pid}/adjudication").status_code == 200  # curator there
    listed = admin.get(f"/projects/{pid}").get_data(as_text=True)
    assert '<tr data-member="eve">' in listed and '<td class="role">curator</td>' in listed
    # Bad input says why and changes nothing; no CSRF token: refused.
    for form, message in (({"username": "ghost", "role": "annotator"}, "no user named"),
                          ({"username": "eve", "role": "owner"}, "Not a valid choice")):
        refused = admin.post(f"/projects/{pid}/members", data={"csrf_token": token, **form})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert admin.post(f"/projects/{pid}/members",
                      data={"username": "eve", "role": "admin"}).status_code == 400
    assert members_of(db, pid)["eve"] == "curator"
    # A member who is no admin of the project cannot add anyone.
    ann = client_of(app, "ann_a")
    assert ann.post(f"/projects/{pid}/members", data={
        "csrf_token": csrf_from(ann.get("/projects/").get_data(as_text=True)),
        "username": "eve", "role": "admin"}).status_code == 403
    removed = admin.post(f"/projects/{pid}/members/{scene['eve'].id}/remove",
                         data={"csrf_token": token})
    assert removed.status_code == 302
    assert "eve" not in members_of(db, pid)
    assert eve.get(f"/projects/{pid}").status_code == 404


def test_a_project_admin_who_is_a_site_annotator_manages_that_project_only(app, db, scene):
    add_members(db.session, scene["project"], scene["eve"], role="admin")
    db.session.commit()
    eve = client_of(app, "eve")
    pid = scene["project"].id
    page = eve.get(f"/projects/{pid}").get_data(as_text=True)
    assert 'id="add-member"' in page
    assert eve.post(f"/projects/{pid}/members", data={
        "csrf_token": csrf_from(page), "username": "ann_b", "role": "curator"}).status_code == 302
    assert members_of(db, pid)["ann_b"] == "curator"
    assert eve.get(f"/projects/{pid}/dashboard").status_code == 200
    # Eve is a plain annotator in her own project and nothing on the site.
    assert eve.get(f"/projects/{scene['other'].id}/dashboard").status_code == 403
    assert eve.get("/admin/users").status_code == 403


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_adds_and_removes_members_with_one_line_errors(app, db, scene):
    pid = scene["project"].id
    ok = run(app, "add-member", "--project", "Test project", "eve", "--role", "curator")
    assert ok.exit_code == 0 and ok.output.strip() == "eve is curator of Test project"
    assert members_of(db, pid)["eve"] == "curator"
    for args, message in (
        (("add-member", "--project", "Nope", "eve"), "no project named 'Nope'"),
        (("add-member", "--project", "Test project", "ghost"), "no user named 'ghost'"),
        (("add-member", "--project", "Test project", "eve", "--role", "boss"),
         "role must be one of annotator, curator, admin, not 'boss'"),
        (("remove-member", "--project", "Test project", "ghost"), "no user named 'ghost'"),
        (("remove-member", "--project", "Eve's project", "ann_a"),
         "ann_a is not a member of Eve's project"),
    ):
        failed = run(app, *args)
        assert failed.exit_code == 1, args
        assert failed.output.strip().splitlines() == [f"Error: {message}"], failed.output
    db.session.expire_all()
    assert members_of(db, pid)["eve"] == "curator"
    gone = run(app, "remove-member", "--project", "Test project", "eve")
    assert gone.exit_code == 0
    assert gone.output.strip() == "eve is no longer a member of Test project"
    db.session.expire_all()
    assert "eve" not in members_of(db, pid)


def test_a_batch_makes_its_annotators_members_and_keeps_existing_roles(app, db, scene):
    project = scene["project"]
    make_articles(db.session, project, 2)
    add_members(db.session, project, scene["stranger"], role="admin")
    db.session.commit()
    out = run(app, "create-batch", "--project", "Test project", "--remaining",
              "--annotators", "eve,stranger", "--overlap", "1")
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    roles = members_of(db, project.id)
    assert roles["eve"] == "annotator" and roles["stranger"] == "admin"
    # Eve now opens the project and her queue; she cannot leave while work remains.
    assert client_of(app, "eve").get(f"/projects/{project.id}").status_code == 200
    refused = run(app, "remove-member", "--project", "Test project", "eve")
    assert refused.exit_code == 1 and "unfinished work" in refused.output


def test_reassigned_work_makes_its_receivers_members(db, scene):
    from annotator.assignments.services import reassign_annotator

    created = create_batch(db.session, scene["project"].id, source="remaining",
                           annotators=["ann_a", "ann_b"], overlap=1, seed=1)
    reassign_annotator(db.session, created.batch.id, "ann_a", ["eve"])
    assert members_of(db, scene["project"].id)["eve"] == "annotator"


def test_the_demo_users_are_members_of_the_demo_project(db):
    load_demo(db.session)
    load_demo(db.session)  # twice: nothing duplicated
    db.session.commit()
    project = db.session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    assert members_of(db, project.id) == {"admin": "admin", "alice": "annotator",
                                          "bob": "annotator"}
