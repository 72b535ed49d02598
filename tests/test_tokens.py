"""Personal API tokens: ``Authorization: Bearer`` on /api/ as the token's owner, read and write
scopes, the 401 cases (revocation counts at the next request), CSRF still required of cookies,
no page and no session for a token, the per-token rate limit, the account page and the CLI."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from annotator import create_app
from annotator.annotation.models import Annotation
from annotator.auth import api_tokens
from annotator.auth.models import ApiToken, User
from annotator.db import utcnow
from annotator.extensions import db as handle
from tests.conftest import IsolatedClient, api_headers, csrf_from, login
from tests.factories import make_token, make_user, prepare_project

SENTENCE = "/api/sentences/1/annotation"
SAVE = {"spans": [{"start": 0, "end": 10, "label": "ACTOR"}], "version": 0,
        "status": "in_progress"}


def token_for(session, username: str, scope: str = "read", **kw) -> str:
    """A new token's secret for ``username``, committed."""
    owner = session.scalar(select(User).where(User.username == username))
    secret = make_token(session, owner, scope=scope, **kw)
    session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def annotations(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Annotation)) or 0


def assert_token_refusal(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code
    if status in (401, 403):
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="annotator"')
    assert "Set-Cookie" not in response.headers


def test_read_token_reads_as_its_owner_and_may_not_write(app: Flask, client, db) -> None:
    prepare_project(db.session)
    read, write = token_for(db.session, "ann_a"), token_for(db.session, "ann_a", "write")
    login(client, "ann_a")
    as_cookie = client.get(SENTENCE).json
    anonymous = app.test_client()

    got = anonymous.get(SENTENCE, headers=bearer(read))
    assert got.status_code == 200 and got.json == as_cookie  # the owner's view, no cookie
    assert "Set-Cookie" not in got.headers and anonymous.get_cookie("session") is None
    assert anonymous.head(SENTENCE, headers=bearer(read)).status_code == 200
    for method in ("PUT", "POST", "DELETE", "PATCH", "OPTIONS"):
        refused = anonymous.open(SENTENCE, method=method, json=SAVE, headers=bearer(read))
        assert_token_refusal(refused, 403, "insufficient_scope")
        assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    assert annotations(db.session) == 0

    saved = anonymous.put(SENTENCE, json=SAVE, headers=bearer(write))  # no CSRF token needed
    assert saved.status_code == 200, saved.json
    assert "Set-Cookie" not in saved.headers
    row = db.session.scalar(select(Annotation))
    assert row.annotator_id == db.session.scalar(select(User.id).where(User.username == "ann_a"))


def test_a_token_has_its_owners_roles_and_memberships(app: Flask, db) -> None:
    prepare_project(db.session)
    make_user(db.session, "outsider")  # a member of no project
    secrets = {name: token_for(db.session, name) for name in ("ann_a", "admin1", "outsider")}
    client = app.test_client()
    codes = {name: (client.get(SENTENCE, headers=bearer(secret)).status_code,
                    client.get("/api/sentences/1/gold", headers=bearer(secret)).status_code)
             for name, secret in secrets.items()}
    # As for their log-ins: the annotator reads the sentence but not gold, the admin both,
    # and to the outsider the project does not exist.
    assert codes == {"ann_a": (200, 403), "admin1": (200, 200), "outsider": (404, 404)}


def test_missing_unknown_expired_revoked_and_deactivated_tokens_get_401(app: Flask, db) -> None:
    prepare_project(db.session)
    secrets = {name: token_for(db.session, "ann_a", "write") for name in ("expired", "revoked")}
    deactivated = token_for(db.session, "ann_b")
    client = app.test_client()
    ok = client.get(SENTENCE, headers=bearer(secrets["revoked"]))
    assert ok.status_code == 200
    # revoked between two requests: the very next one is refused (nothing cached)
    token_id = db.session.scalar(select(ApiToken.id).where(
        ApiToken.token_hash == api_tokens.hash_secret(secrets["revoked"])))
    api_tokens.revoke_token(db.session, token_id, None)
    db.session.execute(update(ApiToken).where(
        ApiToken.token_hash == api_tokens.hash_secret(secrets["expired"]))
        .values(expires_at=utcnow() - timedelta(seconds=1)))
    admin = db.session.scalar(select(User).where(User.username == "admin1"))
    from annotator.auth.services import set_active

    set_active(db.session, admin, db.session.scalar(
        select(User.id).where(User.username == "ann_b")), False)
    db.session.commit()

    anonymous = client.get(SENTENCE)  # no token, no log-in: the challenge names Bearer
    assert_token_refusal(anonymous, 401, "unauthorized")
    cases = {
        "Bearer": ("unauthorized", "no token"), "Bearer   ": ("unauthorized", "no token"),
        "Bearer not-a-token": ("invalid_token", "unknown token"),
        "bearer anno_" + "x" * 43: ("invalid_token", "unknown token"),
        "Bearer anno_\u00e9\u00e9": ("invalid_token", "unknown token"),
        f"Bearer {secrets['expired']}": ("invalid_token", "expired"),
        f"Bearer {secrets['revoked']}": ("invalid_token", "revoked"),
        f"Bearer {deactivated}": ("invalid_token", "deactivated"),
    }
    for header, (code, words) in cases.items():
        for method in ("GET", "PUT"):
            response = client.open(SENTENCE, method=method, json=SAVE,
                                   headers={"Authorization": header})
            assert_token_refusal(response, 401, code)
            assert words in response.json["error"]["message"], (header, response.json)
    assert annotations(db.session) == 0


def test_cookie_requests_still_need_csrf_and_a_bearer_header_overrides_the_cookie(
        app: Flask, client, db) -> None:
    prepare_project(db.session)
    read = token_for(db.session, "ann_a")
    login(client, "ann_a")
    no_csrf = client.put(SENTENCE, json=SAVE)
    assert no_csrf.status_code == 400 and no_csrf.json["error"]["code"] == "csrf"
    # With the session cookie AND a token, the token decides: a bad one is 401 (the cookie's
    # user is never used), a read one may not write even with the session's CSRF token.
    headers = api_headers(client)
    assert_token_refusal(client.get(SENTENCE, headers={"Authorization": "Bearer anno_nope"}),
                         401, "invalid_token")
    assert_token_refusal(client.put(SENTENCE, json=SAVE, headers={**headers, **bearer(read)}),
                         403, "insufficient_scope")
    assert annotations(db.session) == 0
    assert client.put(SENTENCE, json=SAVE, headers=headers).status_code == 200  # cookie + CSRF


def test_tokens_open_no_page_and_not_the_token_management(app: Flask, db) -> None:
    prepare_project(db.session)
    write = token_for(db.session, "admin1", "write")
    client = app.test_client()
    for method, url in [("GET", "/projects/"), ("GET", "/account"), ("GET", "/account/tokens"),
                        ("POST", "/account/tokens"), ("POST", "/account/tokens/1/revoke"),
                        ("GET", "/admin/users"), ("POST", "/admin/users/2/tokens/revoke"),
                        ("GET", "/projects/1/export/download?format=jsonl")]:
        response = client.open(url, method=method, data={"name": "x", "scope": "write"},
                               headers=bearer(write))
        assert_token_refusal(response, 401, "token_not_accepted")
    assert client.get_cookie("session") is None
    db.session.expire_all()
    tokens = db.session.scalars(select(ApiToken)).all()
    assert len(tokens) == 1 and tokens[0].revoked_at is None


def limited_app(database_url: str) -> Flask:
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_ENABLED": True, "API_TOKEN_RATE_LIMIT": "3 per minute"})
    app.test_client_class = IsolatedClient
    return app


def test_each_token_is_rate_limited_with_retry_after(database_url: str) -> None:
    app = limited_app(database_url)
    with app.app_context():
        handle.create_all()
        prepare_project(handle.session)
        first, second = token_for(handle.session, "ann_a"), token_for(handle.session, "ann_a")
        handle.session.remove()
    client = app.test_client()
    codes = [client.get(SENTENCE, headers=bearer(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = client.get(SENTENCE, headers=bearer(first))
    assert_token_refusal(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.put(SENTENCE, json=SAVE, headers=bearer(first)).status_code == 429
    # the count is per token, and kept in the database: another app server (a new app on the
    # same database, as after a restart) refuses the first token too
    assert client.get(SENTENCE, headers=bearer(second)).status_code == 200
    other = limited_app(database_url)
    assert other.test_client().get(SENTENCE, headers=bearer(first)).status_code == 429
    for each in (app, other):
        with each.app_context():
            handle.engine.dispose()


def test_last_use_is_written_at_most_once_a_minute(app: Flask, db) -> None:
    prepare_project(db.session)
    secret = token_for(db.session, "ann_a")
    client = app.test_client()

    def last_used():
        db.session.expire_all()
        return db.session.scalar(select(ApiToken.last_used_at))

    assert last_used() is None
    client.get(SENTENCE, headers=bearer(secret))
    first = last_used()
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    client.get(SENTENCE, headers=bearer(secret))
    assert last_used() == first  # less than a minute later: not written again
    db.session.execute(update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
    db.session.commit()
    client.get(SENTENCE, headers=bearer(secret))
    assert last_used() > first - timedelta(seconds=1)


def test_account_page_makes_shows_once_lists_and_revokes(app: Flask, client, db) -> None:
    prepare_project(db.session)
    login(client, "ann_a")
    page = client.get("/account")
    assert 'href="/account/tokens"' in page.get_data(as_text=True)
    csrf = csrf_from(client.get("/account/tokens").get_data(as_text=True))
    for bad in ({"scope": "admin"}, {"expires_days": "0"}, {"name": "x" * 101},
                {"expires_days": "soon"}):
        refused = client.post("/account/tokens", data={"csrf_token": csrf, "name": "ci",
                                                       "scope": "read", **bad})
        assert refused.status_code == 422, bad
    assert client.post("/account/tokens", data={"name": "ci", "scope": "read"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0

    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "nightly pull",
                                                "scope": "write", "expires_days": "30"})
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    secret = html.split('id="secret" class="secret" value="')[1].split('"')[0]
    assert secret.startswith("anno_") and len(secret) == 48
    assert "only time it is shown" in html
    # only the hash is stored, and nothing else holds the secret
    assert token.token_hash == api_tokens.hash_secret(secret) and token.prefix == secret[:13]
    assert secret not in repr([getattr(token, c.key) for c in ApiToken.__table__.columns])
    assert (token.name, token.scope) == ("nightly pull", "write")
    assert timedelta(days=29, hours=23) < token.expires_at - utcnow() <= timedelta(days=30)
    assert "Set-Cookie" not in made.headers or secret not in made.headers["Set-Cookie"]
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing and "nightly pull" in listing

    other = token_for(db.session, "ann_b", "write")
    other_id = db.session.scalar(select(ApiToken.id).where(ApiToken.id != token.id))
    assert client.post(f"/account/tokens/{other_id}/revoke",
                       data={"csrf_token": csrf}).status_code == 404  # not theirs
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert db.session.get(ApiToken, other_id).revoked_at is None
    anonymous = app.test_client()
    assert anonymous.get(SENTENCE, headers=bearer(secret)).status_code == 401
    assert anonymous.get(SENTENCE, headers=bearer(other)).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "revoked" in listing


def test_admin_sees_and_revokes_a_users_tokens(app: Flask, client, db) -> None:
    prepare_project(db.session)
    secrets = [token_for(db.session, "ann_b") for _ in range(2)]
    login(client, "admin1")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'aria-label="Revoke every API token of ann_b"' in page
    ann_b = db.session.scalar(select(User.id).where(User.username == "ann_b"))
    csrf = csrf_from(page)
    assert client.post(f"/admin/users/{ann_b}/tokens/revoke",
                       data={"csrf_token": csrf}).status_code == 302
    db.session.expire_all()
    tokens = db.session.scalars(select(ApiToken)).all()
    admin = db.session.scalar(select(User.id).where(User.username == "admin1"))
    assert {(t.revoked_at is not None, t.revoked_by_id) for t in tokens} == {(True, admin)}
    for secret in secrets:
        assert app.test_client().get(SENTENCE, headers=bearer(secret)).status_code == 401
    # deleting the account (it has no work) deletes its tokens
    assert client.post(f"/admin/users/{ann_b}/delete", data={"csrf_token": csrf}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_prints_the_token_once_alone_on_stdout_and_stores_its_hash(app: Flask, db,
                                                                        caplog) -> None:
    prepare_project(db.session)
    caplog.set_level("INFO", logger="annotator.auth")
    made = run(app, "create-token", "ANN_A", "--scope", "write", "--expires-days", "7",
               "--name", "trainer")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert made.stdout == secret + "\n" and secret.startswith("anno_")
    assert "ann_a" in made.stderr and "shown this once" in made.stderr
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == api_tokens.hash_secret(secret) and token.created_by_id is None
    assert (token.name, token.scope) == ("trainer", "write")
    assert timedelta(days=6, hours=23) < token.expires_at - utcnow() <= timedelta(days=7)
    assert app.test_client().put(SENTENCE, json=SAVE, headers=bearer(secret)).status_code == 200

    listed = run(app, "tokens", "ann_a")
    assert listed.exit_code == 0 and token.prefix + "…" in listed.stdout
    assert secret not in listed.stdout and "trainer" in listed.stdout
    assert "(no tokens)" in run(app, "tokens", "ann_b").stdout
    revoked = run(app, "revoke-token", str(token.id))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert app.test_client().get(SENTENCE, headers=bearer(secret)).status_code == 401
    assert "already revoked" in run(app, "revoke-token", str(token.id)).stdout
    # both events are logged (never the secret), by whom: here the command line
    logged = [r.getMessage() for r in caplog.records if r.name == "annotator.auth"]
    assert logged == [f"API token {token.id} ({token.prefix}, write) for ann_a created by the "
                      "command line", f"API token {token.id} ({token.prefix}) of ann_a revoked by "
                      "the command line"]
    assert "revoked" in run(app, "tokens").stdout

    for args, code, words in [(("create-token", "nobody"), 1, "no user named"),
                              (("create-token", "ann_a", "--expires-days", "0"), 2, "0"),
                              (("create-token", "ann_a", "--scope", "admin"), 2, "admin"),
                              (("revoke-token", "999"), 1, "does not exist"),
                              (("tokens", "nobody"), 1, "no user named")]:
        failed = run(app, *args)
        assert failed.exit_code == code and words in failed.stderr, (args, failed.output)
        assert failed.stdout == ""
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
