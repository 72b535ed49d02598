"""OpenAPI paths of batches: the annotator's queue, a project's batches (list, create) and
one batch with its progress (pure: plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import (
    COUNT,
    MAX_ROW_ID,
    SECURED,
    error_responses,
    id_parameter,
    json_body,
    ok,
    query,
)

SOURCES = ["remaining", "sample", "documents"]
BATCH = {
    "type": "object",
    "required": ["id", "project_id", "name", "source", "overlap", "seed", "sentences",
                 "annotators", "created_at", "archived"],
    "properties": {
        "id": COUNT, "project_id": COUNT, "name": {"type": "string"},
        "source": {"type": "string"}, "overlap": COUNT, "seed": {"type": ["integer", "null"]},
        "sentences": COUNT,
        "annotators": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "archived": {"type": "boolean"},
    },
}
PROGRESS = {
    "type": "object",
    "required": ["annotator", "assigned", "done", "skipped", "in_progress", "remaining",
                 "flagged", "median_seconds", "last_activity"],
    "properties": {
        "annotator": {"type": "string"}, "assigned": COUNT, "done": COUNT, "skipped": COUNT,
        "in_progress": COUNT, "remaining": {"type": "integer"}, "flagged": COUNT,
        "median_seconds": {"type": ["number", "null"]},
        "last_activity": {"type": ["string", "null"], "format": "date-time"},
    },
}
BATCH_IN = {
    "type": "object", "required": ["annotators"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 200,
                 "description": "default: Batch n"},
        "source": {"type": "string", "enum": SOURCES, "default": "remaining",
                   "description": "remaining: every sentence in no live batch; sample: a "
                                  "random sample of them; documents: those of chosen documents"},
        "annotators": {"type": "array", "minItems": 1,
                       "items": {"type": "string", "minLength": 1}},
        "overlap": {"type": "integer", "minimum": 1, "default": 1,
                    "description": "annotators per sentence (at most the annotators given)"},
        "seed": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID, "default": 0},
        "sample": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID,
                   "description": "for source sample: how many sentences"},
        "documents": {"type": "array", "maxItems": 100_000,
                      "items": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
                      "description": "for source documents: the document ids"},
    },
}
CREATED = {**BATCH, "required": [*BATCH["required"], "per_annotator", "message"],
           "properties": {**BATCH["properties"],
                          "per_annotator": {"type": "object", "additionalProperties": COUNT},
                          "message": {"type": "string"}}}
SHOWN = {**BATCH, "required": [*BATCH["required"], "progress"],
         "properties": {**BATCH["properties"],
                        "progress": {"type": "array", "items": PROGRESS}}}

PATHS: dict[str, Any] = {
    "/api/queue/next": {
        "get": {
            "operationId": "nextInQueue", "tags": ["batches"], "security": SECURED,
            "summary": "The next unfinished sentence of the caller's queue in a batch",
            "parameters": [{**query("batch", "the batch id", {
                "type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}), "required": True}],
            "responses": {
                **ok("The next sentence", {"type": "object", "required": ["sentence_id"],
                                            "properties": {"sentence_id": COUNT}}),
                "204": {"description": "The caller's queue in this batch is finished"},
                **error_responses("403", "422"),
            },
        },
    },
    "/api/projects/{project_id}/batches": {
        "parameters": [id_parameter("project_id", "project")],
        "get": {
            "operationId": "listBatches", "tags": ["batches"], "security": SECURED,
            "summary": "The project's batches, newest first (project admins)",
            "responses": {**ok("The batches", {
                "type": "object", "required": ["batches"],
                "properties": {"batches": {"type": "array", "items": BATCH}}}),
                **error_responses("403")},
        },
        "post": {
            "operationId": "createBatch", "tags": ["batches"], "security": SECURED,
            "summary": "Create a batch and assign it with overlap (project admins)",
            "description": "The rules of the batch form: every problem of the body is named "
                           "at once (422); unknown or deactivated users, documents of another "
                           "project and an empty selection are refused too. The annotators "
                           "become members of the project.",
            "requestBody": json_body(BATCH_IN, "the batch to create"),
            "responses": {**ok("Created", CREATED, "201"),
                          **error_responses("403", "413", "422")},
        },
    },
    "/api/batches/{batch_id}": {
        "parameters": [id_parameter("batch_id", "batch")],
        "get": {
            "operationId": "getBatch", "tags": ["batches"], "security": SECURED,
            "summary": "A batch and its progress (every annotator's for project admins, "
                       "one's own for an annotator with work in it)",
            "responses": {**ok("The batch", SHOWN), **error_responses("403")},
        },
    },
}
