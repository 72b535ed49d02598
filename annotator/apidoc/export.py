"""OpenAPI path of the streamed export; its formats and content types are the export
writers' own, passed in (pure: plain data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.apidoc.shapes import SECURED, error_responses, id_parameter, query

FLAG = {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no", "on", "off"]}


def paths(content_types: Mapping[str, str]) -> dict[str, Any]:
    """The export path, for the formats ``content_types`` maps to their media types."""
    formats = sorted(content_types)
    media: dict[str, Any] = {}
    for fmt in formats:
        kind = content_types[fmt].split(";")[0].strip()
        # One JSON document (gold-json: docs/gold-json.schema.json); any other: text.
        shape = "object" if kind == "application/json" else "string"
        media.setdefault(kind, {"schema": {"type": shape, "description": ""}})
        described = media[kind]["schema"]["description"]
        described += (", " if described else "format ") + fmt
        media[kind]["schema"]["description"] = described
    return {
        "/api/projects/{project_id}/export": {
            "parameters": [id_parameter("project_id", "project")],
            "get": {
                "operationId": "streamExport", "tags": ["export"], "security": SECURED,
                "summary": "Stream the gold standard as a download (curators, admins)",
                "description": "The options of the export page and `annotator export`; the "
                               "body streams as it is written, with Content-Disposition: "
                               "attachment and the format's file name. Bad options: 422.",
                "parameters": [
                    query("format", "the export format", {"type": "string", "enum": formats,
                                                          "default": "gold-json"}),
                    query("split", "train/dev/test percentages, e.g. 80/10/10",
                          {"type": "string", "examples": ["80/10/10"]}),
                    query("seed", "the split's seed (with split)", {"type": "integer"}),
                    query("part", "one split only (with split): train, dev or test",
                          {"type": "string", "enum": ["train", "dev", "test"]}),
                    query("include_annotations", "each annotator's work beside the gold",
                          FLAG),
                    query("complete_only", "only sentences whose gold is complete", FLAG),
                ],
                "responses": {
                    "200": {
                        "description": "The export, streamed",
                        "headers": {"Content-Disposition": {
                            "description": 'attachment; filename="<project>-gold.<ext>"',
                            "schema": {"type": "string"}}},
                        "content": media,
                    },
                    **error_responses("403", "422"),
                },
            },
        },
    }
