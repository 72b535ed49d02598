"""Log-in and log-out pages."""

from __future__ import annotations

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
from flask_login import current_user, login_required, login_user, logout_user

from annotator.auth import accounts, services
from annotator.auth.forms import LoginForm, PasswordForm, RoleForm, UserForm
from annotator.auth.services import admin_required, authenticate
from annotator.errors import DomainError
from annotator.extensions import db
from annotator.transactions import unit_of_work
from annotator.web_extensions import limiter

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
    return "account:" + (request.form.get("username") or "").strip().lower()[:80]


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
            session.clear()  # a fresh session at log-in (no fixation)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("projects.home"))
        flash("Unknown user name or wrong password.", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


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
    return (
        render_template(
            "auth/users.html", users=services.list_users(db.session), form=form,
            password_form=PasswordForm(),
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
    if form.validate_on_submit():
        with unit_of_work(db.session):
            services.reset_password(db.session, user_id, form.password.data)
        flash(f"New password set for {user.username}; their sessions were ended.", "success")
    else:
        flash("Password not changed: it must be at least 8 characters.", "error")
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
