"""The export's agreement summary, computed chunk by chunk in bounded memory (pure).

``summarize_report(report)`` keeps the figures the export reports (gold-json's ``agreement``
object and the dataset card, docs/export.md) from an agreement report. ``summarize_chunks``
returns exactly the same summary from a sequence of chunks of items, each holding whole
sentences, without building the report: between chunks it keeps only per-sentence sufficient
statistics (the token value patterns of each sentence and, per annotator pair, the sentence's
span counts; see ``report.Resampling``), a few bytes per sentence where the report holds every
token and span of the project.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.data import AgreementInputError, ItemColumns, _group_key, build_corpus
from annotator.agreement.matching import pair_events
from annotator.agreement.metrics import Figure, coincidence_matrix, prf, undefined, value_patterns
from annotator.agreement.report import (
    MIN_UNITS,
    REPORT_FORMAT,
    Resampling,
    _mean,
    _mean_label,
    _put,
    alpha_figures,
    intervals,
    label_prf,
    pair_rows,
    pattern_counts,
    resample,
    sentence_patterns,
    warning_list,
)

Chunk = ItemColumns | Iterable[Mapping[str, Any]]
ONE_ANNOTATOR = "only one annotator: nothing to compare"
NOT_SHARED = "no sentence was annotated by both"


def summarize_chunks(
    chunks: Iterable[Chunk],
    *,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    min_units: int = MIN_UNITS,
    subtype_attribute: str = "event_type",
) -> dict[str, Any]:
    """Return ``summarize_report(agreement_report(all items, ...))`` from chunks of the items.

    Each chunk (``ItemColumns`` or a list of items) holds whole sentences; concatenated in
    order, the chunks are the items of ``agreement_report``, whose arguments the others are.
    Point values are the report's to the last bit, and so are the bootstrap intervals (same
    draws, sums that are exact); only memory differs: the report's grows with the tokens and
    spans, this one with a few small integers per sentence.

    Raises:
        AgreementInputError: an item or span is malformed, or an id repeats across chunks.
    """
    if labels is None and schema is not None:
        labels = list(schema.keys)
    totals = _Totals(labels, subtype_attribute)
    for chunk in chunks:
        totals.add(chunk)
    return summarize_report(totals.report(bootstrap, seed, min_units))


class _Pair:
    """What one annotator pair's span F1 and its bootstrap need, chunk by chunk."""

    def __init__(self) -> None:
        self.shared = False  # some sentence was annotated by both
        # Per chunk: each sentence with spans, its row, and the chunk's distinct rows (exact
        # matches, spans of a, spans of b per label; label code c in column c - 1).
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []


class _Totals:
    """Sufficient statistics of the chunks seen so far.

    Annotators and labels get codes in order of first appearance (given labels first) and are
    put in the report's order (names sorted; given labels, then the others sorted) at the end.
    Sentences are numbered in input order; the report orders them by group, which only the
    bootstrap's draws depend on.
    """

    def __init__(self, labels: Sequence[str] | None, subtype_attribute: str) -> None:
        self.given = list(labels) if labels is not None else None
        self.labels: list[str] = list(self.given or [])  # code c is labels[c - 1]; 0 is O
        self.label_code = {lb: c for c, lb in enumerate(self.labels, start=1)}
        self.subtype_attribute = subtype_attribute
        self.annotators: list[str] = []
        self.annotator_code: dict[str, int] = {}
        self.group_code: dict[Any, int] = {}
        self.int_ids: list[np.ndarray] = []  # checked for repeats at the end, 8 bytes each
        self.other_ids: set[Any] = set()
        self.sentences = 0
        self.compared = 0
        self.sentence_group: list[np.ndarray] = []
        self.sentence_compared: list[np.ndarray] = []
        # A token's pattern: the value each annotator gave it (-1 none), trailing -1s dropped,
        # so a pattern keeps its key when later chunks bring new annotators.
        self.pattern_id: dict[tuple[int, ...], int] = {}
        self.pattern_freq: list[int] = []
        self.token_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.spans_compared: Counter[int] = Counter()
        self.pairs: dict[tuple[str, str], _Pair] = {}

    # --- one chunk ----------------------------------------------------------------------------

    def add(self, chunk: Chunk) -> None:
        corpus = build_corpus(chunk, labels=self.given, subtype_attribute=self.subtype_attribute)
        if len(corpus.ids) == 0:
            return
        self._remember_ids(corpus.ids)
        who = [self._code(self.annotator_code, self.annotators, a) for a in corpus.annotators]
        what = np.array([0, *(self._label(lb) for lb in corpus.labels)], dtype=np.int64)
        offset = self.sentences
        groups = [self._code(self.group_code, None, _group_key(g)) for g in corpus.group_order]
        sizes = [hi - lo for lo, hi in corpus.group_bounds]
        self.sentence_group.append(np.repeat(np.array(groups, dtype=np.int32), sizes))
        compared = corpus.present.sum(axis=0) >= 2
        self.sentence_compared.append(compared)
        self.sentences += len(corpus.ids)
        self.compared += int(compared.sum())

        for arr in corpus.spans:
            seen = np.bincount(arr.label[compared[arr.sentence]], minlength=corpus.width)
            for c in np.flatnonzero(seen[1:]) + 1:
                self.spans_compared[int(what[c])] += int(seen[c])

        patterns, freq, sentence, pattern, tokens = sentence_patterns(corpus)
        ids = np.array([self._pattern(row, who, what) for row in patterns.tolist()],
                       dtype=np.int64)
        for i, f in zip(ids.tolist(), freq.tolist(), strict=True):
            self.pattern_freq[i] += f
        if sentence.size:
            self.token_parts.append(((sentence + offset).astype(np.int32),
                                     ids[pattern].astype(np.int32), tokens.astype(np.int32)))

        for ka, kb in combinations(range(len(corpus.annotators)), 2):
            ev = pair_events(corpus, ka, kb)
            pair = self.pairs.setdefault((corpus.annotators[ka], corpus.annotators[kb]), _Pair())
            pair.shared = pair.shared or bool(ev.shared.any())
            sentences, row, rows = pair_rows(ev, corpus.width)
            if sentences.size:
                coded = np.zeros((rows.shape[0], 3, len(self.labels)), dtype=np.int32)
                coded[:, :, what[1:] - 1] = rows[:, :, 1:]
                pair.parts.append(((sentences + offset).astype(np.int32),
                                   row.astype(np.int32), coded))

    def _remember_ids(self, ids: Sequence[Any]) -> None:
        """Keep the ids to refuse one that repeats in another chunk, as the report does."""
        if all(type(i) is int for i in ids):
            try:
                self.int_ids.append(np.array(ids, dtype=np.int64))
                return
            except OverflowError:
                pass
        for item_id in ids:
            key = tuple(item_id) if isinstance(item_id, list) else item_id
            if key in self.other_ids:
                raise AgreementInputError(f"item {item_id!r}: duplicate id")
            self.other_ids.add(key)

    def _code(self, codes: dict[Any, int], names: list[str] | None, value: Any) -> int:
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(codes)
            if names is not None:
                names.append(value)
        return code

    def _label(self, label: str) -> int:
        code = self.label_code.get(label)
        if code is None:
            self.labels.append(label)
            code = self.label_code[label] = len(self.labels)
        return code

    def _pattern(self, row: list[int], who: list[int], what: np.ndarray) -> int:
        full = [-1] * len(self.annotators)
        for k, v in enumerate(row):
            if v >= 0:
                full[who[k]] = int(what[v])
        while full and full[-1] < 0:
            full.pop()
        key = tuple(full)
        i = self.pattern_id.get(key)
        if i is None:
            i = self.pattern_id[key] = len(self.pattern_freq)
            self.pattern_freq.append(0)
        return i

    # --- the figures ----------------------------------------------------------------------------

    def report(self, bootstrap: int, seed: int, min_units: int) -> dict[str, Any]:
        """The part of ``agreement_report``'s result that ``summarize_report`` reads."""
        names = sorted(self.annotators)
        single = len(names) < 2
        if self.given is None:
            labels, unknown = sorted(self.labels), []
        else:
            unknown = sorted(self.labels[len(self.given):])
            labels = [*self.given, *unknown]
        if len(labels) > 126:
            raise AgreementInputError("at most 126 distinct labels are supported")
        if self.int_ids:
            ids = np.sort(np.concatenate(self.int_ids))
            repeated = np.flatnonzero(ids[1:] == ids[:-1])
            if repeated.size:
                raise AgreementInputError(f"item {int(ids[repeated[0]])}: duplicate id")
        width = len(labels) + 1
        final = {lb: c for c, lb in enumerate(labels, start=1)}
        label_map = np.array([0, *(final[lb] for lb in self.labels)], dtype=np.int64)
        annotator_map = [names.index(a) for a in self.annotators]

        # Token figures: the report's distinct patterns in its order, with their frequencies.
        by_id = np.full((len(self.pattern_freq), len(names)), -1, dtype=np.int64)
        for key, i in self.pattern_id.items():
            for k, v in enumerate(key):
                if v >= 0:
                    by_id[i, annotator_map[k]] = label_map[v]
        if names:
            patterns, _ = value_patterns(by_id.T, width)
            freq_of = {tuple(r): f for r, f in zip(by_id.tolist(), self.pattern_freq,
                                                     strict=True)}
            freq = np.array([freq_of[tuple(r)] for r in patterns.tolist()], dtype=np.float64)
        else:
            patterns, freq = np.zeros((0, 0), dtype=np.int64), np.zeros(0)
        counts = pattern_counts(patterns, width)
        alpha, label_alpha = alpha_figures(coincidence_matrix(counts, freq), labels, single,
                                           counts.size)

        # Span F1 of every pair of annotators (in name order), then their mean.
        f1s: list[Figure] = []
        label_f1: dict[str, list[Figure]] = {lb: [] for lb in labels}
        tables = {}
        for a, b in combinations(names, 2):
            pair = self.pairs.get((a, b))
            no_shared = None if pair is not None and pair.shared else NOT_SHARED
            tables[a, b] = sentence, row, rows = _pair_table(pair, width, label_map)
            exact, n_a, n_b = np.tensordot(np.bincount(row, minlength=rows.shape[0]), rows, 1)
            f1s.append(undefined(no_shared) if no_shared else prf(
                float(exact[1:].sum()), float(n_a[1:].sum()), float(n_b[1:].sum()))["f1"])
            for c, lb in enumerate(labels, start=1):
                label_f1[lb].append(label_prf(exact[c], n_a[c], n_b[c], lb, no_shared)["f1"])

        spans_compared = dict.fromkeys(labels, 0)
        for c, n in self.spans_compared.items():
            spans_compared[labels[label_map[c] - 1]] += n
        overall: dict[str, Any] = {"undefined": {}}
        _put(overall, "krippendorff_alpha", alpha)
        _put(overall, "span_f1", undefined(ONE_ANNOTATOR) if single else _mean(f1s, "span F1"))
        per_label: dict[str, dict[str, Any]] = {}
        for lb, fig in zip(labels, label_alpha, strict=True):
            block: dict[str, Any] = {"undefined": {}}
            _put(block, "krippendorff_alpha", fig)
            _put(block, "span_f1", undefined(ONE_ANNOTATOR) if single else
                 _mean_label(label_f1[lb], "span F1", lb))
            block["spans_compared"] = spans_compared[lb]
            per_label[lb] = block
        if bootstrap > 0:
            samples = resample(self._resampling(names, width, tables, by_id), width,
                               int(bootstrap), int(seed))
            overall["ci"], label_ci = intervals(samples, labels)
            for lb, ci in label_ci.items():
                per_label[lb]["ci"] = ci
        rated = counts.sum(axis=1)
        return {
            "format": REPORT_FORMAT,
            "annotators": names,
            "counts": {"sentences_compared": self.compared,
                       "tokens_compared": int(freq[rated >= 2].sum())},
            "overall": overall,
            "per_label": per_label,
            "bootstrap": {"replicates": int(bootstrap), "seed": int(seed)},
            "warnings": warning_list(len(names), self.compared, unknown, spans_compared,
                                     min_units),
        }

    def _resampling(self, names: list[str], width: int,
                    tables: Mapping[tuple[str, str], tuple[np.ndarray, ...]],
                    by_id: np.ndarray) -> Resampling:
        """The bootstrap's statistics, with the compared sentences numbered as the report
        numbers them (by group in order of first appearance, then input order)."""
        group = np.concatenate(self.sentence_group or [np.zeros(0, dtype=np.int32)])
        compared = np.concatenate(self.sentence_compared or [np.zeros(0, dtype=bool)])
        order = np.argsort(group, kind="stable")
        chosen = order[compared[order]]
        rank = np.full(self.sentences, -1, dtype=np.int64)
        rank[chosen] = np.arange(chosen.size)
        parts = self.token_parts
        if parts:
            sentence = rank[np.concatenate([p[0] for p in parts])]
            pattern = np.concatenate([p[1] for p in parts])
            tokens = np.concatenate([p[2] for p in parts])
        else:
            sentence = pattern = tokens = np.zeros(0, dtype=np.int64)
        pairs = [(rank[sentence], row, rows) for sentence, row, rows in tables.values()
                 if sentence.size]
        return Resampling(int(chosen.size), sentence, pattern, tokens,
                          pattern_counts(by_id, width), pairs)


def _pair_table(pair: _Pair | None, width: int, label_map: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A pair's chunks as one table in the report's label codes: (sentence numbers, row of
    each, rows: R x 3 x width)."""
    parts = pair.parts if pair is not None else []
    rows = np.zeros((sum(p[2].shape[0] for p in parts), 3, width), dtype=np.int64)
    sentences, row_ids = [], []
    base = 0
    for sentence, row, coded in parts:
        n, _, known = coded.shape
        rows[base:base + n, :, label_map[1:known + 1]] = coded
        sentences.append(sentence)
        row_ids.append(row.astype(np.int64) + base)
        base += n
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), rows
    return np.concatenate(sentences), np.concatenate(row_ids), rows


# --- the summary -------------------------------------------------------------------------------


def _figure(block: Mapping[str, Any], name: str) -> dict[str, Any]:
    interval = (block.get("ci") or {}).get(name)
    return {
        "value": block.get(name),
        "ci95": list(interval) if interval else None,
        "reason": (block.get("undefined") or {}).get(name),
    }


def summarize_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the figures the export reports from an agreement report (``agreement_report``)."""
    counts = report["counts"]
    labels = {
        label: {
            "krippendorff_alpha": _figure(block, "krippendorff_alpha"),
            "span_f1": _figure(block, "span_f1"),
            "spans": block.get("spans_compared"),
        }
        for label, block in report["per_label"].items()
    }
    return {
        "report_format": report.get("format"),
        "sentences": counts["sentences_compared"],
        "annotators": len(report["annotators"]),
        "tokens": counts["tokens_compared"],
        "overall": {
            "krippendorff_alpha": _figure(report["overall"], "krippendorff_alpha"),
            "span_f1": _figure(report["overall"], "span_f1"),
            "spans": sum(x["spans"] or 0 for x in labels.values()),
        },
        "labels": labels,
        "bootstrap": {"replicates": report["bootstrap"]["replicates"],
                      "seed": report["bootstrap"]["seed"]},
        "warnings": list(report["warnings"]),
    }
