"""The users page: change a role, delete an account without work, refuse one with work."""

from __future__ import annotations

from sqlalchemy import select

from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.auth.models import User
from tests.conftest import csrf_from, login
from tests.factories import make_user, prepare_project


def post(client, url: str, data: dict | None = None):
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    answer = client.post(url, data={"csrf_token": token, **(data or {})})
    assert answer.status_code == 302
    return client.get(answer.headers["Location"])


def test_admin_changes_roles_but_not_their_own(app, db, client) -> None:
    data = prepare_project(db.session)
    login(client, "admin1")
    page = post(client, f"/admin/users/{data['a'].id}/role", {"role": "curator"})
    assert "ann_a is now curator." in page.get_data(as_text=True)
    own = post(client, f"/admin/users/{data['admin'].id}/role", {"role": "annotator"})
    assert "you cannot change your own role" in own.get_data(as_text=True)
    bad = post(client, f"/admin/users/{data['b'].id}/role", {"role": "boss"})
    assert "Role not changed" in bad.get_data(as_text=True)
    db.session.expire_all()
    roles = dict(db.session.execute(select(User.username, User.role)).all())
    assert roles == {"admin1": "admin", "ann_a": "curator", "ann_b": "annotator"}


def test_only_an_account_without_work_is_deleted(app, db, client) -> None:
    data = prepare_project(db.session)
    spare = make_user(db.session, "spare")
    spans = [{"start": 0, "end": 17, "label": "ACTOR"}]
    save_annotation(db.session, data["a"], 1, AnnotationIn(spans, "done", 0, 1.0), max_spent=60)
    db.session.commit()
    login(client, "admin1")
    refused = post(client, f"/admin/users/{data['a'].id}/delete").get_data(as_text=True)
    assert "ann_a has work (1 annotation, 1 recorded change); deactivate" in refused
    own = post(client, f"/admin/users/{data['admin'].id}/delete").get_data(as_text=True)
    assert "you cannot delete your own account" in own
    done = post(client, f"/admin/users/{spare.id}/delete").get_data(as_text=True)
    assert "Deleted the account spare." in done
    db.session.expire_all()
    assert sorted(db.session.scalars(select(User.username))) == ["admin1", "ann_a", "ann_b"]
