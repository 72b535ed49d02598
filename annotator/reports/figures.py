"""Flatten an agreement report into CSV rows; group drill-down disagreements by sentence (pure)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CSV_COLUMNS = ("scope", "subject", "name", "value", "ci_low", "ci_high", "n", "n_of", "reason")

# (figure, what its n counts) per kind of block; the n itself is looked up by _n().
TOKEN_FIGURES = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")
INSIDE_FIGURES = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")
SPAN_FIGURES = ("span_f1", "span_f1_partial")
PAIR_SPAN_FIGURES = ("span_f1", "precision", "recall", "span_f1_partial", "precision_partial",
                     "recall_partial")
EVENT_FIGURES = ("strict_agreement", "hierarchical_agreement", "strict_alpha",
                 "hierarchical_alpha")
PAIR_SEPARATOR = " / "


def _row(scope: str, subject: Any, name: str, block: Mapping[str, Any], key: str,
         n: int | None, n_of: str, ci: Sequence[float] | None = None) -> dict[str, Any]:
    value = block.get(key)
    return {
        "scope": scope,
        "subject": "" if subject is None else str(subject),
        "name": name,
        "value": value,
        "ci_low": ci[0] if ci else None,
        "ci_high": ci[1] if ci else None,
        "n": n,
        "n_of": n_of if n is not None else "",
        "reason": block.get("undefined", {}).get(key) or "",
    }


def _section_rows(scope: str, subject: Any, section: Mapping[str, Any],
                  with_labels: bool) -> list[dict[str, Any]]:
    """Rows of one report section (the whole report, or one group's section)."""
    rows: list[dict[str, Any]] = []
    counts = section["counts"]
    overall = section["overall"]
    ci = overall.get("ci") or {}
    spans_compared = sum(b.get("spans_compared", 0) for b in section["per_label"].values())
    for key in TOKEN_FIGURES:
        rows.append(_row(scope, subject, key, overall, key, counts["tokens_compared"], "tokens",
                         ci.get(key)))
    inside = overall.get("inside_spans", {})
    for key in INSIDE_FIGURES:
        rows.append(_row(scope, subject, f"inside_spans.{key}", inside, key,
                         inside.get("tokens"), "tokens"))
    for key in SPAN_FIGURES:
        rows.append(_row(scope, subject, key, overall, key, spans_compared, "spans", ci.get(key)))
    rows.append(_row(scope, subject, "unitizing_alpha", overall, "unitizing_alpha",
                     overall.get("unitizing_sentences"), "sentences"))
    event = overall.get("event_type", {})
    for key in EVENT_FIGURES:
        rows.append(_row(scope, subject, f"event_type.{key}", event, key, event.get("pairs"),
                         "event span pairs"))
    for kind, count in overall.get("disagreements", {}).items():
        rows.append(_row(scope, subject, f"disagreements.{kind}", {"v": count}, "v", None, ""))
    if not with_labels:
        return rows

    for label, block in section["per_label"].items():
        ci = block.get("ci") or {}
        for key in TOKEN_FIGURES:
            rows.append(_row("label", label, key, block, key, counts["tokens_compared"],
                             "tokens", ci.get(key)))
        inside = block.get("inside_spans", {})
        for key in INSIDE_FIGURES:
            rows.append(_row("label", label, f"inside_spans.{key}", inside, key,
                             counts["tokens_inside_spans"], "tokens"))
        for key in SPAN_FIGURES:
            rows.append(_row("label", label, key, block, key, block.get("spans_compared"),
                             "spans", ci.get(key)))
        rows.append(_row("label", label, "unitizing_alpha", block, "unitizing_alpha",
                         overall.get("unitizing_sentences"), "sentences"))
        for kind, count in block.get("disagreements", {}).items():
            rows.append(_row("label", label, f"disagreements.{kind}", {"v": count}, "v", None, ""))

    for block in section["per_pair"]:
        subject_pair = PAIR_SEPARATOR.join(block["annotators"])
        rows.append(_row("pair", subject_pair, "cohen_kappa", block, "cohen_kappa",
                         block.get("tokens"), "tokens"))
        inside = block.get("inside_spans", {})
        rows.append(_row("pair", subject_pair, "inside_spans.cohen_kappa", inside, "cohen_kappa",
                         inside.get("tokens"), "tokens"))
        n_spans = sum(block.get("spans", {}).values())
        for key in PAIR_SPAN_FIGURES:
            rows.append(_row("pair", subject_pair, key, block, key, n_spans, "spans"))
        rows.append(_row("pair", subject_pair, "unitizing_alpha", block, "unitizing_alpha",
                         block.get("sentences"), "sentences"))
        event = block.get("event_type", {})
        for key in EVENT_FIGURES:
            rows.append(_row("pair", subject_pair, f"event_type.{key}", event, key,
                             event.get("pairs"), "event span pairs"))
        for kind, count in block.get("disagreements", {}).items():
            rows.append(_row("pair", subject_pair, f"disagreements.{kind}", {"v": count}, "v",
                             None, ""))
    return rows


def report_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every figure of ``report`` as one row: overall, per label, per pair, then per batch.

    ``subject`` names the label, the pair ("a / b") or the batch (its group id); ``n`` is the
    number of units the figure rests on and ``n_of`` says what they are (tokens, spans,
    sentences, event span pairs); ``reason`` says why an undefined figure (value None) is.
    """
    rows = _section_rows("overall", None, report, with_labels=True)
    for group in report.get("per_group", []):
        rows.extend(_section_rows("batch", group["group"], group, with_labels=False))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)  # repr: every digit, round-trips
    return str(value)


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Render rows as CSV text with a header line (undefined values as empty cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_neutralise(_cell(row[c])) for c in CSV_COLUMNS])
    return out.getvalue()


def _neutralise(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets (CSV injection); names
    # and reasons come from users, so quote them with a leading apostrophe. Numbers pass.
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- drill-down ------------------------------------------------------------------------------


def segments(text: str, spans: Sequence[Mapping[str, Any]],
             disputed: set[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """Cut ``text`` into pieces, each plain or covered by one span (spans must not overlap).

    Each piece: ``{"text", "span": span dict or None, "disputed": bool}``; ``disputed`` marks
    the spans (start, end, label) involved in the disagreements being listed.
    """
    pieces: list[dict[str, Any]] = []
    at = 0
    for span in sorted(spans, key=lambda s: (s["start"], s["end"])):
        start, end = int(span["start"]), int(span["end"])
        if start < at:  # overlapping input: show the later span's remainder only
            start = at
            if start >= end:
                continue
        if start > at:
            pieces.append({"text": text[at:start], "span": None, "disputed": False})
        key = (int(span["start"]), int(span["end"]), span["label"])
        pieces.append({"text": text[start:end], "span": span, "disputed": key in disputed})
        at = end
    if at < len(text) or not pieces:
        pieces.append({"text": text[at:], "span": None, "disputed": False})
    return pieces


def group_by_sentence(entries: Sequence[Mapping[str, Any]],
                      annotations: Mapping[Any, Mapping[str, Sequence[Mapping[str, Any]] | None]],
                      ) -> list[dict[str, Any]]:
    """Group ``list_disagreements`` entries by sentence, in the order they come.

    ``annotations`` maps a sentence id to every annotator's full spans, so that each
    annotator involved is shown with all of their spans over the text, the disputed ones
    marked. Returns ``[{"sentence_id", "text", "group", "disagreements": [...],
    "annotators": [{"name", "pieces", "spans": n}]}]``.
    """
    by_sentence: dict[Any, dict[str, Any]] = {}
    for entry in entries:
        sid = entry["sentence_id"]
        item = by_sentence.get(sid)
        if item is None:
            item = by_sentence[sid] = {"sentence_id": sid, "text": entry["text"],
                                       "group": entry.get("group"), "disagreements": [],
                                       "_names": [], "_disputed": {}}
        item["disagreements"].append(entry)
        for name, side in zip(entry["annotators"], ("a_spans", "b_spans")):
            if name not in item["_names"]:
                item["_names"].append(name)
            marks = item["_disputed"].setdefault(name, set())
            marks.update((s["start"], s["end"], s["label"]) for s in entry[side])
    out = []
    for sid, item in by_sentence.items():
        spans_of = annotations.get(sid, {})
        rows = []
        for name in sorted(item.pop("_names")):
            spans = list(spans_of.get(name) or [])
            rows.append({"name": name, "spans": len(spans),
                         "pieces": segments(item["text"], spans, item["_disputed"][name])})
        item.pop("_disputed")
        item["annotators"] = rows
        out.append(item)
    return out
