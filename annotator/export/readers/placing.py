"""From a peer's document to our spans: labels, attributes and roles mapped onto the project's
schema, spans placed in the sentences that hold them, checked as the annotation API checks
them (pure).

Names are matched loosely, as people write them in other tools: a label, attribute, value or
role matches our key or display name ignoring case, spaces, hyphens and underscores
("Actor", "actor", "ACTOR"; "Armed clash", "armed_clash"); a relation type with a number
the schema lacks (brat's "Theme2") matches without it. A relation drawn from an argument to
its event is turned round (the head is the span whose label has roles). Everything that
cannot be placed is a ``Problem`` and is left out; what remains is valid.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from annotator.export.readers.shape import ForeignDocument, ForeignSpan, Problem
from annotator.projects.schema import Attribute, Label, LabelSchema
from annotator.relations import InvalidRelations, Relation, parse_relations
from annotator.spans import InvalidSpans, Span, parse_spans

_LOOSE = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class Slot:
    """A sentence of the target document: its id, offsets in the document, exclusion."""

    key: int
    start: int
    end: int
    excluded: bool = False


@dataclass
class Placement:
    """A document's valid spans and relations by sentence id (every sentence not excluded,
    empty ones too), and the items left out."""

    sentences: dict[int, tuple[list[Span], list[Relation]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    spans: int = 0
    relations: int = 0


def loose(name: str) -> str:
    """``name`` for loose matching: lower case, without spaces, hyphens or underscores."""
    return _LOOSE.sub("", name).casefold()


def find_label(schema: LabelSchema, name: str) -> Label | None:
    """The schema's label whose key or name is ``name`` (loosely), or None."""
    wanted = loose(name)
    return next((lb for lb in schema.labels if wanted in (loose(lb.key), loose(lb.name))), None)


def _find_attribute(label: Label, name: str, value: str) -> Attribute | None:
    """The label's attribute called ``name``; else its only attribute when ``value`` is one of
    that attribute's values (Label Studio's choices named "type", brat's "EventType")."""
    wanted = loose(name)
    found = next((a for a in label.attributes if wanted in (loose(a.key), loose(a.name))), None)
    if found is None and len(label.attributes) == 1 and _value(label.attributes[0], value):
        return label.attributes[0]
    return found


def _value(attribute: Attribute, value: str) -> str | None:
    """Our value of ``attribute`` that ``value`` names (by value or name, loosely), or None."""
    wanted = loose(value)
    return next((v.value for v in attribute.values if wanted in (loose(v.value), loose(v.name))),
                None)


def _find_role(label: Label, name: str) -> str | None:
    for wanted in (loose(name), loose(name).rstrip("0123456789")):
        for role in label.roles:
            if wanted in (loose(role.key), loose(role.name)):
                return role.key
    return None


def _attributes(label: Label, given: Sequence[tuple[str, str]]) -> dict[str, str] | str:
    """Our attributes for the peer's (name, value) pairs, or the reason they do not fit."""
    out: dict[str, str] = {}
    for name, value in given:
        attribute = _find_attribute(label, name, value)
        if attribute is None:
            return f"{label.key} has no attribute {name!r}"
        chosen = _value(attribute, value)
        if chosen is None:
            allowed = ", ".join(v.value for v in attribute.values)
            return f"{attribute.key} {value!r} is not one of the schema's ({allowed})"
        out[attribute.key] = chosen
    return out


def realign(document: ForeignDocument, target: str) -> ForeignDocument | None:
    """``document`` with its offsets moved onto ``target``, a text that differs from its own
    only in whitespace (a CoNLL file's rebuilt text and the article it came from); None
    when the texts differ in more than whitespace.

    The n-th non-space character of one text is the n-th of the other: a span starts at the
    target's character matching its first non-space one and ends after its last.
    """
    source = document.text
    if "".join(source.split()) != "".join(target.split()):
        return None
    solid = [i for i, ch in enumerate(target) if not ch.isspace()]
    before = [0] * (len(source) + 1)  # non-space characters of source[:i]
    for i, ch in enumerate(source):
        before[i + 1] = before[i] + (not ch.isspace())
    spans = []
    for span in document.spans:
        if not 0 <= span.start < span.end <= len(source):
            spans.append(span)  # placed as given: ``place`` names the offsets
            continue
        first, last = before[span.start], before[span.end]
        if first == last:  # only whitespace: nothing to point at
            spans.append(replace(span, start=len(target), end=len(target) + 1))
            continue
        spans.append(replace(span, start=solid[first], end=solid[last - 1] + 1, text=None))
    return replace(document, text=target, spans=spans)


def place(document: ForeignDocument, text: str, slots: Sequence[Slot],
          schema: LabelSchema) -> Placement:
    """Place ``document``'s spans (offsets into ``text``, the stored document's text) into the
    ``slots`` (its sentences) as sentence-relative spans, and its relations between them."""
    placement = Placement({s.key: ([], []) for s in slots if not s.excluded})
    ordered = sorted(slots, key=lambda s: s.start)
    starts = [s.start for s in ordered]
    by_sentence: dict[int, list[tuple[ForeignSpan, dict]]] = {}
    for span in document.spans:
        problem, slot, item = _one_span(span, text, ordered, starts, schema)
        if problem is not None:
            placement.problems.append(Problem(span.where, problem))
            continue
        assert slot is not None and item is not None
        by_sentence.setdefault(slot.key, []).append((span, item))
    kept: dict[str, tuple[int, int, int]] = {}  # ref -> (sentence, start, end) of valid spans
    for slot in ordered:
        items = by_sentence.get(slot.key)
        if items:
            spans = _valid_spans(items, text[slot.start:slot.end], schema, placement)
            placement.sentences[slot.key] = (spans, [])
            placement.spans += len(spans)
            for span, item in items:
                if Span(item["start"], item["end"], item["label"],
                        tuple(sorted(item["attributes"].items()))) in spans:
                    kept[span.ref] = (slot.key, item["start"], item["end"])
    _place_relations(document, kept, schema, placement)
    placement.problems = list(dict.fromkeys(placement.problems))  # an E line's arguments
    return placement


def _one_span(
    span: ForeignSpan, text: str, ordered: Sequence[Slot], starts: list[int],
    schema: LabelSchema,
) -> tuple[str | None, Slot | None, dict | None]:
    """The span's problem, or its sentence and its sentence-relative JSON."""
    if not 0 <= span.start < span.end <= len(text):
        return (f"offsets [{span.start}, {span.end}) outside the text "
                f"(0 <= start < end <= {len(text)})"), None, None
    covered = text[span.start:span.end]
    if span.text is not None and " ".join(span.text.split()) != " ".join(covered.split()):
        return (f"the file says the span reads {span.text!r} but the text at "
                f"[{span.start}, {span.end}) reads {covered!r}"), None, None
    label = find_label(schema, span.label)
    if label is None:
        return f"label {span.label!r} not in the schema ({', '.join(schema.keys)})", None, None
    attributes = _attributes(label, span.attributes)
    if isinstance(attributes, str):
        return attributes, None, None
    index = bisect_right(starts, span.start) - 1
    slot = ordered[index] if index >= 0 else None
    if slot is None or span.start >= slot.end:
        return ("lies outside every sentence (in the space between two, or in text the "
                "splitter left out)"), None, None
    if span.end > slot.end:
        return (f"crosses a sentence boundary: sentence {slot.key} ends at offset {slot.end}, "
                f"the span at {span.end}"), None, None
    if slot.excluded:
        return f"lies in sentence {slot.key}, which is excluded from annotation", None, None
    return None, slot, {"start": span.start - slot.start, "end": span.end - slot.start,
                        "label": label.key, "attributes": attributes}


def _valid_spans(items: list[tuple[ForeignSpan, dict]], sentence: str, schema: LabelSchema,
                 placement: Placement) -> list[Span]:
    """The spans of one sentence that pass ``parse_spans``; each refused one a problem.

    Overlaps are settled first, in reading order: a span overlapping one kept before it is
    refused, naming that one (``parse_spans`` would name both by list positions).
    """
    kept: list[tuple[ForeignSpan, dict]] = []
    for span, item in sorted(items, key=lambda x: (x[1]["start"], x[1]["end"])):
        previous = kept[-1] if kept else None
        if previous is not None and item["start"] < previous[1]["end"]:
            placement.problems.append(Problem(span.where, (
                f"overlaps the span at {previous[0].where} ({previous[0].label}); spans may "
                "not overlap")))
            continue
        kept.append((span, item))
    items = kept
    while True:
        try:
            return parse_spans([item for _, item in items], sentence, schema)
        except InvalidSpans as err:
            bad = {e.index for e in err.errors if e.index >= 0}
            for e in err.errors:
                if e.index >= 0:
                    placement.problems.append(Problem(items[e.index][0].where, e.message))
            if not bad:  # a problem of the list itself (too many spans): none is kept
                placement.problems.append(Problem(items[0][0].where, err.errors[0].message))
                return []
            items = [x for i, x in enumerate(items) if i not in bad]


def _place_relations(document: ForeignDocument, kept: dict[str, tuple[int, int, int]],
                     schema: LabelSchema, placement: Placement) -> None:
    """Each relation between two kept spans of one sentence, turned round when drawn from
    the argument, its type mapped to a role and checked with ``parse_relations``."""
    labels = {ref: lb for ref, lb in
              ((s.ref, find_label(schema, s.label)) for s in document.spans)}
    per_sentence: dict[int, list[tuple[str, dict]]] = {}
    for relation in document.relations:
        head, child = relation.head, relation.child
        missing = [ref for ref in (head, child) if ref not in kept]
        if missing:
            ref = missing[0]
            why = ("was left out (see its own problem)" if ref in labels
                   else "is not a span of the document")
            placement.problems.append(Problem(relation.where, f"the span {ref} {why}"))
            continue
        head_label, child_label = labels[head], labels[child]
        if head_label is not None and child_label is not None and not head_label.roles \
                and child_label.roles:
            head, child = child, head  # drawn from the argument to the event
            head_label = child_label
        if kept[head][0] != kept[child][0]:
            placement.problems.append(Problem(
                relation.where, "links spans of two sentences (an event frame stays within its "
                                "sentence)"))
            continue
        assert head_label is not None
        role = _find_role(head_label, relation.role)
        if role is None:
            names = ", ".join(r.key for r in head_label.roles) or "none"
            placement.problems.append(Problem(
                relation.where, f"relation type {relation.role!r} is not a role of "
                                f"{head_label.key} (roles: {names})"))
            continue
        sentence, hs, he = kept[head]
        _, cs, ce = kept[child]
        per_sentence.setdefault(sentence, []).append((relation.where, {
            "head": {"start": hs, "end": he}, "child": {"start": cs, "end": ce}, "role": role}))
    for sentence, items in per_sentence.items():
        spans = placement.sentences[sentence][0]
        relations = _valid_relations(items, spans, schema, placement)
        placement.sentences[sentence] = (spans, relations)
        placement.relations += len(relations)


def _valid_relations(items: list[tuple[str, dict]], spans: list[Span], schema: LabelSchema,
                     placement: Placement) -> list[Relation]:
    while True:
        try:
            return parse_relations([item for _, item in items], spans, schema)
        except InvalidRelations as err:
            bad = {e.index for e in err.errors if e.index >= 0}
            for e in err.errors:
                if e.index >= 0:
                    placement.problems.append(Problem(items[e.index][0], e.message))
            if not bad:
                placement.problems.append(Problem(items[0][0], err.errors[0].message))
                return []
            items = [x for i, x in enumerate(items) if i not in bad]
