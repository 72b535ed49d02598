"""The OpenAPI 3.1 document of the JSON API, assembled from one module per route group (pure).

To describe a new /api/ route, add it to its group's ``PATHS`` (or a new group to ``GROUPS``):
``tests/api/test_openapi.py`` fails while a route of the app is missing here or a path here
has no route, and validates the whole document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.apidoc import (
    adjudication,
    annotation,
    assignments,
    corpus,
    export,
    jobs,
    meta,
    projects,
    reports,
    suggestions,
)
from annotator.apidoc.shapes import ERROR_SCHEMA, SECURED, SECURITY_SCHEMES

GROUPS = (projects, corpus, annotation, adjudication, assignments, reports, suggestions, jobs, meta)
TAGS = [
    {"name": "projects", "description": "The caller's projects and their sentences"},
    {"name": "corpus", "description": "Documents and article uploads"},
    {"name": "annotations", "description": "An annotator's annotation of a sentence"},
    {"name": "gold", "description": "Gold standard and adjudication"},
    {"name": "batches", "description": "Batches, their progress and the annotator's queue"},
    {"name": "agreement", "description": "Inter-annotator agreement"},
    {"name": "export", "description": "The gold standard in every export format"},
    {"name": "jobs", "description": "Background jobs: progress, result, cancel"},
    {"name": "description", "description": "This description"},
]


def build_document(export_content_types: Mapping[str, str]) -> dict[str, Any]:
    """The whole document; ``export_content_types``: each export format's media type."""
    paths: dict[str, Any] = {}
    for group in GROUPS:
        paths.update(group.PATHS)
    paths.update(export.paths(export_content_types))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "annotator API",
            "version": "1",
            "description": "JSON API of the annotator: the same rights as the pages (a "
                           "project is visible to its members and site admins only; to "
                           "anyone else it does not exist: 404). Errors are "
                           '{"error": {"code", "message"}}. See docs/api.md.',
        },
        "tags": TAGS,
        "security": SECURED,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": {"Error": ERROR_SCHEMA},
                       "securitySchemes": SECURITY_SCHEMES},
    }
