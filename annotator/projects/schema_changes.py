"""What a new label schema changes from the old one, and how mapped keys rewrite spans (pure).

An edit of a project's schema may add, remove, rename or retire labels and attribute values
(event types). Spans already saved keep their keys, so a key that spans use may only go away
when the admin maps it to a key of the new schema; this module finds what went away, checks
the mappings (``ACTOR=AGENT`` for a label, ``EVENT.event_type.riot=EVENT.event_type.protest``
for a value) and rewrites one span's label and attributes. Counting the spans is the caller's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.projects.schema import LabelSchema, SchemaError

ValueKey = tuple[str, str, str]  # (label, attribute, value)
MAX_SCHEMA_TEXT = 200_000  # characters of a schema document (the default is about 4,000)


def load_document(text: str | bytes) -> Any:
    """Read a schema document from JSON text (an upload or the editor's field).

    Raises:
        SchemaError: the text is too long, not UTF-8 or not JSON (with line and column).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SchemaError("the schema file is not UTF-8 text") from None
    if len(text) > MAX_SCHEMA_TEXT:
        raise SchemaError(f"the schema is longer than {MAX_SCHEMA_TEXT:,} characters")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaError(f"not JSON: {err.msg} at line {err.lineno}, column {err.colno}") from None


@dataclass(frozen=True)
class SchemaDiff:
    """The differences between two schemas, each list sorted."""

    added_labels: tuple[str, ...] = ()
    removed_labels: tuple[str, ...] = ()
    added_values: tuple[ValueKey, ...] = ()
    removed_values: tuple[ValueKey, ...] = ()  # of labels kept (a removed label takes its own)
    retired: tuple[str, ...] = ()  # newly retired: "ACTOR" or "EVENT.event_type.riot"
    unretired: tuple[str, ...] = ()
    changed: bool = False  # anything differs but the version (names, colours, hotkeys...)


@dataclass(frozen=True)
class Plan:
    """How spans are rewritten: removed labels and values mapped to keys of the new schema."""

    labels: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[ValueKey, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.labels or self.values)


def dotted(key: ValueKey) -> str:
    """Return a value's key as written in mappings and reports: LABEL.attribute.value."""
    return ".".join(key)


def _values(schema: LabelSchema) -> dict[ValueKey, bool]:
    return {
        (label.key, attribute.key, value.value): value.retired
        for label in schema.labels
        for attribute in label.attributes
        for value in attribute.values
    }


def compare(old: LabelSchema, new: LabelSchema) -> SchemaDiff:
    """Return what ``new`` adds, removes, retires and brings back compared with ``old``."""
    old_labels = {label.key: label.retired for label in old.labels}
    new_labels = {label.key: label.retired for label in new.labels}
    old_values, new_values = _values(old), _values(new)
    retired = [k for k, r in new_labels.items() if r and not old_labels.get(k, False)]
    retired += [dotted(k) for k, r in new_values.items() if r and not old_values.get(k, False)]
    unretired = [k for k, r in new_labels.items() if not r and old_labels.get(k, False)]
    unretired += [dotted(k) for k, r in new_values.items() if not r and old_values.get(k, False)]
    return SchemaDiff(
        added_labels=tuple(sorted(set(new_labels) - set(old_labels))),
        removed_labels=tuple(sorted(set(old_labels) - set(new_labels))),
        added_values=tuple(sorted(
            k for k in set(new_values) - set(old_values) if k[0] in old_labels)),
        removed_values=tuple(sorted(
            k for k in set(old_values) - set(new_values) if k[0] in new_labels)),
        retired=tuple(sorted(retired)),
        unretired=tuple(sorted(unretired)),
        changed=_without_version(old.raw) != _without_version(new.raw),
    )


def _without_version(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "version"}


def parse_mappings(texts: Iterable[str]) -> Plan:
    """Read mappings ``OLD=NEW``: ``ACTOR=AGENT`` (a label) or ``EVENT.event_type.riot=
    EVENT.event_type.protest`` (a value; the label and attribute stay the same).

    Raises:
        SchemaError: a mapping is malformed, maps a value across attributes, or is given twice.
    """
    labels: dict[str, str] = {}
    values: dict[ValueKey, str] = {}
    for text in texts:
        source, sep, target = (part.strip() for part in text.partition("="))
        if not sep or not source or not target:
            raise SchemaError(f"mapping {text!r}: write OLD=NEW")
        old_parts, new_parts = source.split("."), target.split(".")
        if len(old_parts) == 1 and len(new_parts) == 1:
            if source in labels:
                raise SchemaError(f"mapping {text!r}: {source} is mapped twice")
            labels[source] = target
        elif len(old_parts) == 3 and len(new_parts) == 3 and all(old_parts + new_parts):
            if old_parts[:2] != new_parts[:2]:
                raise SchemaError(
                    f"mapping {text!r}: a value maps to a value of the same label and attribute")
            key = (old_parts[0], old_parts[1], old_parts[2])
            if key in values:
                raise SchemaError(f"mapping {text!r}: {source} is mapped twice")
            values[key] = new_parts[2]
        else:
            raise SchemaError(f"mapping {text!r}: write LABEL=LABEL or "
                              "LABEL.attribute.value=LABEL.attribute.value")
    return Plan(labels=labels, values=values)


def check_plan(diff: SchemaDiff, new: LabelSchema, plan: Plan) -> None:
    """Check that each mapping maps a removed key to a key of the new schema.

    Raises:
        SchemaError: naming the first mapping that does not.
    """
    for source, target in sorted(plan.labels.items()):
        if source not in diff.removed_labels:
            raise SchemaError(f"mapping {source}={target}: {source} is not removed by this schema")
        if new.label(target) is None:
            raise SchemaError(f"mapping {source}={target}: {target} is not a label of the schema")
    for key, target in sorted(plan.values.items()):
        mapping = f"{dotted(key)}={dotted((key[0], key[1], target))}"
        if key not in diff.removed_values:
            raise SchemaError(f"mapping {mapping}: {dotted(key)} is not removed by this schema")
        label = new.label(key[0])
        attribute = label.attribute(key[1]) if label is not None else None
        if attribute is None or target not in attribute.allowed:
            raise SchemaError(f"mapping {mapping}: {target} is not a value of {key[0]}.{key[1]}")


def unmapped_in_use(
    diff: SchemaDiff, plan: Plan, label_counts: Mapping[str, int],
    value_counts: Mapping[ValueKey, int],
) -> list[str]:
    """Return "ACTOR (12 spans)" for each removed key that spans use and no mapping covers."""
    found = [
        f"{key} ({_spans(label_counts[key])})"
        for key in diff.removed_labels
        if label_counts.get(key) and key not in plan.labels
    ]
    found += [
        f"{dotted(key)} ({_spans(value_counts[key])})"
        for key in diff.removed_values
        if value_counts.get(key) and key not in plan.values
    ]
    return found


def _spans(n: int) -> str:
    return f"{n} span" if n == 1 else f"{n} spans"


def rewrite(label: str, attributes: Mapping[str, Any], plan: Plan, new: LabelSchema
            ) -> tuple[str, dict[str, Any]] | None:
    """Return a span's label and attributes after the mappings, or None when unchanged.

    A span moved to another label keeps the attributes that label has with a value it allows;
    the others are dropped (the new label cannot hold them).
    """
    if label in plan.labels:
        target = new.label(plan.labels[label])
        kept = {
            k: v for k, v in attributes.items()
            if target is not None and (a := target.attribute(k)) is not None and v in a.allowed
        }
        return target.key if target is not None else label, kept
    changed = {
        k: plan.values[(label, k, v)]
        for k, v in attributes.items()
        if isinstance(v, str) and (label, k, v) in plan.values
    }
    if not changed:
        return None
    return label, {**copy.deepcopy(dict(attributes)), **changed}
