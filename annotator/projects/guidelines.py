"""Annotation guidelines: safe Markdown rendering, definitions per label and event type, and the
schema version a publication bumps (pure; no framework imports).

A project's guidelines are a Markdown text written by an admin plus, in the label schema, a
definition and examples ("mark: ...", "don't mark: ...") for each label and each attribute value
(event types). Publishing a change bumps the schema's ``version``, which exports and the dataset
card already carry, so a training set names the guidelines it was made under.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt

from annotator.projects.schema import (
    MAX_EXAMPLE_LENGTH,
    MAX_EXAMPLES,
    Examples,
    LabelSchema,
    Role,
    SchemaError,
    parse_schema,
)

MAX_BODY = 100_000  # characters of Markdown
MAX_DEFINITION = 2_000

# CommonMark with raw HTML off (it is shown as text) and tables on; then nh3 (the Rust
# ammonia sanitiser) keeps only these tags and http(s)/mailto links, as a second wall.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ATTRIBUTES = {"a": {"href", "title"}}  # no style: the CSP allows no inline style
_NUMBERS = re.compile(r"(\d+)(?!.*\d)")


class GuidelinesError(ValueError):
    """A guidelines text or definition is not acceptable; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One definition as the guidelines page and the annotation side panel show it."""

    anchor: str  # stable id for links and citations: def-EVENT, def-EVENT-event_type-riot
    label: str  # the label key
    value: str | None  # the attribute value (event type), None for the label itself
    title: str  # "Event" or "Event · Riot"
    description: str
    examples: Examples
    color: str
    roles: tuple[Role, ...] = ()  # a label's event-frame roles, each with its definition


def render_markdown(text: str) -> str:
    """Return sanitised HTML for a guidelines text (no raw HTML, no script or javascript: link)."""
    html = _MARKDOWN.render(text)
    return nh3.clean(
        html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def next_version(version: str) -> str:
    """Return the version after ``version``: its last number plus one ("1.0" -> "1.1")."""
    match = _NUMBERS.search(version)
    if match is None:
        return f"{version}.1" if version else "1"
    start, end = match.span(1)
    digits = match.group(1)
    bumped = str(int(digits) + 1).zfill(len(digits))  # keep zero padding: 2024-06 -> 2024-07
    return f"{version[:start]}{bumped}{version[end:]}"


def check_body(body: str) -> str:
    """Return the Markdown body with normalised line ends, or raise GuidelinesError."""
    if "\x00" in body:
        raise GuidelinesError("The guidelines may not contain NUL characters.")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > MAX_BODY:
        raise GuidelinesError(f"The guidelines are longer than {MAX_BODY:,} characters.")
    return body


def anchor(label: str, attribute: str | None = None, value: str | None = None) -> str:
    """Return the HTML id of a definition (label, or label + attribute + value)."""
    parts = ["def", label] + ([attribute or "", value or ""] if value is not None else [])
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join(parts))


def entries(schema: LabelSchema) -> list[Entry]:
    """Return every definition of the schema: each label, then each of its attribute values."""
    found: list[Entry] = []
    for label in schema.labels:
        found.append(Entry(anchor(label.key), label.key, None, label.name, label.description,
                           label.examples, label.color, label.roles))
        for attribute in label.attributes:
            for value in attribute.values:
                found.append(Entry(
                    anchor(label.key, attribute.key, value.value), label.key, value.value,
                    f"{label.name} · {value.name}", value.description, value.examples,
                    label.color,
                ))
    return found


def field_names(label_index: int, attribute_index: int | None = None,
                value_index: int | None = None) -> tuple[str, str, str]:
    """Return the form field names (description, mark, dont_mark) of one definition."""
    base = f"l{label_index}" if attribute_index is None else (
        f"l{label_index}-a{attribute_index}-v{value_index}")
    return f"{base}-description", f"{base}-mark", f"{base}-dont_mark"


def apply_definitions(doc: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """Return a copy of the schema document with the definitions and examples from ``fields``
    (the editor's form: one example per line), checked like any schema."""
    new = copy.deepcopy(dict(doc))
    for i, label in enumerate(new.get("labels", [])):
        _apply_one(label, fields, field_names(i))
        for j, attribute in enumerate(label.get("attributes", []) or []):
            values = attribute.get("values", [])
            for k, value in enumerate(values):
                if isinstance(value, str):  # the short form: a bare value string
                    value = values[k] = {"value": value}
                _apply_one(value, fields, field_names(i, j, k))
    try:
        parse_schema(new)
    except SchemaError as err:
        raise GuidelinesError(str(err)) from err
    return new


def _apply_one(target: dict[str, Any], fields: Mapping[str, str],
               names: tuple[str, str, str]) -> None:
    description_name, mark_name, dont_name = names
    if description_name in fields:
        description = check_body(fields[description_name]).strip()
        if len(description) > MAX_DEFINITION:
            raise GuidelinesError(f"A definition is longer than {MAX_DEFINITION:,} characters.")
        target["description"] = description
    if mark_name in fields or dont_name in fields:
        examples = {"mark": _lines(fields.get(mark_name, "")),
                    "dont_mark": _lines(fields.get(dont_name, ""))}
        for key, items in examples.items():
            if len(items) > MAX_EXAMPLES:
                raise GuidelinesError(f"At most {MAX_EXAMPLES} examples per list ({key}).")
            if any(len(item) > MAX_EXAMPLE_LENGTH for item in items):
                raise GuidelinesError(
                    f"An example is longer than {MAX_EXAMPLE_LENGTH} characters.")
        if examples["mark"] or examples["dont_mark"]:
            target["examples"] = examples
        else:
            target.pop("examples", None)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in check_body(text).split("\n") if line.strip()]
