"""OpenAPI path of the agreement report (pure: plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import (
    MAX_ROW_ID,
    SECURED,
    error_responses,
    id_parameter,
    ok,
    query,
)

REPORT = {
    "type": "object",
    "description": "AgreementReport.to_json(), the same document as the agreement page's JSON "
                   "download and `annotator agreement --format json` (see docs/agreement.md).",
    "required": ["format", "annotators", "labels", "roles", "per_group", "warnings",
                 "bootstrap", "reading"],
    "properties": {
        "format": {"type": "string"},
        "annotators": {"type": "array", "items": {"type": "string"}},
        "labels": {"type": "array", "items": {"type": "string"}},
        "roles": {"type": "array", "items": {"type": "string"}},
        "tokenizer": {"type": "object"},
        "per_group": {"type": "array", "items": {"type": "object"},
                      "description": "the same figures per batch"},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "bootstrap": {"type": "object"},
        "reading": {"type": "array", "items": {"type": "string"},
                    "description": "the figures in plain words"},
    },
}

PATHS: dict[str, Any] = {
    "/api/projects/{project_id}/agreement": {
        "parameters": [id_parameter("project_id", "project")],
        "get": {
            "operationId": "getAgreement", "tags": ["agreement"], "security": SECURED,
            "summary": "The agreement report of the project or one batch (project admins)",
            "parameters": [query("batch", "narrow the report to this batch of the project",
                                 {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID})],
            "responses": {**ok("The report (finished annotations only, 95% intervals)",
                               REPORT),
                          **error_responses("403")},
        },
    },
}
