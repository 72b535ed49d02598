"""What every part of the OpenAPI description shares: the error body, the standard error
responses, id parameters, pagination and the security schemes (pure: plain data)."""

from __future__ import annotations

from typing import Any

from annotator.inputs import MAX_ROW_ID  # the URL converter refuses bigger ids
from annotator.paging import MAX_PAGE, MAX_PER_PAGE

Schema = dict[str, Any]

ERROR: Schema = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA: Schema = {
    "type": "object",
    "description": "Every refusal under /api/: a machine-readable code and a sentence for "
                   "people; some errors add details beside them.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found", "invalid", "csrf"]},
                "message": {"type": "string"},
            },
        },
    },
}

# Why each status is answered; an operation lists the ones it can give.
STATUS_TEXT = {
    "400": "Bad request: a malformed query parameter (not a whole number, NUL in text, an "
           "unknown filter value), or a write without the session's X-CSRFToken (code csrf).",
    "401": "Not authenticated: no log-in session, or a bearer token that is unknown, "
           "expired or revoked (code invalid_token), or a token sent outside /api/ "
           "(token_not_accepted).",
    "403": "Authenticated, but the caller's role in this project does not allow it, or a "
           "read token was used to write (code insufficient_scope).",
    "404": "No such object, or it belongs to a project the caller is no member of (the two "
           "look alike).",
    "409": "Changed meanwhile: the version sent is not the stored one (or the work is "
           "frozen); reload and retry.",
    "413": "The JSON body is larger than the server accepts (MAX_JSON_BYTES).",
    "422": "The body or options are well-formed but refused; the message names the problem.",
    "429": "Too many requests with this token (API_TOKEN_RATE_LIMIT, 600 a minute by "
           "default); try again after Retry-After seconds.",
    "503": "The database is busy; try again after Retry-After seconds.",
}
ALWAYS = ("400", "401", "404", "429", "503")  # any authenticated /api/ route can answer these
WRITES = ("413", "422")


def json_content(schema: Schema) -> dict[str, Any]:
    """A JSON body of this schema."""
    return {"application/json": {"schema": schema}}


def error_responses(*codes: str) -> dict[str, Any]:
    """The error responses ``codes`` (plus those every route can give), each with the error
    body."""
    return {code: {"description": STATUS_TEXT[code], "content": json_content(ERROR)}
            for code in sorted({*ALWAYS, *codes})}


def ok(description: str, schema: Schema, status: str = "200") -> dict[str, Any]:
    """A JSON success response."""
    return {status: {"description": description, "content": json_content(schema)}}


def id_parameter(name: str, what: str) -> dict[str, Any]:
    """A path parameter holding a row id."""
    return {"name": name, "in": "path", "required": True, "description": f"the {what}'s id",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}}


def query(name: str, description: str, schema: Schema) -> dict[str, Any]:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def page_parameters(default_per_page: int) -> list[dict[str, Any]]:
    """``page`` and ``per_page`` of a paginated list."""
    return [
        query("page", "page number, from 1; past the last page: the last page",
              {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
        query("per_page", f"items per page (default {default_per_page})",
              {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
               "default": default_per_page}),
    ]


def page_of(item: Schema) -> Schema:
    """The envelope of one page of a list of ``item``."""
    link = {"type": "string", "description": "a URL path with the same filters"}
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "pages", "total", "links"],
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "links": {
                "type": "object",
                "required": ["self", "first", "prev", "next", "last"],
                "properties": {"self": link, "first": link, "last": link,
                               "prev": {"type": ["string", "null"]},
                               "next": {"type": ["string", "null"]}},
            },
        },
    }


def json_body(schema: Schema, description: str) -> dict[str, Any]:
    """A required JSON request body."""
    return {"required": True, "description": description, "content": json_content(schema)}


NULLABLE_STRING: Schema = {"type": ["string", "null"]}
COUNT: Schema = {"type": "integer", "minimum": 0}
VERSION_STATUS: Schema = {
    "type": "object", "required": ["version", "status"],
    "properties": {"version": COUNT, "status": NULLABLE_STRING},
}
SPAN: Schema = {
    "type": "object",
    "required": ["start", "end", "label"],
    "properties": {
        "start": {"type": "integer", "minimum": 0, "description": "code point, inclusive"},
        "end": {"type": "integer", "minimum": 1, "description": "code point, exclusive"},
        "label": {"type": "string", "examples": ["ACTOR", "EVENT"]},
        "attributes": {"type": "object", "examples": [{"event_type": "armed_clash"}]},
    },
}
RELATION: Schema = {
    "type": "object",
    "description": "An EVENT span (head) linked to an argument span (child) in a role.",
    "required": ["head", "role", "child"],
    "properties": {
        "head": {"type": "object", "required": ["start", "end"],
                 "properties": {"start": COUNT, "end": COUNT}},
        "role": {"type": "string", "examples": ["actor1", "location"]},
        "child": {"type": "object", "required": ["start", "end"],
                  "properties": {"start": COUNT, "end": COUNT}},
    },
}
SENTENCE_FACTS: Schema = {
    "type": "object", "required": ["id", "text", "document_id", "index", "excluded"],
    "properties": {"id": COUNT, "text": {"type": "string"}, "document_id": COUNT,
                   "index": COUNT, "excluded": {"type": "boolean"}},
}
TOKENS: Schema = {"type": "array", "description": "token boundaries [start, end] in code points",
                  "items": {"type": "array", "items": COUNT, "minItems": 2, "maxItems": 2}}

SECURITY_SCHEMES: dict[str, Any] = {
    "cookieAuth": {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "The log-in session of the web pages (POST /login). Every write "
                       "(POST, PUT, DELETE) must also send the session's CSRF token in the "
                       "X-CSRFToken header (the csrf-token meta tag of any page); without it: "
                       "400 with code csrf.",
    },
    "bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token: Authorization: Bearer <token>. Needs no CSRF "
                       "token.",
    },
}
SECURED: list[dict[str, list[str]]] = [{"cookieAuth": []}, {"bearerAuth": []}]
