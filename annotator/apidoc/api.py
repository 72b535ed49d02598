"""The API's description served by the app itself: ``/api/openapi.json`` for tools and
``/api/docs``, the same document as a page for people (no script, nothing from elsewhere)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from annotator.apidoc.document import build_document
from annotator.apidoc.page import sections
from annotator.apidoc.shapes import STATUS_TEXT
from annotator.export.services import MEDIA_TYPES

api_bp = Blueprint("apidoc_api", __name__, url_prefix="/api")


def openapi_document() -> dict:
    """The OpenAPI document of this app (its export formats included)."""
    return build_document(MEDIA_TYPES)


@api_bp.get("/openapi.json")
def get_openapi():
    """The OpenAPI 3.1 document of every /api/ route."""
    return jsonify(openapi_document())


@api_bp.get("/docs")
def show_docs():
    """The API described for people, one section per group of routes."""
    document = openapi_document()
    return render_template("apidoc/docs.html", info=document["info"],
                           sections=sections(document), statuses=STATUS_TEXT,
                           schemes=document["components"]["securitySchemes"])
