"""The OpenAPI document laid out for the page people read (``/api/docs``): operations grouped
by tag, with their parameters, body and responses in words and JSON Schema (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # path | query
    required: bool
    kind: str  # the schema in words: "integer, 1..500, default 50"
    description: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    media: list[str]
    schema: str  # pretty JSON ("" when none)


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    public: bool  # no authentication needed
    parameters: list[Parameter]
    body: str  # the request body's JSON Schema, pretty ("" when none)
    body_description: str
    answers: list[Answer]


@dataclass(frozen=True)
class Section:
    tag: str
    description: str
    operations: list[Operation]


def describe_schema(schema: dict[str, Any]) -> str:
    """A parameter's schema in a few words."""
    kind = schema.get("type", "any")
    words = [kind if isinstance(kind, str) else " or ".join(kind)]
    if "enum" in schema:
        words.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        words.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "maxLength" in schema:
        words.append(f"at most {schema['maxLength']} characters")
    if "default" in schema:
        words.append(f"default {schema['default']}")
    return ", ".join(words)


def _pretty(schema: Any) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) if schema else ""


def _operation(path: str, method: str, item: dict[str, Any], op: dict[str, Any]) -> Operation:
    parameters = [*item.get("parameters", []), *op.get("parameters", [])]
    body = op.get("requestBody", {})
    body_schema = next(iter(body.get("content", {}).values()), {}).get("schema")
    answers = []
    for status, answer in sorted(op["responses"].items()):
        content = answer.get("content", {})
        first = next(iter(content.values()), {}).get("schema")
        answers.append(Answer(status, answer["description"], list(content),
                              _pretty(first) if status < "400" else ""))
    return Operation(
        anchor=op["operationId"], method=method.upper(), path=path, summary=op["summary"],
        description=op.get("description", ""), public=op.get("security") == [],
        parameters=[Parameter(p["name"], p["in"], bool(p.get("required")),
                              describe_schema(p["schema"]), p.get("description", ""))
                    for p in parameters],
        body=_pretty(body_schema), body_description=body.get("description", ""),
        answers=answers,
    )


def sections(document: dict[str, Any]) -> list[Section]:
    """The document's operations by tag, in the tags' order, each in path order."""
    by_tag: dict[str, list[Operation]] = {t["name"]: [] for t in document.get("tags", [])}
    for path, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is not None:
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append(_operation(path, method, item, op))
    described = {t["name"]: t.get("description", "") for t in document.get("tags", [])}
    return [Section(tag, described.get(tag, ""), ops) for tag, ops in by_tag.items() if ops]
