"""The web layer's extensions, created unbound and initialised by ``annotator.web``: log-in
sessions (Flask-Login), CSRF protection (Flask-WTF) and rate limits (Flask-Limiter). Kept apart
from ``annotator.extensions`` so that a command line run imports none of them."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from annotator.auth import limit_storage  # noqa: F401  (registers the database:// storage)

login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI: database:// (the default: the app's database,
# shared by every worker and server), redis://..., or memory:// (one process alone, tests).
# No default limits: only the routes that ask are limited.
limiter = Limiter(key_func=get_remote_address)
