"""Read agreement items from JSON lines and render a report as a plain-text table (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from annotator.agreement.blocks import AgreementReport, FigureBlock
from annotator.agreement.data import AgreementInputError

SPAN_KEYS = {"start", "end", "label", "attributes", "text"}
ITEM_KEYS = {"id", "text", "annotations", "group", "relations"}
RELATION_KEYS = {"head", "child", "role"}


def read_items(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse and check items given one JSON object per line (blank lines are skipped).

    Each line: ``{"id", "text", "annotations": {annotator: [{"start", "end", "label",
    "attributes"?}] | null}, "group"?, "relations"?: {annotator: [{"head": {"start", "end"},
    "child": {"start", "end"}, "role"}]}}``; a relation's head and child are spans of the same
    annotator in the same item.

    Raises:
        AgreementInputError: "line N: ..." for the first bad line.
    """
    items: list[dict[str, Any]] = []
    first_line: dict[Any, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            message = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
            raise AgreementInputError(f"line {number}: invalid JSON ({message})") from None
        problem = _check_item(item)
        if problem:
            raise AgreementInputError(f"line {number}: {problem}")
        if item["id"] in first_line:
            raise AgreementInputError(f"line {number}: duplicate id {item['id']!r} "
                                      f"(first on line {first_line[item['id']]})")
        first_line[item["id"]] = number
        items.append(item)
    if not items:
        raise AgreementInputError("no items (expected one JSON object per line)")
    return items


def _check_item(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "expected a JSON object"
    unknown = set(item) - ITEM_KEYS
    if unknown:
        return f"unknown field(s) {', '.join(sorted(unknown))}"
    for key in ("id", "text", "annotations"):
        if key not in item:
            return f"missing '{key}'"
    item_id = item["id"]
    if isinstance(item_id, bool) or not isinstance(item_id, (str, int)):
        return "'id' must be a string or an integer"
    text = item["text"]
    if not isinstance(text, str):
        return "'text' must be a string"
    group = item.get("group")
    if group is not None and (isinstance(group, bool) or not isinstance(group, (str, int))):
        return "'group' must be a string, an integer or null"
    annotations = item["annotations"]
    if not isinstance(annotations, dict):
        return "'annotations' must be an object of annotator name -> list of spans"
    for name, spans in annotations.items():
        if not name:
            return "annotator names must not be empty"
        if spans is None:
            continue
        if not isinstance(spans, list):
            return f"annotator {name!r}: spans must be a list or null"
        bounds = []
        for i, span in enumerate(spans):
            problem = _check_span(span, text)
            if problem:
                return f"annotator {name!r}, span {i}: {problem}"
            bounds.append((span["start"], span["end"]))
        bounds.sort()
        for (s1, e1), (s2, e2) in zip(bounds, bounds[1:], strict=False):
            if s2 < e1:
                return f"annotator {name!r}: spans [{s1}, {e1}) and [{s2}, {e2}) overlap"
    return _check_relations(item.get("relations"), annotations)


def _check_relations(relations: Any, annotations: dict[str, Any]) -> str | None:
    """Check an item's ``relations`` against its annotations (absent: no relations)."""
    if relations is None:
        return None
    if not isinstance(relations, dict):
        return "'relations' must be an object of annotator name -> list of relations"
    for name, links in relations.items():
        if links is None:
            continue
        if not isinstance(links, list):
            return f"annotator {name!r}: relations must be a list or null"
        spans = annotations.get(name)
        if links and spans is None:
            return f"annotator {name!r}: relations of an annotator without spans"
        extents = {(s["start"], s["end"]) for s in spans or ()}
        seen: set[tuple[Any, ...]] = set()
        for i, link in enumerate(links):
            problem = _check_relation(link, extents)
            if problem:
                return f"annotator {name!r}, relation {i}: {problem}"
            key = (link["head"]["start"], link["head"]["end"], link["role"],
                   link["child"]["start"], link["child"]["end"])
            if key in seen:
                return f"annotator {name!r}, relation {i}: the same relation twice"
            seen.add(key)
    return None


def _check_relation(link: Any, extents: set[tuple[int, int]]) -> str | None:
    if not isinstance(link, dict):
        return "must be an object with head, child, role"
    unknown = set(link) - RELATION_KEYS
    if unknown:
        return f"unknown field(s) {', '.join(sorted(unknown))}"
    ends = []
    for side in ("head", "child"):
        end = link.get(side)
        if not isinstance(end, dict) or set(end) != {"start", "end"} or any(
                isinstance(v, bool) or not isinstance(v, int) for v in end.values()):
            return f"{side} must be {{\"start\": integer, \"end\": integer}}"
        if (end["start"], end["end"]) not in extents:
            return f"{side} [{end['start']}, {end['end']}) is not one of the annotator's spans"
        ends.append((end["start"], end["end"]))
    role = link.get("role")
    if not isinstance(role, str) or not role:
        return "role must be a non-empty string"
    if ends[0] == ends[1]:
        return "a span linked to itself"
    return None


def _check_span(span: Any, text: str) -> str | None:
    if not isinstance(span, dict):
        return "must be an object with start, end, label"
    unknown = set(span) - SPAN_KEYS
    if unknown:
        return f"unknown field(s) {', '.join(sorted(unknown))}"
    start, end, label = span.get("start"), span.get("end"), span.get("label")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)):
        return "start and end must be integers"
    if not 0 <= start < end <= len(text):
        return f"offsets [{start}, {end}) outside 0 <= start < end <= {len(text)}"
    if not isinstance(label, str) or not label:
        return "label must be a non-empty string"
    attributes = span.get("attributes")
    if attributes is not None:
        if not isinstance(attributes, dict):
            return "attributes must be an object"
        for key, value in attributes.items():
            if value is not None and not isinstance(value, str):
                return f"attribute {key!r} must be a string or null"
    if "text" in span and span["text"] != text[start:end]:
        return f"text {span['text']!r} does not match [{start}, {end})"
    return None


# --- text table --------------------------------------------------------------------------------

COLUMNS = (("krippendorff_alpha", "alpha"), ("fleiss_kappa", "fleiss"),
           ("cohen_kappa", "kappa"), ("span_f1", "F1"), ("span_f1_partial", "F1~"),
           ("unitizing_alpha", "alpha_u"))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _row(name: str, block: FigureBlock, width: int) -> str:
    figures = block.figures()
    cells = [_num(figures[key].value if key in figures else None) for key, _ in COLUMNS]
    return f"{name:<{width}}  " + "  ".join(f"{c:>7}" for c in cells)


def report_table(report: AgreementReport) -> str:
    """Render the headline figures of an ``agreement_report`` as aligned plain text."""
    counts = report.counts
    ov = report.overall
    lines = [
        f"{len(report.annotators)} annotators ({', '.join(report.annotators) or '-'}); "
        f"{counts.sentences} sentences, {counts.sentences_compared} seen by two or more; "
        f"{counts.tokens} tokens ({counts.tokens_inside_spans} inside spans)",
        "",
    ]
    names = ["overall", "  inside spans", *report.per_label]
    pairs = [f"{p.annotators[0]} / {p.annotators[1]}" for p in report.per_pair]
    width = max(len(n) for n in [*names, *pairs, "pair"])
    lines.append(f"{'':<{width}}  " + "  ".join(f"{h:>7}" for _, h in COLUMNS))
    lines.append(_row("overall", ov, width))
    lines.append(_row("  inside spans", ov.inside_spans, width))
    for label, block in report.per_label.items():
        lines.append(_row(label, block, width))
    if report.per_pair:
        lines.append("")
        lines.append(f"{'pair':<{width}}  " + "  ".join(f"{h:>7}" for _, h in COLUMNS))
        for name, pair in zip(pairs, report.per_pair, strict=True):
            lines.append(_row(name, pair, width))
    lines.extend(_argument_lines(report))
    lines.extend(_details(report))
    return "\n".join(lines)


ARGUMENT_COLUMNS = (("argument_f1", "arg F1"), ("argument_f1_partial", "arg F1~"),
                    ("argument_f1_given_event", "given"))


def _argument_lines(report: AgreementReport) -> list[str]:
    """Argument F1 overall, per role and per pair (none when no role exists)."""
    if not report.roles:
        return []
    pairs = [(f"{p.annotators[0]} / {p.annotators[1]}", p.frames) for p in report.per_pair]
    rows = [("overall", report.overall.arguments), *report.per_role.items(), *pairs]
    width = max(len(name) for name, _ in [*rows, ("event-frame arguments", None)])
    compared = sum(b.arguments_compared for b in report.per_role.values())
    lines = ["", f"{'event-frame arguments':<{width}}  "
             + "  ".join(f"{h:>7}" for _, h in ARGUMENT_COLUMNS)
             + f"   ({compared} arguments in sentences seen by two or more)"]
    for name, block in rows:
        figures = block.figures()
        lines.append(f"{name:<{width}}  " + "  ".join(
            f"{_num(figures[key].value):>7}" for key, _ in ARGUMENT_COLUMNS))
    kinds = report.overall.arguments.disagreements
    lines.append("argument disagreements: " + ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in kinds.items()))
    return lines


def _details(report: AgreementReport) -> list[str]:
    """Intervals, event types, disagreements, undefined figures, warnings and the reading."""
    ov = report.overall
    lines: list[str] = []
    if ov.ci is not None:
        lines.append("")
        shown_ci = ov.to_json()["ci"]
        if not report.roles:
            shown_ci.pop("argument_f1")
        for key, interval in shown_ci.items():
            shown = "-" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"
            lines.append(f"95% interval {key}: {shown}")
    et = ov.event_type
    lines.append("")
    lines.append(f"event types over {et.pairs} matched event pairs: strict "
                 f"{_num(et.strict_agreement.value)}, hierarchical "
                 f"{_num(et.hierarchical_agreement.value)}")
    lines.append("disagreements: " + ", ".join(f"{k.replace('_', '-')} {v}"
                                               for k, v in ov.disagreements.items()))
    undefined = [(f"overall {k}", v) for k, v in ov.undefined.items()]
    if undefined:
        lines.append("")
        lines.extend(f"undefined: {where}: {why}" for where, why in undefined)
    if report.warnings:
        lines.append("")
        lines.extend(f"warning: {w}" for w in report.warnings)
    if report.reading:
        lines.append("")
        lines.extend(report.reading)
    return lines
