"""Span value type and the rules a set of spans must obey (pure; no framework imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.projects.schema import LabelSchema


@dataclass(frozen=True, order=True)
class Span:
    start: int  # code-point offset into the sentence, inclusive
    end: int  # exclusive
    label: str  # schema key: "ACTOR", "LOCATION", ...
    attributes: tuple[tuple[str, str], ...] = field(default=())
    # The suggestion accepted to make the span, (source, name); not part of the span's
    # identity: agreement, gold and overlap read offsets, label and attributes only.
    origin: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def event_type(self) -> str | None:
        return dict(self.attributes).get("event_type")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "attributes": dict(self.attributes),
        }
        if self.origin is not None:
            out["origin"] = {"source": self.origin[0], "name": self.origin[1]}
        return out


# Where an accepted suggestion came from (annotator/suggestions: the sources).
ORIGIN_SOURCES = ("gazetteer", "pattern", "model")
MAX_ORIGIN_NAME = 200


def origin_of(raw: Any) -> tuple[str, str] | None:
    """A stored ``{"source", "name"}`` origin as the span's ``(source, name)``, or None."""
    if not isinstance(raw, dict) or "source" not in raw:
        return None
    return (str(raw["source"]), str(raw.get("name") or ""))


def check_origin(raw: Any) -> str | None:
    """The problem with a span's ``origin`` field as sent, or None when it is well formed."""
    if not isinstance(raw, dict) or set(raw) != {"source", "name"}:
        return "origin must be an object with source and name"
    if raw["source"] not in ORIGIN_SOURCES:
        return f"origin source must be one of {', '.join(ORIGIN_SOURCES)}"
    name = raw["name"]
    if not isinstance(name, str) or not 0 < len(name) <= MAX_ORIGIN_NAME or "\x00" in name:
        return f"origin name must be a text of 1 to {MAX_ORIGIN_NAME} characters"
    return None


@dataclass(frozen=True)
class SpanError:
    index: int  # position of the span in the request, -1 for the list itself
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "message": self.message}


class InvalidSpans(ValueError):
    """Raised with every problem found in a list of spans."""

    def __init__(self, errors: Sequence[SpanError]):
        super().__init__("; ".join(f"span {e.index}: {e.message}" for e in errors))
        self.errors = list(errors)


MAX_SPANS = 2000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_spans(raw: Any, text: str, schema: LabelSchema) -> list[Span]:
    """Turn untrusted JSON into sorted, validated spans for the sentence ``text``.

    Rules: 0 <= start < end <= text_length (integers, code points), label in the schema,
    attributes known to the label with allowed values, no two spans overlapping (flat NER), an
    optional ``text`` field, when sent, equal to the characters the offsets select, and an
    optional ``origin`` (``{"source", "name"}``: the suggestion accepted to make the span).

    Raises:
        InvalidSpans: naming every bad span; nothing is partially accepted.
    """
    if not isinstance(raw, list):
        raise InvalidSpans([SpanError(-1, "'spans' must be a list")])
    if len(raw) > MAX_SPANS:
        raise InvalidSpans([SpanError(-1, f"at most {MAX_SPANS} spans per sentence")])
    text_length = len(text)
    errors: list[SpanError] = []
    spans: list[tuple[Span, int]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.append(SpanError(i, "must be an object with start, end, label"))
            continue
        unknown = set(item) - {"start", "end", "label", "attributes", "text", "origin"}
        if unknown:
            errors.append(SpanError(i, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}"))
            continue
        start, end, label = item.get("start"), item.get("end"), item.get("label")
        if not _is_int(start) or not _is_int(end):
            errors.append(SpanError(i, "start and end must be integers"))
            continue
        if not (0 <= start < end <= text_length):
            errors.append(
                SpanError(i, f"offsets [{start}, {end}) outside 0 <= start < end <= {text_length}")
            )
            continue
        if not isinstance(label, str) or schema.label(label) is None:
            errors.append(
                SpanError(i, f"label {label!r} not in the schema ({', '.join(schema.keys)})")
            )
            continue
        if "text" in item and item["text"] != text[start:end]:
            errors.append(SpanError(i, f"text {item['text']!r} does not match [{start}, {end})"))
            continue
        attrs = item.get("attributes") or {}
        problem = _check_attributes(attrs, schema, label)
        if problem:
            errors.append(SpanError(i, problem))
            continue
        origin = item.get("origin")
        problem = check_origin(origin) if origin is not None else None
        if problem:
            errors.append(SpanError(i, problem))
            continue
        attr_items = tuple(sorted((k, v) for k, v in attrs.items() if v is not None))
        spans.append((Span(start, end, label, attr_items, origin_of(origin)), i))
    spans.sort()
    for (a, ia), (b, ib) in zip(spans, spans[1:], strict=False):
        if b.start < a.end:
            errors.append(
                SpanError(ib, f"overlaps span {ia} [{a.start}, {a.end}); spans may not overlap")
            )
    if errors:
        raise InvalidSpans(sorted(errors, key=lambda e: e.index))
    return [s for s, _ in spans]


def _check_attributes(attrs: Any, schema: LabelSchema, label_key: str) -> str | None:
    if not isinstance(attrs, dict):
        return "attributes must be an object"
    label = schema.label(label_key)
    assert label is not None
    for key, value in attrs.items():
        attribute = label.attribute(key) if isinstance(key, str) else None
        if attribute is None:
            return f"attribute {key!r} is not defined for {label_key}"
        if value is None:
            continue
        if not isinstance(value, str) or value not in attribute.allowed:
            return f"{key}={value!r} is not an allowed value for {label_key}"
    return None
