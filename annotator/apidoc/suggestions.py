"""OpenAPI paths of suggestions: those for a sentence, and what the editor did with them (pure:
plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import COUNT, SECURED, error_responses, id_parameter, json_body, ok

SOURCES = ["gazetteer", "pattern", "model"]
SUGGESTION = {
    "type": "object",
    "required": ["start", "end", "label", "attributes", "source", "name", "score"],
    "properties": {
        "start": COUNT, "end": COUNT,
        "label": {"type": "string"},
        "attributes": {"type": "object", "description": "e.g. an EVENT's event_type"},
        "source": {"type": "string", "enum": SOURCES},
        "name": {"type": "string",
                 "description": "the gazetteer list, the pattern, or the model version"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
    },
}
EVENT_IN = {
    "type": "object", "required": ["action", "source", "name", "start", "end", "label"],
    "properties": {
        "action": {"type": "string", "enum": ["shown", "accepted", "rejected"]},
        "source": {"type": "string", "enum": SOURCES},
        "name": {"type": "string", "minLength": 1},
        "start": COUNT, "end": COUNT, "label": {"type": "string", "minLength": 1},
    },
}

PATHS: dict[str, Any] = {
    "/api/sentences/{sentence_id}/suggestions": {
        "parameters": [id_parameter("sentence_id", "sentence")],
        "get": {
            "operationId": "getSuggestions", "tags": ["annotations"], "security": SECURED,
            "summary": "Suggested spans for a sentence the caller may annotate (none when its "
                       "batch has suggestions off; none over the caller's own spans)",
            "responses": {**ok("The suggestions, sentence-relative offsets", {
                "type": "object", "required": ["suggestions"],
                "properties": {"suggestions": {"type": "array", "items": SUGGESTION},
                               "enabled": {"type": "boolean"}}}),
                **error_responses("403")},
        },
    },
    "/api/sentences/{sentence_id}/suggestions/events": {
        "parameters": [id_parameter("sentence_id", "sentence")],
        "post": {
            "operationId": "recordSuggestionEvents", "tags": ["annotations"],
            "security": SECURED,
            "summary": "Record suggestions shown, accepted or rejected in the editor (each "
                       "once; the dashboard counts them)",
            "requestBody": json_body({"type": "object", "required": ["events"],
                                      "properties": {"events": {"type": "array",
                                                                "items": EVENT_IN}}},
                                     "the events"),
            "responses": {**ok("How many were new", {
                "type": "object", "required": ["recorded"],
                "properties": {"recorded": COUNT}}),
                **error_responses("403", "413", "422")},
        },
    },
}
