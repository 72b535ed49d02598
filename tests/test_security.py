"""Security headers, cookies, CSRF on every state-changing route, log-in rate limits, users."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.auth.models import User
from tests.conftest import api_headers, csrf_from, login
from tests.factories import prepare_batch, prepare_project


def assert_security_headers(r) -> None:
    csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_security_headers_and_csp_on_every_kind_of_response(app, db) -> None:
    prepare_project(db.session)

    @app.get("/boom")  # a route that fails, to see the 500 page's headers too
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    responses = {
        "page": client.get("/login"), "api 401": client.get("/api/sentences/1/annotation"),
        "404": client.get("/nowhere"), "health": client.get("/healthz"),
        "static": client.get("/static/css/app.css"), "405": client.delete("/login"),
        "csrf 400": client.post("/login", data={}), "500": client.get("/boom"),
    }
    login(client, "ann_a")
    responses["logged-in page"] = client.get("/projects/")
    responses["api 200"] = client.get("/api/sentences/1/annotation")
    app.config["MAX_JSON_BYTES"] = 10
    responses["api 413"] = client.put("/api/sentences/1/annotation", json={"spans": [],
                                      "version": 0, "status": "in_progress"},
                                      headers=api_headers(client))
    assert [responses[k].status_code for k in ("static", "405", "500", "api 413")] == [
        200, 405, 500, 413]
    for name, r in responses.items():
        try:
            assert_security_headers(r)
        except (AssertionError, KeyError) as err:
            raise AssertionError(f"{name}: {err!r} {dict(r.headers)}") from None
    assert responses["api 200"].headers["Cache-Control"] == "no-store"


def test_templates_hold_no_inline_script_style_or_handlers() -> None:
    """The CSP forbids inline script and inline styles: templates must not rely on them."""
    import re
    from pathlib import Path

    paths = list(Path("templates").rglob("*.html"))
    assert len(paths) > 10
    for path in paths:
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline {tag}"
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), f"{path}: inline event handler"
        assert not re.search(r"<[^>]*\sstyle\s*=", html), f"{path}: inline style attribute"
        assert "<style" not in html, f"{path}: inline <style>"
        assert "javascript:" not in html and "|safe" not in html, path


def test_session_cookie_flags_and_rotation(client, db) -> None:
    prepare_project(db.session)
    client.get("/login")
    with client.session_transaction() as sess:  # what an attacker could have planted
        sess["planted"] = "fixation"
    before = client.get_cookie("session").value
    response = login(client, "ann_a")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get_cookie("session").value != before  # a new session at log-in
    with client.session_transaction() as sess:
        assert "planted" not in sess
        key = sess["_user_id"]  # the secret of a log-in session kept on the server
    from annotator.auth.models import LoginSession
    from annotator.auth.sessions import hash_key

    owner = db.session.scalar(select(LoginSession.user_id).where(
        LoginSession.key_hash == hash_key(key)))
    assert owner == db.session.scalar(select(User.id).where(User.username == "ann_a"))


def test_cookie_is_secure_over_https(app, db) -> None:
    prepare_project(db.session)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"},
                           data={"username": "ann_a", "password": "correct-horse-battery",
                                 "csrf_token": token})
    assert response.status_code == 302  # logged in
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


STATE_CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def state_changing_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every state-changing method of every registered route."""
    ids = {"project_id": 1, "batch_id": 1, "sentence_id": 1, "document_id": 1, "event_id": 1,
           "user_id": 2}
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING_METHODS):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", str(ids.get(name, 1))).replace(
                    f"<{name}>", str(ids.get(name, 1)))
            out.append((rule.endpoint, method, url))
    return sorted(out)


def everything(db) -> dict[str, list[tuple]]:
    """Every row of every table, to show a refused request changed nothing at all."""
    from annotator.extensions import db as handle

    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in handle.metadata.sorted_tables
    }


def test_every_state_changing_route_is_covered(app) -> None:
    found = {(e, m) for e, m, _ in state_changing_routes(app)}
    # the known ones, so that an empty list (a broken walk) cannot pass
    assert {("annotation_api.put_annotation", "PUT"), ("assignments.list_batches", "POST"),
            ("auth.login", "POST"), ("auth.list_users", "POST"),
            ("corpus.list_documents", "POST")} <= found


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_state_changing_requests_without_a_valid_csrf_token_are_refused(
    app, db, as_json, token
) -> None:
    prepare_batch(db.session)
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    headers = {"X-CSRFToken": token} if token else {}
    fields = {"username": "ann0", "password": "x" * 10, "confirm": "y", "leaving": "ann0",
              "to": "ann1", "source": "remaining", "annotators": "ann0", "overlap": "1",
              "role": "admin", "spans": [], "version": 0}
    if token:
        fields["csrf_token"] = token
    before = everything(db)
    routes = state_changing_routes(app)
    for endpoint, method, url in routes:
        if as_json:
            r = client.open(url, method=method, json=fields, headers=headers)
        else:
            r = client.open(url, method=method, data=fields, headers=headers)
        assert r.status_code == 400, (endpoint, method, r.status_code)
        body = r.get_data(as_text=True)
        assert "CSRF" in body or "csrf" in body, (endpoint, body[:300])
        if url.startswith("/api/"):
            assert r.json["error"]["code"] == "csrf"
    assert everything(db) == before
    # the same session with its real token gets through (the refusals were the token's)
    real = csrf_from(client.get("/projects/").get_data(as_text=True))
    ok = client.post("/admin/users", data={"username": "with-token", "role": "annotator",
                                          "password": "long-enough-pw", "csrf_token": real})
    assert ok.status_code == 302


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


@pytest.mark.parametrize("hops", [0, 1])
def test_https_behind_a_proxy_is_trusted_only_when_configured(database_url, hops) -> None:
    """X-Forwarded-Proto makes cookies Secure only with ANNOTATOR_PROXY_HOPS set (no spoofing)."""
    from annotator import create_app
    from annotator.extensions import db as handle
    from tests.conftest import IsolatedClient

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_ENABLED": False, "PROXY_HOPS": hops})
    app.test_client_class = IsolatedClient
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        handle.session.remove()
    client = app.test_client()
    # (over HTTPS Flask-WTF also wants a same-origin Referer, which browsers send)
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
               "Referer": f"{'https' if hops else 'http'}://localhost/login"}
    page = client.get("/login", headers=proxied)
    r = client.post("/login", headers=proxied,
                    data={"username": "ann_a", "password": "correct-horse-battery",
                          "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert r.status_code == 302
    assert ("Secure" in r.headers["Set-Cookie"]) is bool(hops)
    assert ("Strict-Transport-Security" in r.headers) is bool(hops)
    with app.app_context():
        handle.engine.dispose()
