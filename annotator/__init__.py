"""annotator: label conflict-news text for training machine-learning models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None, **parts: bool) -> Flask:
    """Build the Flask application (``parts``: see ``annotator.factory.build_app``)."""
    # Deferred: importing any annotator module imports this package first, and a pure module
    # (annotator.agreement, annotator.spans ...) must not pull in Flask and the whole app.
    from annotator.factory import build_app

    return build_app(test_config, **parts)
