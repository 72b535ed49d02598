"""The web layer of the app: security headers and cookies, URL converters, log-in, API tokens,
CSRF, rate limits, every blueprint and the error pages."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from annotator import wording
from annotator.adjudication import api as adjudication_api
from annotator.adjudication import views as adjudication_views
from annotator.annotation import api as annotation_api
from annotator.annotation import views as annotation_views
from annotator.annotation.queries import get_schema
from annotator.apidoc import api as apidoc_api
from annotator.assignments import api as assignments_api
from annotator.assignments import views as assignments_views
from annotator.audit import views as audit_views
from annotator.auth import bearer
from annotator.auth import views as auth_views
from annotator.auth.services import unauthorized
from annotator.corpus import api as corpus_api
from annotator.corpus import views as corpus_views
from annotator.db import MAX_ROW_ID
from annotator.errors import DomainError
from annotator.export import api as export_api
from annotator.export import views as export_views
from annotator.extensions import db
from annotator.inputs import InputError
from annotator.jobs import api as jobs_api
from annotator.jobs import views as jobs_views
from annotator.learning import views as learning_views
from annotator.ops import views as ops_views
from annotator.projects import api as projects_api
from annotator.projects import views as project_views
from annotator.projects.guards import current_access, register_template_access
from annotator.reports import api as reports_api
from annotator.reports import views as reports_views
from annotator.suggestions import api as suggestions_api
from annotator.suggestions import views as suggestions_views
from annotator.transactions import database_busy
from annotator.web_extensions import csrf, limiter, login_manager
from annotator.web_input import refuse_unstorable_text


def register(app: Flask) -> None:
    """Everything a browser or an API client meets, in order."""
    register_proxy_fix(app)
    register_security(app)
    register_url_converters(app)
    app.before_request(refuse_unstorable_text)
    register_login(app)
    register_blueprints(app)
    register_template_access(app)
    register_wording(app)
    register_error_handlers(app)


def register_wording(app: Flask) -> None:
    """The filters pages write their words with: ``n|plural('document')``, ``text|snippet(80)``,
    ``status|status_name``."""
    app.add_template_filter(wording.plural, "plural")
    app.add_template_filter(wording.snippet, "snippet")
    app.add_template_filter(wording.status_name, "status_name")
    app.add_template_global(lambda key: current_names().label(key), "label_name")
    app.add_template_global(
        lambda label, attributes=None: current_names().tag(label, attributes), "span_words")
    app.add_template_global(
        lambda label, attributes=None: current_names().badge(label, attributes), "span_tag")


def current_names() -> wording.DisplayNames:
    """The display names of the project this request is in (read once per request); keys
    stand for themselves outside a project."""
    names = g.get("display_names")
    if names is None:
        access = current_access()
        names = (wording.DisplayNames.of(get_schema(db.session, access.project_id))
                 if access is not None else wording.DisplayNames({}, {}))
        g.display_names = names
    return names


def register_login(app: Flask) -> None:
    """Sessions (Flask-Login), personal API tokens (``Authorization: Bearer``), CSRF protection
    (of every request but a token's) and the rate limits (log-in, per token)."""
    bearer.register(app, csrf=csrf, limiter=limiter, login_manager=login_manager)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
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
    """Mark the session cookie Secure whenever the request came over HTTPS; never set one on
    the answer to a request with an API token (it neither creates nor refreshes a session)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if has_request_context() and bearer.is_token_request():
            return
        super().save_session(app, session, response)


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
    """``<int:...>`` limited to ids a row can have (at most 2**31-1), in ASCII digits (``\\d``
    would also match "١٢", which int() reads as 12)."""

    regex = r"[0-9]+"

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
    app.register_blueprint(jobs_views.bp)
    app.register_blueprint(jobs_api.api_bp)
    app.register_blueprint(projects_api.api_bp)
    app.register_blueprint(corpus_api.api_bp)
    app.register_blueprint(reports_api.api_bp)
    app.register_blueprint(export_api.api_bp)
    app.register_blueprint(apidoc_api.api_bp)
    app.register_blueprint(suggestions_views.bp)
    app.register_blueprint(suggestions_api.api_bp)
    app.register_blueprint(learning_views.bp)


def wants_json() -> bool:
    return request.path.startswith("/api/")


ERROR_TITLES = {
    400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed here",
    409: "Changed meanwhile", 413: "Too large", 422: "Cannot be done", 429: "Too many requests",
    500: "Something went wrong",
}


def error_page(code: int, message: str) -> tuple[str, int]:
    """An HTML error page that says what happened and offers a way back."""
    referrer = request.referrer
    # "Back" only to a page of this site (and not to the page that failed).
    back = referrer if (referrer and referrer.startswith(request.host_url)
                        and referrer != request.url) else None
    return render_template(
        "errors/error.html", code=code, title=ERROR_TITLES.get(code, "Error"),
        message=message, back_url=back,
    ), code


def _sentence(message: str) -> str:
    """A domain error's message as a sentence for a page ("this sentence is ..." -> "This ...")."""
    text = message[:1].upper() + message[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        if wants_json():
            return jsonify(error=err.to_json()), err.status
        # A page (a sentence not assigned to this user, one that does not exist): an HTML
        # page with a way back, never the API's JSON.
        return error_page(err.status, _sentence(err.message))

    @app.errorhandler(InputError)
    def input_error(err: InputError):
        # A value refused by annotator.inputs (a number out of range, NUL in text, ...): the
        # request's own fault, so 400 with the reason; nothing was written (rolled back).
        db.session.rollback()
        if wants_json():
            return jsonify(error={"code": "bad_request", "message": str(err)}), 400
        return error_page(400, str(err))

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        if wants_json():
            return jsonify(error={"code": "csrf", "message": err.description}), 400
        return error_page(400, err.description)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if wants_json():
            body = {"code": err.name.lower().replace(" ", "_"), "message": err.description}
            return jsonify(error=body), err.code
        return error_page(err.code or 500, err.description or err.name)

    @app.errorhandler(DBAPIError)
    def database_error(err: DBAPIError):
        """A busy database (lock timeout, serialization failure) is 503 + Retry-After: the
        editor retries; any other database error stays a 500."""
        db.session.rollback()
        if not database_busy(err):
            raise err
        retry = str(app.config["BUSY_RETRY_AFTER_SECONDS"])
        message = "The database is busy; try again in a moment."
        if wants_json():
            response = jsonify(error={"code": "busy", "message": message})
        else:
            response = app.make_response(
                render_template("errors/error.html", code=503, message=message)
            )
        response.status_code = 503
        response.headers["Retry-After"] = retry
        return response

    @app.errorhandler(500)
    def server_error(err):
        if wants_json():
            return jsonify(error={"code": "server_error", "message": "internal error"}), 500
        return error_page(500, "Internal error.")
