"""Flask extensions, created unbound and initialised by the factory (Flask-Migrate is made
there, only for the apps that need it)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from annotator.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// per process; redis://... shared by
# every gunicorn worker). No default limits: only the routes that ask are limited.
limiter = Limiter(key_func=get_remote_address)
