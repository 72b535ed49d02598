"""What one recorded change did to an annotation or to gold, in words (pure).

The audit trail stores whole states (spans, event-frame relations, status, flag) before and
after each change; this module compares two of them: spans added, removed or changed (a new
label, event type or attributes on the same words, or the same label on other words that
overlap them), links made or undone, the status and the flag, and says each in a sentence
with the schema's display names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.relations import Relation, relations_from_json
from annotator.wording import DisplayNames, snippet, status_name

QUOTE_LIMIT = 60  # the quoted words of a span, cut between words beyond this


@dataclass(frozen=True, order=True)
class SpanState:
    """A span as the trail stores it, comparable and hashable."""

    start: int
    end: int
    label: str
    attributes: tuple[tuple[str, str], ...] = ()
    # The accepted suggestion that made it, (source, name): shown, not compared.
    origin: tuple[str, str] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> SpanState:
        """The span of one stored dict ({"start", "end", "label", "attributes"[, "origin"]})."""
        attributes = raw.get("attributes") or {}
        origin = raw.get("origin")
        return cls(int(raw["start"]), int(raw["end"]), str(raw["label"]), tuple(sorted(
            (str(k), str(v)) for k, v in attributes.items() if v not in (None, ""))),
            (str(origin.get("source")), str(origin.get("name")))
            if isinstance(origin, dict) else None)

    def overlaps(self, other: SpanState) -> bool:
        """True when the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Line:
    """One thing a change did, in words; ``kind`` is added, removed, changed, status or flag."""

    kind: str
    text: str


@dataclass(frozen=True)
class StateDiff:
    """The difference between two states of an annotation or of gold."""

    added: tuple[SpanState, ...] = ()
    removed: tuple[SpanState, ...] = ()
    changed: tuple[tuple[SpanState, SpanState], ...] = ()  # (before, after)
    status: tuple[str | None, str | None] | None = None  # (before, after) when it changed
    flag: tuple[tuple[bool, str], tuple[bool, str]] | None = None  # (flagged, comment) pairs
    unchanged: tuple[SpanState, ...] = field(default=(), compare=False)
    linked: tuple[Relation, ...] = ()  # event-frame links made
    unlinked: tuple[Relation, ...] = ()  # links undone

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.status or self.flag
                    or self.linked or self.unlinked)


def spans_of(state: Mapping[str, Any] | None) -> list[SpanState]:
    """The spans of a stored state (none for no state), in reading order."""
    return sorted(SpanState.of(s) for s in (state or {}).get("spans") or [])


def _flag(state: Mapping[str, Any] | None) -> tuple[bool, str]:
    if not state:
        return (False, "")
    flagged = bool(state.get("flagged"))
    return (flagged, str(state.get("flag_comment") or "") if flagged else "")


def diff_states(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> StateDiff:
    """What changed from ``before`` to ``after`` (either may be None: nothing recorded)."""
    old, new = spans_of(before), spans_of(after)
    kept = sorted(set(old) & set(new))
    gone = [s for s in old if s not in kept]
    came = [s for s in new if s not in kept]
    changed: list[tuple[SpanState, SpanState]] = []
    # First the same words with another label or attributes, then the same label on other
    # words that overlap (a boundary moved); what is left was added or removed.
    for same in (
        lambda a, b: (a.start, a.end) == (b.start, b.end),
        lambda a, b: a.label == b.label and a.overlaps(b),
        lambda a, b: a.overlaps(b),
    ):
        for a in list(gone):
            match = next((b for b in came if same(a, b)), None)
            if match is not None:
                changed.append((a, match))
                gone.remove(a)
                came.remove(match)
    old_status = before.get("status") if before else None
    new_status = after.get("status") if after else None
    old_flag, new_flag = _flag(before), _flag(after)
    old_links = set(relations_from_json((before or {}).get("relations")))
    new_links = set(relations_from_json((after or {}).get("relations")))
    return StateDiff(
        linked=tuple(sorted(new_links - old_links)),
        unlinked=tuple(sorted(old_links - new_links)),
        added=tuple(came),
        removed=tuple(gone),
        changed=tuple(sorted(changed)),
        status=(old_status, new_status) if old_status != new_status else None,
        flag=(old_flag, new_flag) if old_flag != new_flag else None,
        unchanged=tuple(kept),
    )


def _quote(text: str, span: SpanState) -> str:
    return f"“{snippet(text[span.start:span.end], QUOTE_LIMIT)}”"


def _words(text: str, offsets: tuple[int, int]) -> str:
    return f"“{snippet(text[offsets[0]:offsets[1]], QUOTE_LIMIT)}”"


def _tag(names: DisplayNames, span: SpanState) -> str:
    return names.tag(span.label, dict(span.attributes))


def _origin(span: SpanState) -> str:
    if span.origin is None:
        return ""
    return f" (accepted suggestion: {span.origin[0]} “{span.origin[1]}”)"


def describe(diff: StateDiff, text: str, names: DisplayNames) -> list[Line]:
    """The change in sentences, spans in reading order, with display names: "Added Actor
    “Rebels”", "“Rebels”: Actor → Unit", "Status: in progress → done"."""
    lines: list[Line] = []
    events: list[tuple[int, Line]] = []
    for span in diff.added:
        events.append(
            (span.start, Line("added", f"Added {_tag(names, span)} {_quote(text, span)}"
                                       f"{_origin(span)}")))
    for span in diff.removed:
        events.append(
            (span.start, Line("removed", f"Removed {_tag(names, span)} {_quote(text, span)}")))
    for a, b in diff.changed:
        if (a.start, a.end) == (b.start, b.end):
            what = f"{_quote(text, b)}: {_tag(names, a)} → {_tag(names, b)}"
        elif a.label == b.label and a.attributes == b.attributes:
            what = f"{_tag(names, b)}: {_quote(text, a)} → {_quote(text, b)}"
        else:
            what = f"{_tag(names, a)} {_quote(text, a)} → {_tag(names, b)} {_quote(text, b)}"
        events.append((min(a.start, b.start), Line("changed", what)))
    for verb, kind, links in (("Linked", "linked", diff.linked),
                              ("Unlinked", "unlinked", diff.unlinked)):
        for r in links:
            words = (f"{verb} {_words(text, r.head)} → {names.role(r.role)}: "
                     f"{_words(text, r.child)}")
            events.append((r.head_start, Line(kind, words)))
    lines.extend(line for _, line in sorted(events, key=lambda e: e[0]))
    if diff.status:
        old, new = diff.status
        text_ = f"Status: {status_name(new)}" if old is None else (
            f"Status: {status_name(old)} → {status_name(new)}")
        lines.append(Line("status", text_))
    if diff.flag:
        (was, old_comment), (now, comment) = diff.flag
        if now and not was:
            lines.append(Line("flag", "Flagged" + (f": “{comment}”" if comment else "")))
        elif was and not now:
            lines.append(Line("flag", "Flag removed"))
        else:
            lines.append(Line("flag", f"Flag comment: “{old_comment}” → “{comment}”"))
    return lines


def describe_change(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, text: str,
    names: DisplayNames,
) -> list[Line]:
    """``describe(diff_states(before, after), ...)``, or one line saying nothing changed."""
    lines = describe(diff_states(before, after), text, names)
    return lines or [Line("same", "No change to spans, links, status or flag")]


def span_lines(spans: Sequence[SpanState], text: str, names: DisplayNames) -> list[str]:
    """Each span in words ("Actor “Rebels”"), in reading order."""
    return [f"{_tag(names, s)} {_quote(text, s)}{_origin(s)}" for s in sorted(spans)]
