"""Operational endpoints: the health check load balancers poll, and the favicon browsers ask
for at /favicon.ico."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from annotator.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers a query, 503 otherwise. No log-in needed."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        db.session.rollback()
        return jsonify(status="error", database=type(err).__name__), 503
    return jsonify(
        status="ok",
        database=db.engine.dialect.name,
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@bp.get("/favicon.ico")
def favicon():
    """The app's icon (an SVG) where browsers and tools look for it without a <link>."""
    response = current_app.send_static_file("favicon.svg")
    response.cache_control.max_age = 86400
    return response
