"""The web layer of the app: security headers and cookies, URL converters, log-in, CSRF, rate
limits, every blueprint and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from annotator.adjudication import api as adjudication_api
from annotator.adjudication import views as adjudication_views
from annotator.annotation import api as annotation_api
from annotator.annotation import views as annotation_views
from annotator.assignments import api as assignments_api
from annotator.assignments import views as assignments_views
from annotator.audit import views as audit_views
from annotator.auth import views as auth_views
from annotator.auth.services import load_user, unauthorized
from annotator.corpus import views as corpus_views
from annotator.db import MAX_ROW_ID
from annotator.errors import DomainError
from annotator.export import views as export_views
from annotator.extensions import db
from annotator.ops import views as ops_views
from annotator.projects import views as project_views
from annotator.projects.guards import register_template_access
from annotator.reports import views as reports_views
from annotator.web_extensions import csrf, limiter, login_manager


def register(app: Flask) -> None:
    """Everything a browser or an API client meets, in order."""
    register_proxy_fix(app)
    register_security(app)
    register_url_converters(app)
    register_login(app)
    register_blueprints(app)
    register_template_access(app)
    register_error_handlers(app)


def register_login(app: Flask) -> None:
    """Sessions (Flask-Login), CSRF protection and the log-in rate limits."""
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from PROXY_HOPS reverse proxies (0: none, the default)."""
    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere: data travels in JSON script tags
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


def register_security(app: Flask) -> None:
    """Security headers on every response and HTTPS-aware session cookies."""
    app.session_interface = SessionInterface()

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html" or request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response


class RowIdConverter(IntegerConverter):
    """``<int:...>`` limited to ids a row can have (at most 2**31-1)."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(project_views.bp)
    app.register_blueprint(corpus_views.bp)
    app.register_blueprint(annotation_views.bp)
    app.register_blueprint(annotation_api.api_bp)
    app.register_blueprint(assignments_views.bp)
    app.register_blueprint(assignments_api.api_bp)
    app.register_blueprint(ops_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(export_views.bp)
    app.register_blueprint(adjudication_views.bp)
    app.register_blueprint(adjudication_api.api_bp)
    app.register_blueprint(reports_views.bp)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        return jsonify(error=err.to_json()), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        if wants_json():
            return jsonify(error={"code": "csrf", "message": err.description}), 400
        return render_template("errors/error.html", code=400, message=err.description), 400

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if wants_json():
            body = {"code": err.name.lower().replace(" ", "_"), "message": err.description}
            return jsonify(error=body), err.code
        return (
            render_template("errors/error.html", code=err.code, message=err.description),
            err.code,
        )

    @app.errorhandler(500)
    def server_error(err):
        if wants_json():
            return jsonify(error={"code": "server_error", "message": "internal error"}), 500
        return render_template("errors/error.html", code=500, message="Internal error."), 500
