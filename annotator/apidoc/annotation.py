"""OpenAPI paths of annotations: an annotator's annotation of a sentence (read, save, reopen)
and the sentence's whole article (pure: plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import (
    COUNT,
    MAX_ROW_ID,
    NULLABLE_STRING,
    RELATION,
    SECURED,
    SENTENCE_FACTS,
    SPAN,
    TOKENS,
    VERSION_STATUS,
    error_responses,
    id_parameter,
    json_body,
    ok,
)

STATUS = {"type": "string", "enum": ["in_progress", "done", "skipped"]}
SENTENCE = id_parameter("sentence_id", "sentence")

ANNOTATION_STATE = {
    "type": "object",
    "required": ["sentence", "tokens", "spans", "relations", "status", "version", "flagged",
                 "flag_comment", "frozen"],
    "properties": {
        "sentence": SENTENCE_FACTS, "tokens": TOKENS,
        "spans": {"type": "array", "items": SPAN},
        "relations": {"type": "array", "items": RELATION},
        "status": {"type": ["string", "null"], "description": "null: not started"},
        "version": COUNT, "flagged": {"type": "boolean"}, "flag_comment": {"type": "string"},
        "frozen": {"type": "boolean",
                   "description": "counted by adjudication: only an admin may reopen it"},
    },
}
ANNOTATION_IN = {
    "type": "object",
    "required": ["spans", "version"],
    "additionalProperties": False,
    "properties": {
        "spans": {"type": "array", "items": SPAN},
        "relations": {"type": "array", "items": RELATION},
        "version": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID,
                    "description": "the version read; 0 for a first save"},
        "status": STATUS,
        "time_spent": {"type": "number", "minimum": 0},
        "flagged": {"type": "boolean"},
        "flag_comment": {"type": "string", "maxLength": 2000},
    },
}
ARTICLE = {
    "type": "object",
    "required": ["sentence_id", "sentence_index", "title", "sentence_count", "pieces"],
    "properties": {
        "sentence_id": COUNT, "sentence_index": COUNT, "title": {"type": "string"},
        "url": NULLABLE_STRING, "link": NULLABLE_STRING, "outlet": NULLABLE_STRING,
        "published": {"type": ["string", "null"], "format": "date"},
        "sentence_count": COUNT,
        "pieces": {"type": "array", "items": {
            "type": "object", "required": ["text", "index", "current", "excluded"],
            "properties": {"text": {"type": "string"}, "index": {"type": ["integer", "null"]},
                           "current": {"type": "boolean"}, "excluded": {"type": "boolean"}}}},
    },
}

PATHS: dict[str, Any] = {
    "/api/sentences/{sentence_id}/annotation": {
        "parameters": [SENTENCE],
        "get": {
            "operationId": "getAnnotation", "tags": ["annotations"], "security": SECURED,
            "summary": "The caller's own annotation of a sentence they may open",
            "responses": {**ok("The annotation (version 0 and no spans before the first save)",
                               ANNOTATION_STATE), **error_responses("403")},
        },
        "put": {
            "operationId": "putAnnotation", "tags": ["annotations"], "security": SECURED,
            "summary": "Save the caller's annotation: spans and relations together",
            "description": "Spans are validated against the sentence and the label schema "
                           "(offsets on token boundaries, known labels, no overlap). The "
                           "version must be the one read: a stale one answers 409.",
            "requestBody": json_body(ANNOTATION_IN, "the whole annotation"),
            "responses": {**ok("Saved: the new version", VERSION_STATUS),
                          **error_responses("403", "409", "413", "422")},
        },
    },
    "/api/sentences/{sentence_id}/article": {
        "parameters": [SENTENCE],
        "get": {
            "operationId": "getArticle", "tags": ["annotations"], "security": SECURED,
            "summary": "The whole article of a sentence the caller may open",
            "responses": {**ok("The article, cut into its sentences", ARTICLE),
                          **error_responses("403")},
        },
    },
    "/api/sentences/{sentence_id}/annotations/{user_id}/reopen": {
        "parameters": [SENTENCE, id_parameter("user_id", "annotator")],
        "post": {
            "operationId": "reopenAnnotation", "tags": ["annotations"], "security": SECURED,
            "summary": "Reopen an annotator's frozen annotation (project admins)",
            "responses": {**ok("Reopened", VERSION_STATUS),
                          **error_responses("403", "409", "422")},
        },
    },
}
