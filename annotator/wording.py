"""Words people read on the pages: counts with their plural, snippets cut between words, and the
display names of statuses, labels and attribute values instead of their keys (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotator.projects.schema import LabelSchema

ELLIPSIS = "…"

# Annotation statuses, gold statuses and the "nobody saved it yet" state, as people say them.
STATUS_NAMES = {
    "not_started": "not started",
    "in_progress": "in progress",
    "done": "done",
    "skipped": "skipped",
    "partial": "partial",
    "complete": "complete",
}

# Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"batch": "batches", "is": "are", "was": "were", "has": "have", "this": "these"}


def plural_of(noun: str) -> str:
    """The plural of ``noun`` (the last word of it, so "sentence closed" needs ``plural``)."""
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``count`` with its noun agreeing: "1 document", "2 documents", "0 documents".

    ``many`` gives the plural when it is not regular ("1 sentence closed", "3 sentences
    closed").
    """
    word = singular if count == 1 else (many or plural_of(singular))
    return f"{count:,} {word}"


def snippet(text: str, limit: int = 80, *, keep: str = "start") -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with "…" where cut.

    ``keep`` says which end stays: "start" (cut the tail), "end" (cut the head, for the words
    before a highlight). A single word longer than ``limit`` is cut inside it, as nothing
    else fits.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(limit - 1, 1)
    if keep == "end":
        tail = text[-room:]
        if text[-room - 1] != " ":  # the cut fell inside a word: drop that word's end
            cut = tail.find(" ")
            if cut >= 0:
                tail = tail[cut + 1:]
        return ELLIPSIS + tail.lstrip(" ,;:.-–—")
    head = text[:room]
    if text[room] != " ":
        cut = head.rfind(" ")
        if cut > 0:
            head = head[:cut]
    return head.rstrip(" ,;:.-–—") + ELLIPSIS


def status_name(status: str | None) -> str:
    """A status as people say it ("in progress"), "not started" for none."""
    if not status:
        return STATUS_NAMES["not_started"]
    return STATUS_NAMES.get(status, status.replace("_", " "))


@dataclass(frozen=True)
class DisplayNames:
    """The display names of a schema's labels and attribute values, keys as a fallback (a key
    the schema no longer has is shown as it is stored)."""

    labels: Mapping[str, str]
    values: Mapping[tuple[str, str, str], str]  # (label, attribute, value) -> name
    roles: Mapping[str, str] = field(default_factory=dict)  # role key -> its name

    @classmethod
    def of(cls, schema: LabelSchema) -> DisplayNames:
        """The names of ``schema``'s labels and values (retired ones included)."""
        return cls(
            labels={label.key: label.name for label in schema.labels},
            values={
                (label.key, attribute.key, value.value): value.name
                for label in schema.labels
                for attribute in label.attributes
                for value in attribute.values
            },
            roles={role.key: role.name for label in schema.labels for role in label.roles},
        )

    def role(self, key: str) -> str:
        """The role's name ("Actor 1 (initiator)" for actor1)."""
        return self.roles.get(key, key)

    def label(self, key: str) -> str:
        """The label's name ("Actor" for ACTOR)."""
        return self.labels.get(key, key)

    def value(self, label: str, attribute: str, value: str) -> str:
        """The name of an attribute's value ("Armed clash" for armed_clash)."""
        return self.values.get((label, attribute, value), value)

    def event_type(self, label: str, value: str | None) -> str | None:
        """The name of a span's event type, or None when it has none."""
        return None if not value else self.value(label, "event_type", value)

    def attributes(self, label: str, attributes: Mapping[str, Any] | None) -> str:
        """A span's attribute values by name, joined with ", " ("" for none)."""
        return ", ".join(
            self.value(label, key, str(value))
            for key, value in sorted((attributes or {}).items())
            if value not in (None, "")
        )

    def tag(self, label: str, attributes: Mapping[str, Any] | None = None) -> str:
        """A span's tag in words: "Event · Armed clash", or the label's name alone."""
        extra = self.attributes(label, attributes)
        return f"{self.label(label)} · {extra}" if extra else self.label(label)

    def badge(self, label: str, attributes: Mapping[str, Any] | None = None) -> str:
        """A span's short tag over its words, as the annotation page draws it: the label's key
        and the event type's name ("EVENT · Armed clash")."""
        kind = self.event_type(label, (attributes or {}).get("event_type"))
        return f"{label} · {kind}" if kind else label
