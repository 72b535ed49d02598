"""OpenAPI paths of the description itself: the document and its page for people (pure:
plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import STATUS_TEXT

PATHS: dict[str, Any] = {
    "/api/openapi.json": {
        "get": {
            "operationId": "getOpenAPI", "tags": ["description"], "security": [],
            "summary": "This OpenAPI 3.1 document",
            "responses": {
                "200": {"description": "The document",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": STATUS_TEXT["400"],
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"}}}},
            },
        },
    },
    "/api/docs": {
        "get": {
            "operationId": "getDocs", "tags": ["description"], "security": [],
            "summary": "This document as a page for people (HTML)",
            "responses": {
                "200": {"description": "The page",
                        "content": {"text/html": {"schema": {"type": "string"}}}},
                "400": {"description": STATUS_TEXT["400"],
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"}}}},
            },
        },
    },
}
