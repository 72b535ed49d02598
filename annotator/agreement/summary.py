"""The export's agreement summary, computed chunk by chunk in bounded memory (pure).

``summarize_report(report)`` keeps the figures the export reports (gold-json's ``agreement``
object and the dataset card, docs/export.md) from an agreement report. ``summarize_chunks``
returns exactly the same summary from a sequence of chunks of items, each holding whole
sentences, without building the report: between chunks it keeps only per-sentence sufficient
statistics (the token value patterns of each sentence and, per annotator pair, the sentence's
span counts and argument counts per role; see ``bootstrap.Resampling`` and
``argument_summary``), a few bytes per sentence where the report holds every token, span and
relation of the project.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.argument_summary import ArgumentSummary, ArgumentTotals, figure_json
from annotator.agreement.blocks import AgreementReport, Intervals
from annotator.agreement.bootstrap import (
    Resampling,
    argument_intervals,
    intervals,
    pair_rows,
    resample,
)
from annotator.agreement.build import build_corpus
from annotator.agreement.data import AgreementInputError, ItemColumns, group_key
from annotator.agreement.frames import schema_roles
from annotator.agreement.matching import pair_events
from annotator.agreement.metrics import Figure, coincidence_matrix, prf, undefined, value_patterns
from annotator.agreement.patterns import pattern_counts, sentence_patterns
from annotator.agreement.reading import argument_warnings, warning_list
from annotator.agreement.reasons import (
    NOT_SHARED,
    alpha_figures,
    label_mean_over_pairs,
    label_prf,
    mean_over_pairs,
    unless_single,
)
from annotator.agreement.report import MIN_UNITS, REPORT_FORMAT

Chunk = ItemColumns | Iterable[Mapping[str, Any]]


def summarize_chunks(
    chunks: Iterable[Chunk],
    *,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    min_units: int = MIN_UNITS,
    subtype_attribute: str = "event_type",
) -> dict[str, Any]:
    """Return ``summarize_report(agreement_report(all items, ...))`` from chunks of the items.

    Each chunk (``ItemColumns`` or a list of items) holds whole sentences; concatenated in
    order, the chunks are the items of ``agreement_report``, whose arguments the others are
    (``roles``: the event-frame role list when there is no schema).
    Point values are the report's to the last bit, and so are the bootstrap intervals (same
    draws, sums that are exact); only memory differs: the report's grows with the tokens and
    spans, this one with a few small integers per sentence.

    Raises:
        AgreementInputError: an item or span is malformed, or an id repeats across chunks.
    """
    if labels is None and schema is not None:
        labels = list(schema.keys)
    # As the report: unknown roles are warned about when a schema or a role list is given.
    warn_roles = schema is not None or roles is not None
    totals = _Totals(labels, subtype_attribute,
                     ArgumentTotals(schema_roles(schema) if roles is None else roles),
                     warn_roles)
    for chunk in chunks:
        totals.add(chunk)
    return totals.summary(bootstrap, seed, min_units).to_json()


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

    def __init__(self, labels: Sequence[str] | None, subtype_attribute: str,
                 frames: ArgumentTotals, warn_roles: bool) -> None:
        self.given = list(labels) if labels is not None else None
        self.frames = frames  # event-frame arguments
        self.warn_roles = warn_roles
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
        """Take in the sufficient statistics of one chunk of whole sentences."""
        corpus = build_corpus(chunk, labels=self.given, subtype_attribute=self.subtype_attribute,
                              roles=self.frames.given)
        if len(corpus.ids) == 0:
            return
        self._remember_ids(corpus.ids)
        who = [self._code(self.annotator_code, self.annotators, a) for a in corpus.annotators]
        what = np.array([0, *(self._label(lb) for lb in corpus.labels)], dtype=np.int64)
        offset = self.sentences
        groups = [self._code(self.group_code, None, group_key(g)) for g in corpus.group_order]
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

        events = {}
        for ka, kb in combinations(range(len(corpus.annotators)), 2):
            ev = events[(ka, kb)] = pair_events(corpus, ka, kb)
            pair = self.pairs.setdefault((corpus.annotators[ka], corpus.annotators[kb]), _Pair())
            pair.shared = pair.shared or bool(ev.shared.any())
            sentences, row, rows = pair_rows(ev, corpus.width)
            if sentences.size:
                coded = np.zeros((rows.shape[0], 3, len(self.labels)), dtype=np.int32)
                coded[:, :, what[1:] - 1] = rows[:, :, 1:]
                pair.parts.append(((sentences + offset).astype(np.int32),
                                   row.astype(np.int32), coded))
        self.frames.add(corpus, compared, offset, events)

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

    def summary(self, bootstrap: int, seed: int, min_units: int) -> AgreementSummary:
        """``summarize_report``'s summary of the report on every chunk seen."""
        codes = self._final_codes()
        names, labels, width = codes.names, codes.labels, codes.width
        single = len(names) < 2
        by_id = self._patterns_by_id(codes)
        patterns, freq = self._report_patterns(by_id, codes)
        counts = pattern_counts(patterns, width)
        alpha, label_alpha = alpha_figures(coincidence_matrix(counts, freq), labels, single,
                                           counts.size)
        tables = {(a, b): _pair_table(self.pairs.get((a, b)), width, codes.label_map)
                  for a, b in combinations(names, 2)}
        f1, label_f1 = self._span_f1(tables, labels, single)
        spans_compared = dict.fromkeys(labels, 0)
        for c, n in self.spans_compared.items():
            spans_compared[labels[codes.label_map[c] - 1]] += n
        roles, unknown_roles, role_map = self.frames.final_roles()
        role_tables = self.frames.tables(names, role_map)
        overall_ci: Intervals | None = None
        label_ci: dict[str, Intervals | None] = dict.fromkeys(labels)
        role_intervals = None
        if bootstrap > 0:
            data = self._resampling(width, tables, by_id, role_tables, len(roles))
            samples = resample(data, width, int(bootstrap), int(seed))
            overall_ci, label_intervals = intervals(samples, labels)
            label_ci.update(label_intervals)
            role_intervals = argument_intervals(samples, roles)
        shared = {p for p, pair in self.pairs.items() if pair.shared}
        arguments = self.frames.summary(roles, role_tables, shared, single, role_intervals)
        compared_roles = self.frames.compared_per_role(roles)
        per_label = {lb: SummaryFigures(label_alpha[i], label_f1[lb], label_ci[lb],
                                        spans_compared[lb]) for i, lb in enumerate(labels)}
        return AgreementSummary(
            report_format=REPORT_FORMAT, sentences=self.compared, annotators=len(names),
            tokens=int(freq[counts.sum(axis=1) >= 2].sum()),
            overall=SummaryFigures(alpha, f1, overall_ci, sum(spans_compared.values())),
            labels=per_label, arguments=arguments, replicates=int(bootstrap), seed=int(seed),
            warnings=warning_list(len(names), self.compared, codes.unknown, spans_compared,
                                  min_units)
            + argument_warnings(compared_roles, unknown_roles if self.warn_roles else [],
                                min_units))

    def _final_codes(self) -> _Codes:
        """The report's order of annotators and labels, and the codes seen so far in it.

        Raises:
            AgreementInputError: too many labels, or an id that repeats across chunks.
        """
        names = sorted(self.annotators)
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
        final = {lb: c for c, lb in enumerate(labels, start=1)}
        return _Codes(names, labels, unknown,
                      np.array([0, *(final[lb] for lb in self.labels)], dtype=np.int64),
                      [names.index(a) for a in self.annotators])

    def _patterns_by_id(self, codes: _Codes) -> np.ndarray:
        """Every pattern seen, by id, in the report's annotator and label codes."""
        by_id = np.full((len(self.pattern_freq), len(codes.names)), -1, dtype=np.int64)
        for key, i in self.pattern_id.items():
            for k, v in enumerate(key):
                if v >= 0:
                    by_id[i, codes.annotator_map[k]] = codes.label_map[v]
        return by_id

    def _report_patterns(self, by_id: np.ndarray, codes: _Codes
                         ) -> tuple[np.ndarray, np.ndarray]:
        """The report's distinct patterns in its order, with their frequencies."""
        if not codes.names:
            return np.zeros((0, 0), dtype=np.int64), np.zeros(0)
        patterns, _ = value_patterns(by_id.T, codes.width)
        freq_of = {tuple(r): f for r, f in zip(by_id.tolist(), self.pattern_freq, strict=True)}
        return patterns, np.array([freq_of[tuple(r)] for r in patterns.tolist()],
                                  dtype=np.float64)

    def _span_f1(self, tables: Mapping[tuple[str, str], tuple[np.ndarray, ...]],
                 labels: list[str], single: bool) -> tuple[Figure, dict[str, Figure]]:
        """Exact span F1 averaged over pairs of annotators (in name order), overall and per
        label."""
        f1s: list[Figure] = []
        label_f1: dict[str, list[Figure]] = {lb: [] for lb in labels}
        for (a, b), (_, row, rows) in tables.items():
            pair = self.pairs.get((a, b))
            no_shared = None if pair is not None and pair.shared else NOT_SHARED
            exact, n_a, n_b = np.tensordot(np.bincount(row, minlength=rows.shape[0]), rows, 1)
            f1s.append(undefined(no_shared) if no_shared else prf(
                float(exact[1:].sum()), float(n_a[1:].sum()), float(n_b[1:].sum()))["f1"])
            for c, lb in enumerate(labels, start=1):
                label_f1[lb].append(label_prf(exact[c], n_a[c], n_b[c], lb, no_shared)["f1"])
        return (unless_single(mean_over_pairs(f1s, "span F1"), single),
                {lb: unless_single(label_mean_over_pairs(figs, "span F1", lb), single)
                 for lb, figs in label_f1.items()})

    def _resampling(self, width: int,
                    tables: Mapping[tuple[str, str], tuple[np.ndarray, ...]],
                    by_id: np.ndarray,
                    role_tables: Mapping[tuple[str, str], tuple[np.ndarray, ...]],
                    roles: int) -> Resampling:
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
        arguments = [(rank[sentence], row, rows) for sentence, row, rows in role_tables.values()
                     if sentence.size]
        return Resampling(int(chosen.size), sentence, pattern, tokens,
                          pattern_counts(by_id, width), pairs, arguments, roles)


@dataclass(frozen=True)
class _Codes:
    """The report's annotator and label order, and maps from the codes met chunk by chunk."""

    names: list[str]  # annotators, sorted
    labels: list[str]  # given labels, then the others sorted
    unknown: list[str]  # labels not in the given list
    label_map: np.ndarray  # code of first appearance (0: O) -> report's code
    annotator_map: list[int]  # annotator code of first appearance -> report's index

    @property
    def width(self) -> int:
        """Number of value codes: the labels and O."""
        return len(self.labels) + 1


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


@dataclass(frozen=True)
class SummaryFigures:
    """What the export keeps of one report block: alpha and exact span F1, their intervals,
    and the spans they rest on."""

    krippendorff_alpha: Figure
    span_f1: Figure
    ci: Intervals | None
    spans: int | None

    def to_json(self) -> dict[str, Any]:
        """Return ``{"krippendorff_alpha": {"value", "ci95", "reason"}, "span_f1", "spans"}``."""
        return {"krippendorff_alpha": self._figure("krippendorff_alpha"),
                "span_f1": self._figure("span_f1"), "spans": self.spans}

    def _figure(self, name: str) -> dict[str, Any]:
        return figure_json(getattr(self, name), self.ci.get(name) if self.ci is not None else None)


@dataclass(frozen=True)
class AgreementSummary:
    """The agreement figures the export reports (gold-json's ``agreement``, the card)."""

    report_format: str
    sentences: int  # sentences compared (annotated by two or more)
    annotators: int
    tokens: int  # tokens compared
    overall: SummaryFigures  # its spans: the labels' spans summed
    labels: dict[str, SummaryFigures]
    arguments: ArgumentSummary | None  # None: no role to measure
    replicates: int
    seed: int
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        """Return the summary as docs/export.md documents it."""
        labels = {label: block.to_json() for label, block in self.labels.items()}
        overall = self.overall.to_json()
        frames = {}
        if self.arguments is not None:
            overall["argument_f1"] = figure_json(self.arguments.argument_f1, self.arguments.ci)
            frames["per_role"] = self.arguments.to_json()
        return {
            "report_format": self.report_format,
            "sentences": self.sentences,
            "annotators": self.annotators,
            "tokens": self.tokens,
            "overall": overall,
            "labels": labels,
            **frames,
            "bootstrap": {"replicates": self.replicates, "seed": self.seed},
            "warnings": list(self.warnings),
        }


def summarize_report(report: AgreementReport) -> dict[str, Any]:
    """Keep the figures the export reports from an agreement report (``agreement_report``)."""
    labels = {label: SummaryFigures(block.krippendorff_alpha, block.span_f1, block.ci,
                                    block.spans_compared)
              for label, block in report.per_label.items()}
    overall = report.overall
    return AgreementSummary(
        report_format=report.format, sentences=report.counts.sentences_compared,
        annotators=len(report.annotators), tokens=report.counts.tokens_compared,
        overall=SummaryFigures(overall.krippendorff_alpha, overall.span_f1, overall.ci,
                               sum(block.spans or 0 for block in labels.values())),
        labels=labels, arguments=ArgumentSummary.of_report(report),
        replicates=report.bootstrap.replicates, seed=report.bootstrap.seed,
        warnings=list(report.warnings),
    ).to_json()
