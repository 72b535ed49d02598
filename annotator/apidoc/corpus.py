"""OpenAPI paths of the corpus: a project's documents, and articles uploaded as JSON (pure:
plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.jobs import JOB
from annotator.apidoc.shapes import (
    COUNT,
    NULLABLE_STRING,
    SECURED,
    error_responses,
    id_parameter,
    json_body,
    ok,
    page_of,
    page_parameters,
)

DOCUMENT = {
    "type": "object",
    "required": ["id", "title", "url", "published", "sentences", "excluded"],
    "properties": {"id": COUNT, "title": {"type": "string"}, "url": NULLABLE_STRING,
                   "published": {"type": ["string", "null"], "format": "date"},
                   "sentences": COUNT, "excluded": COUNT},
}
ARTICLE_IN = {
    "type": "object", "required": ["title", "text"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 500},
        "text": {"type": "string", "minLength": 1,
                 "description": "the article; split into sentences with exact offsets"},
        "url": {"type": ["string", "null"], "maxLength": 2000},
        "published": {"type": ["string", "null"], "format": "date",
                      "description": "YYYY-MM-DD (or an ISO 8601 date-time)"},
    },
}
UPLOAD_IN = {
    "type": "object", "required": ["articles"], "additionalProperties": False,
    "properties": {"articles": {"type": "array", "minItems": 1, "items": ARTICLE_IN}},
}

PATHS: dict[str, Any] = {
    "/api/projects/{project_id}/documents": {
        "parameters": [id_parameter("project_id", "project")],
        "get": {
            "operationId": "listDocuments", "tags": ["corpus"], "security": SECURED,
            "summary": "The project's documents by id, with sentence counts (project admins)",
            "parameters": page_parameters(100),
            "responses": {**ok("One page of documents", page_of(DOCUMENT)),
                          **error_responses("403")},
        },
        "post": {
            "operationId": "uploadArticles", "tags": ["corpus"], "security": SECURED,
            "summary": "Import articles as a background job (project admins)",
            "description": "The articles are checked at once: a bad one is refused (422, "
                           "naming it as articles[i]) and nothing is queued. Then the import "
                           "runs as a job (202, Location: /api/jobs/<id>; its result: "
                           "documents_added, sentences_added, excluded_sentences, skipped), "
                           "all or nothing. An article whose text the project already has is "
                           "skipped.",
            "requestBody": json_body(UPLOAD_IN, "the articles"),
            "responses": {**ok("Queued as a job", JOB, "202"),
                          **error_responses("403", "413", "422")},
        },
    },
}
