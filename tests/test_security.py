"""Security headers, cookies, CSRF on every state-changing route, log-in rate limits, users."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.auth.models import User
from tests.conftest import csrf_from, login
from tests.factories import prepare_batch, prepare_project
from tests.test_routes_guarded import EXPECTED


def test_security_headers_and_csp_on_every_kind_of_response(client, db) -> None:
    prepare_project(db.session)
    responses = [client.get("/login"), client.get("/api/sentences/1/annotation"),
                 client.get("/nowhere"), client.get("/healthz")]
    for r in responses:
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "same-origin"


def test_templates_hold_no_inline_script_or_handlers() -> None:
    import re
    from pathlib import Path

    for path in Path("templates").rglob("*.html"):
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{path}: inline event handler"
        assert "javascript:" not in html and "|safe" not in html, path


def test_session_cookie_flags_and_rotation(client, db) -> None:
    prepare_project(db.session)
    client.get("/login")
    before = client.get_cookie("session").value
    response = login(client, "ann_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get_cookie("session").value != before  # a new session at log-in


def test_cookie_is_secure_over_https(app, db) -> None:
    prepare_project(db.session)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/login", base_url="https://localhost",
                           data={"username": "ann_a", "password": "correct-horse-battery",
                                 "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


STATE_CHANGING = sorted(e for e, (m, _, _) in EXPECTED.items() if m in {"POST", "PUT"})


@pytest.mark.parametrize("endpoint", STATE_CHANGING + ["auth.login"])
def test_state_changing_requests_without_csrf_token_are_refused(app, db, endpoint) -> None:
    prepare_batch(db.session)
    client = app.test_client()
    login(client, "admin1")
    method, template, _ = EXPECTED[endpoint]
    url = template.format(project=1, batch=1, sentence=1, document=1, event=1, user=2)
    if method == "PUT":
        r = client.put(url, json={"spans": [], "version": 0})
        assert r.status_code == 400 and r.json["error"]["code"] == "csrf"
    else:
        r = client.post(url, data={"username": "ann0", "password": "x" * 10, "confirm": "y"})
        assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(False))) == 0


def test_login_is_rate_limited_per_account_and_per_address(database_url) -> None:
    from annotator import create_app
    from annotator.extensions import db as handle

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                      "LOGIN_LIMIT_PER_ADDRESS": "5 per minute"})
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
    client = app.test_client()
    codes = [login(client, "ann_a", "wrong-password-x").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # even the right password is refused while the account is limited
    assert login(client, "ann_a").status_code == 429
    spray = app.test_client()  # one address trying many accounts
    page = spray.get("/login", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    token = csrf_from(page.get_data(as_text=True))
    codes = [
        spray.post("/login", environ_base={"REMOTE_ADDR": "10.1.1.1"},
                   data={"username": f"guess{i}", "password": "x" * 9, "csrf_token": token}
                   ).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]
    remote = app.test_client()
    page = remote.get("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    r = remote.post("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"},
                    data={"username": "ann_b", "password": "correct-horse-battery",
                          "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 302  # another address, another account: allowed
    with app.app_context():
        handle.engine.dispose()


def test_admin_manages_users_in_the_ui(app, client, db) -> None:
    prepare_project(db.session)
    login(client, "admin1")
    page = client.get("/admin/users")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/admin/users", data={"username": "newbie", "role": "curator",
                                          "password": "long-enough-pw", "csrf_token": token})
    assert r.status_code == 302
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    assert newbie.role == "curator" and newbie.check_password("long-enough-pw")
    dup = client.post("/admin/users", data={"username": "newbie", "role": "annotator",
                                            "password": "long-enough-pw", "csrf_token": token})
    assert dup.status_code == 422

    ann = app.test_client()
    login(ann, "ann_a")
    assert ann.get("/projects/").status_code == 200
    ann_id = db.session.scalar(select(User.id).where(User.username == "ann_a"))
    client.post(f"/admin/users/{ann_id}/password", data={"password": "brand-new-pass",
                                                           "csrf_token": token})
    assert ann.get("/projects/").status_code == 302  # logged out everywhere
    assert login(ann, "ann_a", "brand-new-pass").status_code == 302
    client.post(f"/admin/users/{ann_id}/active", data={"csrf_token": token})
    assert ann.get("/projects/").status_code == 302
    assert login(ann, "ann_a", "brand-new-pass").status_code == 200  # deactivated
    me = db.session.scalar(select(User.id).where(User.username == "admin1"))
    client.post(f"/admin/users/{me}/active", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, me).active  # an admin cannot lock themselves out
