"""OpenAPI paths of projects: the caller's projects and a project's sentence list with the
sentence search filters (pure: plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import (
    COUNT,
    MAX_ROW_ID,
    SECURED,
    error_responses,
    id_parameter,
    ok,
    page_of,
    page_parameters,
    query,
)

ROLE = {"type": "string", "enum": ["annotator", "curator", "admin"]}
SENTENCE_STATUS = {"type": "string", "enum": ["new", "in_progress", "done", "skipped"]}
YES_NO = {"type": "string", "enum": ["yes", "no"]}
PROJECT = {
    "type": "object", "required": ["id", "name", "role", "created_at"],
    "properties": {"id": COUNT, "name": {"type": "string"},
                   "role": {**ROLE, "description": "the role the caller acts with there"},
                   "created_at": {"type": "string", "format": "date-time"}},
}
LISTED_SENTENCE = {
    "type": "object",
    "required": ["id", "document_id", "document_title", "index", "text", "excluded", "status",
                 "spans"],
    "properties": {
        "id": COUNT, "document_id": COUNT, "document_title": {"type": "string"},
        "index": COUNT, "text": {"type": "string"}, "excluded": {"type": "boolean"},
        "status": {**SENTENCE_STATUS, "description": "the caller's own annotation's status"},
        "spans": {**COUNT, "description": "spans of the caller's own annotation"},
        "gold": {"type": "string", "enum": ["none", "partial", "complete"],
                 "description": "curators and admins"},
        "counts": {"type": "object", "additionalProperties": COUNT,
                   "description": "curators and admins: annotators at each status"},
        "annotators": {
            "type": "array", "description": "admins: each annotator's status by name",
            "items": {"type": "object", "required": ["name", "status", "flagged"],
                      "properties": {"name": {"type": "string"}, "status": {"type": "string"},
                                     "flagged": {"type": "boolean"}}}},
    },
}
FILTERS = [
    query("q", "text the sentence contains (accents, harakat and case ignored; at most 200 "
               "characters)", {"type": "string", "maxLength": 200}),
    query("status", "the status (the caller's own for annotators; the annotator's with "
                    "annotator=)", SENTENCE_STATUS),
    query("label", "a span with this label (a schema key)", {"type": "string"}),
    query("event_type", "a span with this event type (a schema key)", {"type": "string"}),
    query("annotator", "admins: a member's user id; status, label, event_type and flagged "
                       "then read that annotator's work",
          {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}),
    query("flagged", "flagged by the annotator", YES_NO),
    query("excluded", "excluded from annotation", YES_NO),
    query("batch", "a batch id of this project", {"type": "integer", "minimum": 1,
                                                  "maximum": MAX_ROW_ID}),
    query("gold", "curators and admins: any, conflict (open conflicts), complete, none",
          {"type": "string", "enum": ["any", "conflict", "complete", "none"]}),
]

PATHS: dict[str, Any] = {
    "/api/projects": {
        "get": {
            "operationId": "listProjects", "tags": ["projects"], "security": SECURED,
            "summary": "The projects the caller may see (every project for site admins)",
            "responses": {
                **ok("The projects by name", {
                    "type": "object", "required": ["projects"],
                    "properties": {"projects": {"type": "array", "items": PROJECT}}}),
                **error_responses(),
            },
        },
    },
    "/api/projects/{project_id}/sentences": {
        "parameters": [id_parameter("project_id", "project")],
        "get": {
            "operationId": "listSentences", "tags": ["projects"], "security": SECURED,
            "summary": "The project's sentences in reading order, searched and filtered",
            "description": "The filters of the sentence list page, with the same rights: "
                           "annotators see the sentences they may open and their own work; "
                           "a filter value that is not one here answers 400 naming it.",
            "parameters": [*FILTERS, *page_parameters(50)],
            "responses": {**ok("One page of sentences", page_of(LISTED_SENTENCE)),
                          **error_responses()},
        },
    },
}
