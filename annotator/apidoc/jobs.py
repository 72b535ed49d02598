"""OpenAPI paths of background jobs: one job, the caller's jobs, cancel, a job's file (pure:
plain data)."""

from __future__ import annotations

from typing import Any

from annotator.apidoc.shapes import (
    COUNT,
    NULLABLE_STRING,
    SECURED,
    error_responses,
    id_parameter,
    ok,
    query,
)

STATES = ["queued", "running", "done", "failed", "cancelled"]
MOMENT = {"type": ["string", "null"], "format": "date-time"}
JOB = {
    "type": "object",
    "required": ["id", "kind", "state", "progress", "message", "result", "created_at",
                 "started_at", "finished_at"],
    "properties": {
        "id": COUNT,
        "kind": {"type": "string", "examples": ["import-articles", "import-annotations"]},
        "title": {"type": "string", "description": "the kind in words"},
        "state": {"type": "string", "enum": STATES},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string", "description": "what it is doing, or how it ended"},
        "result": {"type": ["object", "null"],
                   "description": "the kind's result once done (an article import: "
                                  "documents_added, sentences_added, excluded_sentences, "
                                  "skipped; an annotation import: summary, skipped (up to "
                                  "2,000 items), skipped_count; a file: file, media_type)"},
        "error": {**NULLABLE_STRING,
                  "description": "why it failed, in words (a refused annotation import: the "
                                 "count on the first line, then one problem per line)"},
        "project_id": {"type": ["integer", "null"]},
        "attempts": COUNT,
        "cancel_requested": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": MOMENT,
        "finished_at": MOMENT,
    },
}
JOB_ID = id_parameter("job_id", "job")

PATHS: dict[str, Any] = {
    "/api/jobs": {
        "get": {
            "operationId": "listJobs", "tags": ["jobs"], "security": SECURED,
            "summary": "The caller's background jobs, newest first (an admin's: everyone's)",
            "parameters": [
                query("project", "only this project's jobs",
                      {"type": "string", "pattern": "^[0-9]{1,9}$"}),
                query("kind", "only jobs of this kind", {"type": "string"}),
                query("state", "a state, or active (queued or running)",
                      {"type": "string", "enum": [*STATES, "active"]}),
                query("mine", "1: an admin's own jobs only", {"type": "string"}),
            ],
            "responses": {**ok("Up to 100 jobs", {
                "type": "object", "required": ["jobs"],
                "properties": {"jobs": {"type": "array", "items": JOB}}}),
                **error_responses("422")},
        },
    },
    "/api/jobs/{job_id}": {
        "parameters": [JOB_ID],
        "get": {
            "operationId": "getJob", "tags": ["jobs"], "security": SECURED,
            "summary": "One job: state, progress, message, result (its owner and admins; "
                       "404 for anyone else)",
            "responses": {**ok("The job", JOB), **error_responses()},
        },
    },
    "/api/jobs/{job_id}/cancel": {
        "parameters": [JOB_ID],
        "post": {
            "operationId": "cancelJob", "tags": ["jobs"], "security": SECURED,
            "summary": "Cancel a queued job, or ask a running one to stop (it undoes its work)",
            "responses": {**ok("The job, cancelled or asked to stop", JOB),
                          **error_responses("409")},
        },
    },
    "/api/jobs/{job_id}/files/{name}": {
        "parameters": [JOB_ID, {"name": "name", "in": "path", "required": True,
                                "description": "the file's name (the job's result.file)",
                                "schema": {"type": "string"}}],
        "get": {
            "operationId": "downloadJobFile", "tags": ["jobs"], "security": SECURED,
            "summary": "A file a done job wrote (an export), streamed",
            "responses": {
                "200": {"description": "The file", "content": {
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}},
                **error_responses(),
            },
        },
    },
}
