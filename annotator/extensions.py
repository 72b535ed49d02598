"""The database extension, created unbound and initialised by the factory. It is all a command
needs; the web layer's own extensions (log-in sessions, CSRF, rate limits) live in
``annotator.web_extensions`` so that commands never import them, and Flask-Migrate is made in the
factory, only for the apps that need it."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

from annotator.db import Base

db = SQLAlchemy(model_class=Base)
