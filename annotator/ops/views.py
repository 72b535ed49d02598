"""Operational endpoints: the health check load balancers poll (``ops/health.py``), and the
favicon browsers ask for at /favicon.ico."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from annotator.extensions import db
from annotator.ops.health import check_health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """The database, Redis (when configured) and the job queue: 200 when all that is needed
    answers, 503 otherwise. No log-in needed."""
    health = check_health(db.session, current_app.config.get("REDIS_URL"))
    return jsonify(health.body), 200 if health.healthy else 503


@bp.get("/favicon.ico")
def favicon():
    """The app's icon (an SVG) where browsers and tools look for it without a <link>."""
    response = current_app.send_static_file("favicon.svg")
    response.cache_control.max_age = 86400
    return response
