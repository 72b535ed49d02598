"""Flatten an agreement report into CSV rows; group drill-down disagreements by sentence (pure)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from annotator.agreement.blocks import AgreementReport, EventTypeAgreement, Interval, Section
from annotator.agreement.metrics import Figure
from annotator.spreadsheet import neutralise

CSV_COLUMNS = ("scope", "subject", "name", "value", "ci_low", "ci_high", "n", "n_of", "reason")

# The figures each kind of block gives a row, in row order.
TOKEN_FIGURES = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")
INSIDE_FIGURES = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")
SPAN_FIGURES = ("span_f1", "span_f1_partial")
PAIR_SPAN_FIGURES = ("span_f1", "precision", "recall", "span_f1_partial", "precision_partial",
                     "recall_partial")
ARGUMENT_FIGURES = ("argument_f1", "argument_f1_partial", "argument_f1_given_event")
PAIR_ARGUMENT_FIGURES = ("argument_f1", "argument_precision", "argument_recall",
                         "argument_f1_partial", "argument_f1_given_event")
EVENT_FIGURES = ("strict_agreement", "hierarchical_agreement", "strict_alpha",
                 "hierarchical_alpha")
PAIR_SEPARATOR = " / "


Row = dict[str, Any]


def _row(scope: str, subject: Any, name: str, value: Any, n: int | None, n_of: str,
         ci: Interval | None = None, reason: str | None = None) -> Row:
    return {
        "scope": scope,
        "subject": "" if subject is None else str(subject),
        "name": name,
        "value": value,
        "ci_low": ci[0] if ci else None,
        "ci_high": ci[1] if ci else None,
        "n": n,
        "n_of": n_of if n is not None else "",
        "reason": reason or "",
    }


def _figure_row(scope: str, subject: Any, name: str, fig: Figure, n: int | None, n_of: str,
                ci: Interval | None = None) -> Row:
    return _row(scope, subject, name, fig.value, n, n_of, ci,
                fig.reason if fig.value is None else None)


def _count_rows(scope: str, subject: Any, kinds: Mapping[str, int]) -> list[Row]:
    # Span and argument disagreement kinds have distinct names: both are "disagreements.*".
    return [_row(scope, subject, f"disagreements.{kind}", count, None, "")
            for kind, count in kinds.items()]


def _event_rows(scope: str, subject: Any, event: EventTypeAgreement) -> list[Row]:
    figures = event.figures()
    return [_figure_row(scope, subject, f"event_type.{key}", figures[key], event.pairs,
                        "event span pairs") for key in EVENT_FIGURES]


def _overall_rows(scope: str, subject: Any, section: Section) -> list[Row]:
    """Rows of a section's overall figures."""
    counts, overall = section.counts, section.overall
    ci = overall.ci.get if overall.ci is not None else _no_interval
    figures, inside = overall.figures(), overall.inside_spans
    spans_compared = sum(b.spans_compared for b in section.per_label.values())
    rows = [_figure_row(scope, subject, key, figures[key], counts.tokens_compared, "tokens",
                        ci(key)) for key in TOKEN_FIGURES]
    rows += [_figure_row(scope, subject, f"inside_spans.{key}", inside.figures()[key],
                         inside.tokens, "tokens") for key in INSIDE_FIGURES]
    rows += [_figure_row(scope, subject, key, figures[key], spans_compared, "spans", ci(key))
             for key in SPAN_FIGURES]
    rows.append(_figure_row(scope, subject, "unitizing_alpha", overall.unitizing_alpha,
                            overall.unitizing_sentences, "sentences"))
    rows += _event_rows(scope, subject, overall.event_type)
    rows += _count_rows(scope, subject, overall.disagreements)
    arguments = overall.arguments
    compared = sum(b.arguments_compared for b in section.per_role.values())
    rows += [_figure_row(scope, subject, key, arguments.figures()[key], compared, "arguments",
                         arguments.ci if key == "argument_f1" else None)
             for key in ARGUMENT_FIGURES]
    return rows + _count_rows(scope, subject, arguments.disagreements)


def _role_rows(section: Section) -> list[Row]:
    """Rows of each role's argument figures (``scope`` = ``role``)."""
    rows = []
    for role, block in section.per_role.items():
        figures = block.figures()
        rows += [_figure_row("role", role, key, figures[key], block.arguments_compared,
                             "arguments", block.ci if key == "argument_f1" else None)
                 for key in ARGUMENT_FIGURES]
        rows += _count_rows("role", role, block.disagreements)
    return rows


def _label_rows(section: Section) -> list[Row]:
    """Rows of each label's figures."""
    counts, rows = section.counts, []
    for label, block in section.per_label.items():
        ci = block.ci.get if block.ci is not None else _no_interval
        figures, inside = block.figures(), block.inside_spans.figures()
        rows += [_figure_row("label", label, key, figures[key], counts.tokens_compared,
                             "tokens", ci(key)) for key in TOKEN_FIGURES]
        rows += [_figure_row("label", label, f"inside_spans.{key}", inside[key],
                             counts.tokens_inside_spans, "tokens") for key in INSIDE_FIGURES]
        rows += [_figure_row("label", label, key, figures[key], block.spans_compared, "spans",
                             ci(key)) for key in SPAN_FIGURES]
        rows.append(_figure_row("label", label, "unitizing_alpha", block.unitizing_alpha,
                                section.overall.unitizing_sentences, "sentences"))
        rows += _count_rows("label", label, block.disagreements)
    return rows


def _pair_rows(section: Section) -> list[Row]:
    """Rows of each annotator pair's figures."""
    rows = []
    for block in section.per_pair:
        subject = PAIR_SEPARATOR.join(block.annotators)
        figures = block.figures()
        rows.append(_figure_row("pair", subject, "cohen_kappa", block.cohen_kappa,
                                block.tokens, "tokens"))
        rows.append(_figure_row("pair", subject, "inside_spans.cohen_kappa",
                                block.inside_spans.cohen_kappa, block.inside_spans.tokens,
                                "tokens"))
        n_spans = sum(block.spans.values())
        rows += [_figure_row("pair", subject, key, figures[key], n_spans, "spans")
                 for key in PAIR_SPAN_FIGURES]
        rows.append(_figure_row("pair", subject, "unitizing_alpha", block.unitizing_alpha,
                                block.sentences, "sentences"))
        rows += _event_rows("pair", subject, block.event_type)
        rows += _count_rows("pair", subject, block.disagreements)
        frames = block.frames
        n_arguments = sum(frames.arguments.values())
        rows += [_figure_row("pair", subject, key, frames.figures()[key], n_arguments,
                             "arguments") for key in PAIR_ARGUMENT_FIGURES]
        rows += _count_rows("pair", subject, frames.disagreements)
        for role, one in frames.per_role.items():
            rows.append(_figure_row("pair", subject, f"per_role.{role}.argument_f1",
                                    one.argument_f1, sum(one.arguments.values()), "arguments"))
    return rows


def _no_interval(name: str) -> None:
    return None


def report_rows(report: AgreementReport) -> list[Row]:
    """Every figure of ``report`` as one row: overall, per label, per role (event-frame
    arguments), per pair, then per batch.

    ``subject`` names the label, the role, the pair ("a / b") or the batch (its group id);
    ``n`` is the number of units the figure rests on and ``n_of`` says what they are (tokens,
    spans, arguments, sentences, event span pairs); ``reason`` says why an undefined figure
    (value None) is.
    """
    rows = _overall_rows("overall", None, report.whole)
    rows += _label_rows(report.whole) + _role_rows(report.whole) + _pair_rows(report.whole)
    for group in report.per_group:
        rows += _overall_rows("batch", group.group, group.section)
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
        writer.writerow([neutralise(_cell(row[c])) for c in CSV_COLUMNS])
    return out.getvalue()


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
        for name, side in zip(entry["annotators"], ("a_spans", "b_spans"), strict=True):
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


def _link_key(link: Mapping[str, Any]) -> tuple[Any, ...]:
    return (link["head"]["start"], link["head"]["end"], link["role"], link["child"]["start"],
            link["child"]["end"])


def group_links_by_sentence(entries: Sequence[Mapping[str, Any]],
                            items: Mapping[Any, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Group ``list_argument_disagreements`` entries by sentence, in the order they come.

    ``items`` maps a sentence id to its item (``annotations`` and ``relations``), so that each
    annotator involved is shown with all of their spans and all of their links, the disputed
    ones marked. Returns ``[{"sentence_id", "text", "group", "disagreements": [...],
    "annotators": [{"name", "pieces", "spans": n, "links": [{..., "disputed"}]}]}]``.
    """
    by_sentence: dict[Any, dict[str, Any]] = {}
    for entry in entries:
        sid = entry["sentence_id"]
        item = by_sentence.setdefault(sid, {"sentence_id": sid, "text": entry["text"],
                                            "group": entry.get("group"), "disagreements": [],
                                            "_disputed": {}})
        item["disagreements"].append(entry)
        for name in entry["annotators"]:
            item["_disputed"].setdefault(name, set())
        mine = entry["a_links"] if entry["by"] == entry["annotators"][0] else entry["b_links"]
        item["_disputed"][entry["by"]].update(_link_key(link) for link in mine)
    out = []
    for sid, item in by_sentence.items():
        source = items.get(sid, {})
        rows = []
        for name in sorted(item["_disputed"]):
            spans = list((source.get("annotations") or {}).get(name) or [])
            links = (source.get("relations") or {}).get(name) or []
            text = item["text"]
            marked = {(s["start"], s["end"], s["label"]) for link in links
                      if _link_key(link) in item["_disputed"][name]
                      for s in spans if (s["start"], s["end"]) in {
                          (link["head"]["start"], link["head"]["end"]),
                          (link["child"]["start"], link["child"]["end"])}}
            shown = [{"role": link["role"],
                      "head": text[link["head"]["start"]:link["head"]["end"]],
                      "child": text[link["child"]["start"]:link["child"]["end"]],
                      "disputed": _link_key(link) in item["_disputed"][name]}
                     for link in sorted(links, key=_link_key)]
            rows.append({"name": name, "spans": len(spans), "links": shown,
                         "pieces": segments(text, spans, marked)})
        item.pop("_disputed")
        item["annotators"] = rows
        out.append(item)
    return out
