"""OpenAPI paths of gold: a sentence's gold (read, save) and a curator's decision on one of
its conflicts (pure: plain data)."""

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

SENTENCE = id_parameter("sentence_id", "sentence")
REASONS = ["guideline_gap", "annotator_error", "ambiguous_text"]
GOLD_SPAN = {**SPAN, "properties": {
    **SPAN["properties"], "source": {"type": "string"}, "votes": {"type": ["integer", "null"]},
    "voters": {"type": ["integer", "null"]}, "annotators": {"type": "array"},
    "curator": NULLABLE_STRING, "curator_id": {"type": ["integer", "null"]}}}
GOLD = {
    "type": "object",
    "required": ["sentence", "tokens", "spans", "relations", "status", "version", "conflicts"],
    "properties": {
        "sentence": SENTENCE_FACTS, "tokens": TOKENS,
        "spans": {"type": "array", "items": GOLD_SPAN},
        "relations": {"type": "array", "items": RELATION},
        "status": {"type": ["string", "null"], "enum": ["partial", "complete", None]},
        "version": COUNT, "min_agree": {"type": ["integer", "null"]},
        "annotations": {"type": "array", "description": "each annotator's finished work "
                        "(named, or as Annotator k where names are hidden from curators)"},
        "conflicts": {"type": "array", "items": {"type": "object"},
                      "description": "open span and argument conflicts"},
    },
}
NOTE = {"type": ["string", "null"], "maxLength": 2000}
REASON = {"type": ["string", "null"], "description": f"one of {', '.join(REASONS)}"}
GOLD_IN = {
    "type": "object", "required": ["spans", "version"], "additionalProperties": False,
    "properties": {"spans": {"type": "array", "items": SPAN},
                   "relations": {"type": "array", "items": RELATION},
                   "version": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID},
                   "reason": REASON, "note": NOTE},
}
DECISION_IN = {
    "type": "object", "required": ["start", "end", "choice", "version"],
    "additionalProperties": False,
    "properties": {
        "start": COUNT, "end": COUNT,
        "choice": {"type": "string", "enum": ["version", "none", "edited"]},
        "version": {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID},
        "pick": {"type": "integer", "minimum": 1, "description": "Annotator k, for version"},
        "kind": {"type": "string", "enum": ["argument"],
                 "description": "absent: a span conflict; argument: an event's arguments"},
        "spans": {"type": "array", "items": SPAN, "description": "for choice edited"},
        "relations": {"type": "array", "items": RELATION,
                      "description": "for choice edited of an argument conflict"},
        "reason": REASON, "note": NOTE,
    },
}

PATHS: dict[str, Any] = {
    "/api/sentences/{sentence_id}/gold": {
        "parameters": [SENTENCE],
        "get": {
            "operationId": "getGold", "tags": ["gold"], "security": SECURED,
            "summary": "A sentence's gold, its annotators' work and open conflicts "
                       "(curators, admins)",
            "responses": {**ok("The gold (version 0 and no spans before any)", GOLD),
                          **error_responses("403")},
        },
        "put": {
            "operationId": "putGold", "tags": ["gold"], "security": SECURED,
            "summary": "Save a sentence's gold spans and relations (curators, admins)",
            "requestBody": json_body(GOLD_IN, "the whole gold of the sentence"),
            "responses": {**ok("Saved", VERSION_STATUS),
                          **error_responses("403", "409", "413", "422")},
        },
    },
    "/api/sentences/{sentence_id}/decisions": {
        "parameters": [SENTENCE],
        "post": {
            "operationId": "decideConflict", "tags": ["gold"], "security": SECURED,
            "summary": "Decide one open conflict of a sentence (curators, admins)",
            "requestBody": json_body(DECISION_IN, "the conflict (its start and end) and the "
                                                  "decision"),
            "responses": {**ok("Decided: the gold's new version", VERSION_STATUS),
                          **error_responses("403", "409", "413", "422")},
        },
    },
}
