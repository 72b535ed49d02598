"""Log-in, log-out, password hashing, role guards and anonymous access."""

from __future__ import annotations

from annotator.auth.models import User
from tests.conftest import csrf_from, login
from tests.factories import make_user, prepare_project


def test_password_is_hashed_with_a_slow_kdf(db, real_password_hashing) -> None:
    """At the app's own cost (the other tests hash cheaply: tests/conftest.py)."""
    user = make_user(db.session, "carla", password="s3cret-passphrase")
    db.session.commit()
    assert "s3cret" not in user.password_hash
    method, *cost = user.password_hash.split("$")[0].split(":")
    assert (method == "scrypt" and int(cost[0]) >= 2**15) or (
        method == "pbkdf2" and int(cost[1]) >= 600_000), user.password_hash
    assert user.check_password("s3cret-passphrase") and not user.check_password("wrong")


def test_login_and_logout(app, client, db) -> None:
    prepare_project(db.session)
    response = login(client, "ann_a")
    assert response.status_code == 302 and response.headers["Location"].endswith("/projects/")
    page = client.get("/projects/")
    assert page.status_code == 200 and b"Test project" in page.data
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/projects/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, db) -> None:
    prepare_project(db.session)
    wrong = login(client, "ann_a", "nope-nope-nope")
    unknown = login(client, "nobody", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 200
    assert b"Unknown user name or wrong password." in wrong.data
    assert b"Unknown user name or wrong password." in unknown.data


def test_deactivated_user_cannot_log_in_and_is_logged_out(client, db) -> None:
    prepare_project(db.session)
    assert login(client, "ann_a").status_code == 302
    user = db.session.query(User).filter_by(username="ann_a").one()
    user.active = False
    db.session.commit()
    assert client.get("/projects/").status_code == 302  # session no longer valid
    assert login(client, "ann_a").status_code == 200


def test_password_reset_logs_out_other_sessions(app, client, db) -> None:
    from annotator.auth.services import reset_password

    prepare_project(db.session)
    assert login(client, "ann_a").status_code == 302
    user = db.session.query(User).filter_by(username="ann_a").one()
    reset_password(db.session, user.id, "another-long-password")
    db.session.commit()
    assert client.get("/projects/").status_code == 302


def test_login_form_requires_csrf(client, db) -> None:
    prepare_project(db.session)
    response = client.post("/login", data={"username": "ann_a", "password": "x" * 10})
    assert response.status_code == 400


def test_anonymous_pages_redirect_and_json_gets_401(client, db) -> None:
    prepare_project(db.session)
    page = client.get("/sentences/1")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = client.get("/api/sentences/1/annotation")
    assert api.status_code == 401 and api.json["error"]["code"] == "unauthorized"


def test_admin_pages_are_admin_only(client, db) -> None:
    data = prepare_project(db.session)
    pid = data["project"].id
    login(client, "ann_a")
    assert client.get(f"/projects/{pid}/documents").status_code == 403
    assert client.get("/documents/1").status_code == 403


def test_admin_sees_documents(client, db) -> None:
    data = prepare_project(db.session)
    login(client, "admin1")
    page = client.get(f"/projects/{data['project'].id}/documents")
    assert page.status_code == 200 and b"Fighting near Kafr Tala" in page.data


def test_open_redirect_is_refused(client, db) -> None:
    prepare_project(db.session)
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.test/",
        data={"username": "ann_a", "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/projects/")
