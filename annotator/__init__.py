"""annotator: label conflict-news text for training machine-learning models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application (deferred import keeps pure modules framework-free)."""
    from annotator.factory import build_app

    return build_app(test_config)
