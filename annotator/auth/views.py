"""Log-in and log-out, the user's own account page and API tokens, and the users admin page."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from annotator.auth import accounts, api_tokens, services, sessions
from annotator.auth.forms import (
    ChangePasswordForm,
    LoginForm,
    PasswordForm,
    RoleForm,
    TokenForm,
    UserForm,
)
from annotator.auth.names import username_key
from annotator.auth.services import admin_required, authenticate
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.transactions import unit_of_work
from annotator.web_extensions import limiter
from annotator.wording import plural

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only follow a ``next`` that stays on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _account_key() -> str:
    """The per-account limit counts a user name (as its key: any case variant) *from one
    address*: someone hammering an account elsewhere never locks its owner out."""
    name = username_key((request.form.get("username") or "")[:200])
    # Hashed: fixed length, safe for any store, and no typed name (or a password typed in the
    # wrong field) is kept in the counters' table.
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"account:{digest}|{get_remote_address()}"


def _new_session() -> dict:
    """What a new log-in session records: its lifetime, the address and the browser."""
    return {"lifetime": current_app.permanent_session_lifetime,
            "address": get_remote_address() or "", "user_agent": request.user_agent.string}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], scope="login-address",
    error_message="Too many log-in attempts from this address; wait a minute and try again.",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], scope="login-account",
    key_func=_account_key,
    error_message="Too many log-in attempts for this account; wait a minute and try again.",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("projects.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is not None:
            with unit_of_work(db.session):
                sessions.start_session(db.session, user, **_new_session())
            session.clear()  # a fresh session at log-in (no fixation)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("projects.home"))
        flash("Unknown user name or wrong password.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    with unit_of_work(db.session):
        sessions.end_session(db.session, current_user.login_key)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _account_page(form: ChangePasswordForm, status: int = 200):
    logins = sessions.list_sessions(db.session, current_user.id)
    current = [login.id for login in logins if sessions.is_current(login, current_user.login_key)]
    total = sessions.count_sessions(db.session, current_user.id).get(current_user.id, 0)
    live_tokens = api_tokens.count_live_tokens(db.session).get(current_user.id, 0)
    return render_template("auth/account.html", form=form, logins=logins, total=total,
                           current_login=current[0] if current else None,
                           live_tokens=live_tokens), status


@bp.get("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm())


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with unit_of_work(db.session, catch=DomainError) as work:
            ended = services.change_password(
                db.session, user, form.current.data, form.new.data, **_new_session())
        if not work.failed:
            session.clear()  # this session goes on under its new secret
            login_user(user)
            flash(f"Password changed; {plural(ended, 'other session')} ended, this one stays.",
                  "success")
            return redirect(url_for("auth.account"))
        flash(work.message, "error")
    else:
        for errors in form.errors.values():
            flash(f"Password not changed: {' '.join(errors)}", "error")
    return _account_page(form, 422)


@bp.post("/account/logout-everywhere")
@login_required
def log_out_everywhere():
    with unit_of_work(db.session):
        services.log_out_everywhere(db.session, current_user.id)
    logout_user()
    session.clear()
    flash("You were logged out everywhere, on this device too.", "success")
    return redirect(url_for("auth.login"))


def _tokens_page(form: TokenForm, status: int = 200):
    tokens = api_tokens.list_tokens(db.session, current_user.id)
    return render_template("auth/tokens.html", form=form, tokens=tokens), status


@bp.get("/account/tokens")
@login_required
def list_tokens():
    return _tokens_page(TokenForm())


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, 422)
    user = current_user._get_current_object()
    with unit_of_work(db.session, catch=DomainError) as work:
        made = api_tokens.create_token(db.session, user, name=form.name.data,
                                       scope=form.scope.data,
                                       expires_days=form.expires_days.data, actor=user)
    if work.failed:
        flash(f"No token made: {work.message}", "error")
        return _tokens_page(form, 422)
    # The secret is shown on this answer only (never in a URL, a flash or the session cookie).
    return render_template("auth/token_created.html", token=made.token, secret=made.secret), 201


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    with unit_of_work(db.session):
        token, revoked = api_tokens.revoke_token(db.session, token_id, current_user,
                                                 owner_id=current_user.id)
    flash(f"Token {token.name!r} ({token.prefix}…) "
          f"{'revoked: it opens nothing from now on' if revoked else 'was already revoked'}.",
          "success")
    return redirect(url_for("auth.list_tokens"))


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def list_users():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(db.session, catch=DomainError) as work:
            user = services.create_user(
                db.session, form.username.data, form.password.data, form.role.data
            )
        if not work.failed:
            flash(f"Created {user.role} {user.username}.", "success")
            return redirect(url_for("auth.list_users"))
        flash(f"No user created: {work.message}", "error")
        status = 422
    elif form.errors:
        status = 422
    users, pager = services.users_page(db.session, request.args.get("page"))
    return (
        render_template(
            "auth/users.html", users=users, pager=pager, form=form, password_form=PasswordForm(),
            session_counts=sessions.count_sessions(db.session),
            token_counts=api_tokens.count_live_tokens(db.session),
        ),
        status,
    )


@bp.post("/admin/users/<int:user_id>/active")
@admin_required
def toggle_active(user_id: int):
    user = services.get_user(db.session, user_id)
    with unit_of_work(db.session, catch=DomainError) as work:
        services.set_active(db.session, current_user, user_id, not user.active)
    if work.failed:
        flash(work.message, "error")
    else:
        flash(f"{user.username} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/password")
@admin_required
def reset_password(user_id: int):
    form = PasswordForm()
    user = services.get_user(db.session, user_id)
    if not form.validate_on_submit():
        flash("Password not changed: type the new password.", "error")
        return redirect(url_for("auth.list_users"))
    with unit_of_work(db.session, catch=DomainError) as work:
        services.reset_password(db.session, user_id, form.password.data)
    if work.failed:
        flash(f"Password not changed for {user.username}: {work.message}", "error")
    else:
        flash(f"New password set for {user.username}; their sessions were ended.", "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/logout-everywhere")
@admin_required
def log_user_out_everywhere(user_id: int):
    user = services.get_user(db.session, user_id)
    with unit_of_work(db.session):
        ended = services.log_out_everywhere(db.session, user_id)
    flash(f"{user.username} was logged out everywhere ({plural(ended, 'session')} ended).",
          "success")
    if user_id == current_user.id:
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/tokens/revoke")
@admin_required
def revoke_user_tokens(user_id: int):
    user = services.get_user(db.session, user_id)
    with unit_of_work(db.session):
        revoked = api_tokens.revoke_all(db.session, user_id, current_user)
    flash(f"{plural(revoked, 'API token')} of {user.username} revoked.", "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    form = RoleForm()
    services.get_user(db.session, user_id)  # 404 first
    if not form.validate_on_submit():
        flash("Role not changed: choose annotator, curator or admin.", "error")
        return redirect(url_for("auth.list_users"))
    with unit_of_work(db.session, catch=DomainError) as work:
        user = accounts.set_role(db.session, current_user, user_id, form.role.data)
    if work.failed:
        flash(f"Role not changed: {work.message}", "error")
    else:
        flash(f"{user.username} is now {user.role}.", "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/delete")
@admin_required
def delete_user(user_id: int):
    services.get_user(db.session, user_id)  # 404 first
    with unit_of_work(db.session, catch=DomainError) as work:
        name = accounts.delete_user(db.session, current_user, user_id)
    if work.failed:
        flash(f"Not deleted: {work.message}", "error")
    else:
        flash(f"Deleted the account {name}.", "success")
    return redirect(url_for("auth.list_users"))
