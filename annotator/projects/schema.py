"""Label schemas: parse and check a project's schema document (pure; no framework imports)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from annotator.inputs import InputError, check_json

KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
ROLE_KEY_RE = re.compile(r"^[a-z0-9_]{1,32}$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class SchemaError(ValueError):
    """A label schema document is malformed; the message says where."""


@dataclass(frozen=True)
class Examples:
    """A definition's examples for the guidelines: text to mark, and text not to mark."""

    mark: tuple[str, ...] = ()
    dont_mark: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.mark or self.dont_mark)


@dataclass(frozen=True)
class AttributeValue:
    value: str
    name: str
    group: str | None = None
    description: str = ""
    examples: Examples = Examples()
    retired: bool = False  # kept on existing spans, no longer offered in the editor


@dataclass(frozen=True)
class Attribute:
    key: str
    name: str
    required: bool
    values: tuple[AttributeValue, ...]
    groups: tuple[tuple[str, str], ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(v.value for v in self.values)

    def group_of(self, value: str) -> str | None:
        """Return the parent group of ``value`` (its top-level type), or None."""
        for v in self.values:
            if v.value == value:
                return v.group
        return None


@dataclass(frozen=True)
class Role:
    """A part an argument plays in an event frame (e.g. ``actor1``), and which labels fill it."""

    key: str
    name: str
    targets: tuple[str, ...]  # label keys of the same schema
    description: str = ""
    max: int | None = None  # at most this many arguments of the role per event; None: any

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "targets": list(self.targets),
                "description": self.description, "max": self.max}


@dataclass(frozen=True)
class Label:
    key: str
    name: str
    color: str
    hotkey: str
    description: str
    attributes: tuple[Attribute, ...] = ()
    examples: Examples = Examples()
    retired: bool = False  # kept on existing spans, no longer offered in the editor
    roles: tuple[Role, ...] = ()  # the frame's argument roles (an EVENT's actors, place)

    def attribute(self, key: str) -> Attribute | None:
        return next((a for a in self.attributes if a.key == key), None)

    def role(self, key: str) -> Role | None:
        """The role ``key`` of this label, or None."""
        return next((r for r in self.roles if r.key == key), None)


@dataclass(frozen=True)
class LabelSchema:
    name: str
    version: str
    labels: tuple[Label, ...]
    raw: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(label.key for label in self.labels)

    def label(self, key: str) -> Label | None:
        return next((lb for lb in self.labels if lb.key == key), None)

    @property
    def has_roles(self) -> bool:
        """Whether any label declares roles (the schema has event frames)."""
        return any(label.roles for label in self.labels)


def default_schema_document() -> dict[str, Any]:
    """Return a fresh copy of the default "conflict events" schema document."""
    text = resources.files("annotator.projects").joinpath("default_schema.json").read_text("utf-8")
    return json.loads(text)


def _require(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in obj:
        raise SchemaError(f"{where}: missing '{key}'")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SchemaError(f"{where}: '{key}' must be {kind.__name__}")
    return value


def _optional(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any,
              where: str) -> Any:
    """``obj[key]`` when present and of ``kind``, ``default`` when absent or null."""
    value = obj.get(key)
    if value is None:
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise SchemaError(f"{where}: '{key}' must be {' or '.join(k.__name__ for k in kinds)}")
    return value


def _text(obj: dict[str, Any], key: str, default: str, where: str) -> str:
    """A text field: a string, or a number read as one (as schemas written by hand have it);
    a list, an object or a boolean where text belongs is refused."""
    value = _optional(obj, key, (str, int, float), default, where)
    return value if isinstance(value, str) else str(value)


def parse_schema(doc: Any) -> LabelSchema:
    """Check a schema document and return it as a ``LabelSchema``.

    Raises:
        SchemaError: naming the first problem found (path and reason).
    """
    if not isinstance(doc, dict):
        raise SchemaError("schema: must be a JSON object")
    try:  # text a database can store (no NUL, no lone surrogate), bounded nesting
        check_json(doc)
    except InputError as err:
        raise SchemaError(f"schema: {err}") from None
    name = _require(doc, "name", str, "schema")
    version = _text(doc, "version", "1", "schema")
    raw_labels = _require(doc, "labels", list, "schema")
    if not raw_labels:
        raise SchemaError("schema: 'labels' must not be empty")
    labels: list[Label] = []
    seen_keys: set[str] = set()
    seen_hotkeys: set[str] = set()
    for i, lb in enumerate(raw_labels):
        where = f"labels[{i}]"
        if not isinstance(lb, dict):
            raise SchemaError(f"{where}: must be an object")
        key = _require(lb, "key", str, where)
        if not KEY_RE.match(key):
            raise SchemaError(f"{where}: key {key!r} must be upper-case letters, digits or '_'")
        if key in seen_keys:
            raise SchemaError(f"{where}: duplicate key {key!r}")
        seen_keys.add(key)
        color = lb.get("color", "#777777")
        if not isinstance(color, str) or not COLOR_RE.match(color):
            raise SchemaError(f"{where}: color must look like #rrggbb")
        hotkey = _text(lb, "hotkey", "", where)
        if hotkey:
            if len(hotkey) != 1:
                raise SchemaError(f"{where}: hotkey must be one character")
            if hotkey in seen_hotkeys:
                raise SchemaError(f"{where}: duplicate hotkey {hotkey!r}")
            seen_hotkeys.add(hotkey)
        attributes = tuple(
            _parse_attribute(a, f"{where}.attributes[{j}]")
            for j, a in enumerate(_optional(lb, "attributes", list, [], where))
        )
        if len({a.key for a in attributes}) != len(attributes):
            raise SchemaError(f"{where}: duplicate attribute key")
        labels.append(
            Label(
                key=key,
                name=_text(lb, "name", key, where),
                color=color,
                hotkey=hotkey,
                description=_text(lb, "description", "", where),
                attributes=attributes,
                examples=parse_examples(lb.get("examples"), f"{where}.examples"),
                retired=_retired(lb, where),
                roles=_parse_roles(_optional(lb, "roles", list, [], where), where),
            )
        )
    if all(label.retired for label in labels):
        raise SchemaError("schema: at least one label must not be retired")
    for i, label in enumerate(labels):  # targets name labels, so they are checked last
        for j, role in enumerate(label.roles):
            unknown = [t for t in role.targets if t not in seen_keys]
            if unknown:
                raise SchemaError(
                    f"labels[{i}].roles[{j}]: target {unknown[0]!r} is not a label of the schema")
    return LabelSchema(name=name, version=version, labels=tuple(labels), raw=doc)


def _parse_attribute(a: Any, where: str) -> Attribute:
    if not isinstance(a, dict):
        raise SchemaError(f"{where}: must be an object")
    key = _require(a, "key", str, where)
    raw_values = _require(a, "values", list, where)
    groups: list[tuple[str, str]] = []
    for n, g in enumerate(_optional(a, "groups", list, [], where)):
        gwhere = f"{where}.groups[{n}]"
        if not isinstance(g, dict):
            raise SchemaError(f"{gwhere}: must be an object")
        gkey = _require(g, "key", str, gwhere)
        groups.append((gkey, _text(g, "name", gkey, gwhere)))
    group_keys = {g[0] for g in groups}
    values: list[AttributeValue] = []
    for k, v in enumerate(raw_values):
        vwhere = f"{where}.values[{k}]"
        if isinstance(v, str):
            v = {"value": v}
        if not isinstance(v, dict):
            raise SchemaError(f"{vwhere}: must be a string or an object")
        value = _require(v, "value", str, vwhere)
        group = _optional(v, "group", str, None, vwhere)
        if group is not None and groups and group not in group_keys:
            raise SchemaError(f"{vwhere}: unknown group {group!r}")
        values.append(AttributeValue(
            value=value, name=_text(v, "name", value, vwhere), group=group,
            description=_text(v, "description", "", vwhere),
            examples=parse_examples(v.get("examples"), f"{vwhere}.examples"),
            retired=_retired(v, vwhere),
        ))
    if len({v.value for v in values}) != len(values):
        raise SchemaError(f"{where}: duplicate value")
    return Attribute(
        key=key,
        name=_text(a, "name", key, where),
        required=bool(_optional(a, "required", (bool, int), False, where)),
        values=tuple(values),
        groups=tuple(groups),
    )


MAX_ROLES = 9  # the editor's role keys are Shift+1 .. Shift+9


def _parse_roles(raw: list[Any], where: str) -> tuple[Role, ...]:
    """Check a label's ``roles`` list (targets are checked against the labels afterwards)."""
    if len(raw) > MAX_ROLES:
        raise SchemaError(f"{where}: at most {MAX_ROLES} roles")
    roles: list[Role] = []
    for j, r in enumerate(raw):
        rwhere = f"{where}.roles[{j}]"
        if not isinstance(r, dict):
            raise SchemaError(f"{rwhere}: must be an object")
        unknown = set(r) - {"key", "name", "targets", "description", "max"}
        if unknown:
            raise SchemaError(f"{rwhere}: unknown field {sorted(map(str, unknown))[0]!r}")
        key = _require(r, "key", str, rwhere)
        if not ROLE_KEY_RE.match(key):
            raise SchemaError(
                f"{rwhere}: key {key!r} must be lower-case letters, digits or '_' (1-32)")
        if any(role.key == key for role in roles):
            raise SchemaError(f"{rwhere}: duplicate role key {key!r}")
        targets = _require(r, "targets", list, rwhere)
        if not targets or not all(isinstance(t, str) for t in targets):
            raise SchemaError(f"{rwhere}: 'targets' must be a non-empty list of label keys")
        if len(set(targets)) != len(targets):
            raise SchemaError(f"{rwhere}: a target is listed twice")
        limit = _optional(r, "max", int, None, rwhere)
        if limit is not None and limit < 1:
            raise SchemaError(f"{rwhere}: 'max' must be a positive integer (or null: no limit)")
        roles.append(Role(key=key, name=_text(r, "name", key, rwhere), targets=tuple(targets),
                          description=_text(r, "description", "", rwhere), max=limit))
    return tuple(roles)


def _retired(obj: dict[str, Any], where: str) -> bool:
    retired = obj.get("retired", False)
    if not isinstance(retired, bool):
        raise SchemaError(f"{where}: 'retired' must be true or false")
    return retired


MAX_EXAMPLES = 20
MAX_EXAMPLE_LENGTH = 500


def parse_examples(raw: Any, where: str) -> Examples:
    """Check a definition's examples: ``{"mark": [text, ...], "dont_mark": [text, ...]}``."""
    if raw is None:
        return Examples()
    if not isinstance(raw, dict):
        raise SchemaError(f"{where}: must be an object with 'mark' and 'dont_mark' lists")
    unknown = set(raw) - {"mark", "dont_mark"}
    if unknown:
        raise SchemaError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    lists = []
    for key in ("mark", "dont_mark"):
        items = raw.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            raise SchemaError(f"{where}.{key}: must be a list of strings")
        if len(items) > MAX_EXAMPLES:
            raise SchemaError(f"{where}.{key}: at most {MAX_EXAMPLES} examples")
        if any(len(x) > MAX_EXAMPLE_LENGTH for x in items):
            raise SchemaError(f"{where}.{key}: an example is longer than {MAX_EXAMPLE_LENGTH}")
        lists.append(tuple(items))
    return Examples(mark=lists[0], dont_mark=lists[1])
