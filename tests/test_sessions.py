"""Sessions that end on the server, log out everywhere, changing one's own password, and user
names unique by their normalised key."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.auth.models import LoginSession, User
from tests.conftest import csrf_from, login
from tests.factories import prepare_project


def replay(app, cookie: str):
    """A fresh client that sends nothing but a captured session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def test_a_cookie_captured_before_logout_opens_nothing_afterwards(app, client, db) -> None:
    prepare_project(db.session)
    assert login(client, "ann_a").status_code == 302
    captured = client.get_cookie("session").value
    assert replay(app, captured).get("/projects/").status_code == 200  # the copy works...
    token = csrf_from(client.get("/projects/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    stolen = replay(app, captured)  # ...until the owner logs out
    page = stolen.get("/projects/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    api = stolen.get("/api/sentences/1/annotation")
    assert api.status_code == 401 and api.json["error"]["code"] == "unauthorized"
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_log_out_everywhere_by_the_user_and_by_an_admin(app, db) -> None:
    prepare_project(db.session)
    laptop, phone, admin = app.test_client(), app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert login(device, "ann_a").status_code == 302
    cookies = [device.get_cookie("session").value for device in (laptop, phone)]
    page = laptop.get("/account")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<tr") == 3
    token = csrf_from(page.get_data(as_text=True))
    r = laptop.post("/account/logout-everywhere", data={"csrf_token": token})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    for cookie in cookies:
        assert replay(app, cookie).get("/projects/").status_code == 302

    assert login(phone, "ann_b").status_code == 302
    ann_b = phone.get_cookie("session").value
    login(admin, "admin1")
    users = admin.get("/admin/users").get_data(as_text=True)
    b_id = db.session.scalar(select(User.id).where(User.username == "ann_b"))
    r = admin.post(f"/admin/users/{b_id}/logout-everywhere",
                   data={"csrf_token": csrf_from(users)})
    assert r.status_code == 302
    assert "ann_b was logged out everywhere (1 session ended)" in \
        admin.get("/admin/users").get_data(as_text=True)
    assert replay(app, ann_b).get("/api/sentences/1/annotation").status_code == 401
    assert admin.get("/admin/users").status_code == 200  # the admin's own session stays


def test_users_change_their_own_password(app, db) -> None:
    prepare_project(db.session)
    here, elsewhere = app.test_client(), app.test_client()
    for device in (here, elsewhere):
        assert login(device, "ann_a").status_code == 302
    token = csrf_from(here.get("/account").get_data(as_text=True))

    def change(current: str, new: str, confirm: str | None = None):
        return here.post("/account/password", data={
            "current": current, "new": new, "confirm": new if confirm is None else confirm,
            "csrf_token": token})

    wrong = change("not-my-password", "river-kite-4821")
    assert wrong.status_code == 422 and "current password is wrong" in wrong.get_data(as_text=True)
    common = change("correct-horse-battery", "Password2024!")
    assert common.status_code == 422 and "commonly used" in common.get_data(as_text=True)
    named = change("correct-horse-battery", "ANN_A-is-my-name")
    assert named.status_code == 422 and "must not contain the user name" in \
        named.get_data(as_text=True)
    differ = change("correct-horse-battery", "river-kite-4821", "river-kite-4822")
    assert differ.status_code == 422 and "two new passwords differ" in differ.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "ann_a"))
    assert user.check_password("correct-horse-battery")  # nothing changed so far
    assert elsewhere.get("/projects/").status_code == 200

    old_cookie = here.get_cookie("session").value
    done = change("correct-horse-battery", "river-kite-4821")
    assert done.status_code == 302
    # this session goes on under a new secret: a copy of its old cookie opens nothing
    assert replay(app, old_cookie).get("/projects/").status_code == 302
    assert "1 other session ended, this one stays" in here.get("/account").get_data(as_text=True)
    assert here.get("/projects/").status_code == 200  # the current session stays
    assert elsewhere.get("/projects/").status_code == 302  # every other one ended
    assert login(elsewhere, "ann_a", "correct-horse-battery").status_code == 200
    assert login(elsewhere, "ann_a", "river-kite-4821").status_code == 302


def test_user_names_are_unique_case_folded_and_log_in_by_any_case(app, db) -> None:
    prepare_project(db.session)
    admin = app.test_client()
    login(admin, "admin1")
    token = csrf_from(admin.get("/admin/users").get_data(as_text=True))

    def create(name: str):
        return admin.post("/admin/users", data={"username": name, "role": "annotator",
                                                "password": "river-kite-4821",
                                                "csrf_token": token})

    assert create("Ann1").status_code == 302
    for clash in ("ann1", "ANN1", "\uff21\uff4e\uff4e\uff11"):  # the last one full-width
        r = create(clash)
        assert r.status_code == 422 and "already exists" in r.get_data(as_text=True), clash
    spoof = create("adm\u0456n")  # Cyrillic і among Latin letters
    assert spoof.status_code == 422
    assert "mixes letters of different scripts (Cyrillic, Latin)" in spoof.get_data(as_text=True)
    bidi = create("evil\u202egnp.exe")
    assert bidi.status_code == 422 and "U+202E" in bidi.get_data(as_text=True)
    short = admin.post("/admin/users", data={"username": "newcomer", "role": "annotator",
                                             "password": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    names = set(db.session.scalars(select(User.username)))
    assert names == {"admin1", "ann_a", "ann_b", "Ann1"}
    for variant in ("ann1", "ANN1", " Ann1 "):
        client = app.test_client()
        assert login(client, variant, "river-kite-4821").status_code == 302, variant
