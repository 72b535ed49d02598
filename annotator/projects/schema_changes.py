"""What a new label schema changes from the old one, and how mapped keys rewrite spans (pure).

An edit of a project's schema may add, remove, rename or retire labels and attribute values
(event types), and add, remove, rename or retarget a label's roles (event frames). Spans and
relations already saved keep their keys, so a key they use may only go away when the admin
maps it to a key of the new schema (``ACTOR=AGENT`` for a label,
``EVENT.event_type.riot=EVENT.event_type.protest`` for a value, ``EVENT.actor2=EVENT.target``
for a role) or, for relations, confirms that they are deleted. This module finds what went
away, checks the mappings, carries a renamed label into every role's targets, and decides
each span's and relation's fate. Counting the stored spans and relations is the caller's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.projects.schema import LabelSchema, SchemaError

ValueKey = tuple[str, str, str]  # (label, attribute, value)
RoleKey = tuple[str, str]  # (label, role)
TargetKey = tuple[str, str, str]  # (label, role, target label)
LinkKey = tuple[str, str, str]  # a stored relation's (head label, role, child label)
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
    added_roles: tuple[RoleKey, ...] = ()
    removed_roles: tuple[RoleKey, ...] = ()  # of labels kept
    added_targets: tuple[TargetKey, ...] = ()  # of roles kept (old targets read through renames)
    removed_targets: tuple[TargetKey, ...] = ()
    max_changed: tuple[tuple[str, int | None], ...] = ()  # ("EVENT.actor1", new max) of roles kept
    changed: bool = False  # anything differs but the version (names, colours, hotkeys...)


@dataclass(frozen=True)
class Plan:
    """How spans are rewritten: removed labels and values mapped to keys of the new schema."""

    labels: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[ValueKey, str] = field(default_factory=dict)
    roles: Mapping[RoleKey, str] = field(default_factory=dict)  # same label, another role

    def __bool__(self) -> bool:
        return bool(self.labels or self.values or self.roles)


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


def _roles(schema: LabelSchema, renames: Mapping[str, str]) -> dict[RoleKey, Any]:
    return {(label.key, role.key): role for label in schema.labels for role in label.roles
            if label.key not in renames}


def compare(old: LabelSchema, new: LabelSchema, plan: Plan | None = None) -> SchemaDiff:
    """Return what ``new`` adds, removes, retires and brings back compared with ``old``.

    The old roles' targets are read through the plan's label renames (``ACTOR=AGENT`` makes
    an old target ``ACTOR`` the same as a new target ``AGENT``).
    """
    old_labels = {label.key: label.retired for label in old.labels}
    new_labels = {label.key: label.retired for label in new.labels}
    old_values, new_values = _values(old), _values(new)
    retired = [k for k, r in new_labels.items() if r and not old_labels.get(k, False)]
    retired += [dotted(k) for k, r in new_values.items() if r and not old_values.get(k, False)]
    unretired = [k for k, r in new_labels.items() if not r and old_labels.get(k, False)]
    unretired += [dotted(k) for k, r in new_values.items() if not r and old_values.get(k, False)]
    renames = dict(plan.labels) if plan is not None else {}
    old_roles, new_roles = _roles(old, renames), _roles(new, {})
    added_targets, removed_targets, max_changed = [], [], []
    for key in set(old_roles) & set(new_roles):
        before = {renames.get(t, t) for t in old_roles[key].targets}
        after = set(new_roles[key].targets)
        added_targets += [(*key, t) for t in after - before]
        removed_targets += [(*key, t) for t in before - after]
        if old_roles[key].max != new_roles[key].max:
            max_changed.append((".".join(key), new_roles[key].max))
    return SchemaDiff(
        added_labels=tuple(sorted(set(new_labels) - set(old_labels))),
        removed_labels=tuple(sorted(set(old_labels) - set(new_labels))),
        added_values=tuple(sorted(
            k for k in set(new_values) - set(old_values) if k[0] in old_labels)),
        removed_values=tuple(sorted(
            k for k in set(old_values) - set(new_values) if k[0] in new_labels)),
        retired=tuple(sorted(retired)),
        unretired=tuple(sorted(unretired)),
        added_roles=tuple(sorted(k for k in set(new_roles) - set(old_roles) if k[0] in old_labels)),
        removed_roles=tuple(sorted(
            k for k in set(old_roles) - set(new_roles) if k[0] in new_labels)),
        added_targets=tuple(sorted(added_targets)),
        removed_targets=tuple(sorted(removed_targets)),
        max_changed=tuple(sorted(max_changed, key=lambda m: m[0])),
        changed=_without_version(old.raw) != _without_version(new.raw),
    )


def _without_version(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "version"}


def parse_mappings(texts: Iterable[str]) -> Plan:
    """Read mappings ``OLD=NEW``: ``ACTOR=AGENT`` (a label), ``EVENT.event_type.riot=
    EVENT.event_type.protest`` (a value; the label and attribute stay the same) or
    ``EVENT.actor2=EVENT.target`` (a role; the label stays the same).

    Raises:
        SchemaError: a mapping is malformed, maps a value across attributes or a role across
            labels, or is given twice.
    """
    labels: dict[str, str] = {}
    values: dict[ValueKey, str] = {}
    roles: dict[RoleKey, str] = {}
    for text in texts:
        source, sep, target = (part.strip() for part in text.partition("="))
        if not sep or not source or not target:
            raise SchemaError(f"mapping {text!r}: write OLD=NEW")
        old_parts, new_parts = source.split("."), target.split(".")
        if len(old_parts) == 1 and len(new_parts) == 1:
            if source in labels:
                raise SchemaError(f"mapping {text!r}: {source} is mapped twice")
            labels[source] = target
        elif len(old_parts) == 2 and len(new_parts) == 2 and all(old_parts + new_parts):
            if old_parts[0] != new_parts[0]:
                raise SchemaError(f"mapping {text!r}: a role maps to a role of the same label")
            role = (old_parts[0], old_parts[1])
            if role in roles:
                raise SchemaError(f"mapping {text!r}: {source} is mapped twice")
            roles[role] = new_parts[1]
        elif len(old_parts) == 3 and len(new_parts) == 3 and all(old_parts + new_parts):
            if old_parts[:2] != new_parts[:2]:
                raise SchemaError(
                    f"mapping {text!r}: a value maps to a value of the same label and attribute")
            key = (old_parts[0], old_parts[1], old_parts[2])
            if key in values:
                raise SchemaError(f"mapping {text!r}: {source} is mapped twice")
            values[key] = new_parts[2]
        else:
            raise SchemaError(f"mapping {text!r}: write LABEL=LABEL, LABEL.role=LABEL.role or "
                              "LABEL.attribute.value=LABEL.attribute.value")
    return Plan(labels=labels, values=values, roles=roles)


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
    for role_key, target in sorted(plan.roles.items()):
        mapping = f"{'.'.join(role_key)}={role_key[0]}.{target}"
        if role_key not in diff.removed_roles:
            raise SchemaError(f"mapping {mapping}: {'.'.join(role_key)} is not removed by this "
                              "schema")
        label = new.label(role_key[0])
        if label is None or label.role(target) is None:
            raise SchemaError(f"mapping {mapping}: {target} is not a role of {role_key[0]}")


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


def retarget(document: Any, plan: Plan) -> Any:
    """Return ``document`` with every role target that names a label the plan renames
    (``ACTOR=AGENT``) naming the new key instead, so relations to the renamed spans stay valid.

    A target that is still a label of the document is left alone (the mapping is then refused
    by ``check_plan``: the label is not removed); a target listed twice after the rename once.
    Anything that is not a schema document is returned as it is, for ``parse_schema`` to judge.
    """
    if not plan.labels or not isinstance(document, dict):
        return document
    labels = document.get("labels")
    if not isinstance(labels, list):
        return document
    present = {lb.get("key") for lb in labels if isinstance(lb, dict)}
    document = copy.deepcopy(document)
    for label in document["labels"]:
        roles = label.get("roles") if isinstance(label, dict) else None
        for role in roles if isinstance(roles, list) else ():
            targets = role.get("targets") if isinstance(role, dict) else None
            if not isinstance(targets, list):
                continue
            moved: list[Any] = []
            for target in targets:
                if isinstance(target, str) and target in plan.labels and target not in present:
                    target = plan.labels[target]
                if target not in moved:
                    moved.append(target)
            role["targets"] = moved
    return document


def relation_fate(link: LinkKey, plan: Plan, new: LabelSchema) -> str | None:
    """Return a stored relation's role after the edit, or None when the new schema no longer
    allows it (the head's label lost the role, or the child's label is no longer a target).

    ``link`` is the relation's (head label, role, child label) before the edit; labels and roles
    move as the plan maps them. A retired label stays a valid target.
    """
    head, role, child = link
    label = new.label(plan.labels.get(head, head))
    if label is None:
        return None
    kept = label.role(plan.roles.get((head, role), role))
    if kept is None or plan.labels.get(child, child) not in kept.targets:
        return None
    return kept.key


def broken_relations(
    diff: SchemaDiff, plan: Plan, new: LabelSchema, link_counts: Mapping[LinkKey, int],
) -> dict[str, int]:
    """Return, for each way stored relations would become invalid, how many: ``EVENT.location``
    (the role is gone) or ``EVENT.actor1 → UNIT`` (UNIT is no longer one of its targets)."""
    found: dict[str, int] = {}
    for link, n in sorted(link_counts.items()):
        if not n or relation_fate(link, plan, new) is not None:
            continue
        head, role, child = link
        target = new.label(plan.labels.get(head, head))
        gone = target is None or target.role(plan.roles.get((head, role), role)) is None
        key = f"{head}.{role}" if gone else f"{head}.{role} → {child}"
        found[key] = found.get(key, 0) + n
    return found


def over_max(new: LabelSchema, plan: Plan, frame_sizes: Mapping[tuple[str, str, int], int]
             ) -> list[str]:
    """Return "EVENT.actor1: 4 events have more than 1" for each role whose ``max`` stored
    events exceed; ``frame_sizes`` counts events per (head label, role, arguments)."""
    over: dict[tuple[str, str], tuple[int, int]] = {}
    for (head, role, size), n in frame_sizes.items():
        label = new.label(plan.labels.get(head, head))
        kept = label.role(plan.roles.get((head, role), role)) if label is not None else None
        if kept is not None and kept.max is not None and size > kept.max:
            events, _ = over.get((head, role), (0, kept.max))
            over[(head, role)] = (events + n, kept.max)
    return [f"{head}.{role}: {_count(n, 'event')} {'has' if n == 1 else 'have'} more than "
            f"{limit}" for (head, role), (n, limit) in sorted(over.items())]


def relations_phrase(n: int) -> str:
    """Return "1 relation" or "n relations"."""
    return _count(n, "relation")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def default_roles(defaults: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return the roles of each label of the default schema ``defaults`` that has some."""
    return {label["key"]: copy.deepcopy(label["roles"])
            for label in defaults.get("labels", []) if label.get("roles")}


def add_default_roles(document: Any, defaults: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """Return ``document`` with the roles of the default schema ``defaults`` added to its labels
    of the same keys (EVENT: actor1, actor2, location), and the roles added ("EVENT.actor1").

    A role the label already has (by key) is kept as it is; a default role's targets that are
    not labels of the document are left out, and a role with no target left is not added.

    Raises:
        SchemaError: the document is not a schema document, or has none of the default
            schema's labels with roles.
    """
    if not isinstance(document, dict) or not isinstance(document.get("labels"), list):
        raise SchemaError("schema: not a label schema document (no 'labels' list)")
    document = copy.deepcopy(document)
    labels = [lb for lb in document["labels"] if isinstance(lb, dict)]
    present = {lb.get("key") for lb in labels}
    added: list[str] = []
    wanted = default_roles(defaults)
    matched = False
    for key, default in wanted.items():
        label = next((lb for lb in labels if lb.get("key") == key), None)
        if label is None:
            continue
        matched = True
        if label.get("roles") is None:
            label["roles"] = []
        roles = label["roles"]
        if not isinstance(roles, list):
            raise SchemaError(f"{key}: 'roles' must be a list")
        have = {r.get("key") for r in roles if isinstance(r, dict)}
        for role in default:
            targets = [t for t in role["targets"] if t in present]
            if role["key"] in have or not targets:
                continue
            roles.append({**copy.deepcopy(role), "targets": targets})
            added.append(f"{label['key']}.{role['key']}")
    if not matched:
        raise SchemaError(f"schema: no label {', '.join(wanted)} to give the default roles to")
    return document, added
