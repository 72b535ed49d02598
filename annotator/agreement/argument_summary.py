"""Argument F1 in the export's agreement summary, overall and per role, from the report or
gathered chunk by chunk (pure).

``ArgumentSummary.of_report`` keeps the report's argument F1 (``argument_figures``) with its
95% interval. ``ArgumentTotals`` gives the same figures from chunks of whole sentences: per
annotator pair it keeps, for each sentence with arguments, a row of small counts per role
(exact matches, arguments of each side: ``bootstrap.argument_rows``), enough for the point
values (sums of integers, exact) and for the bootstrap's replicates (the same draws as the
report's), never the spans or relations themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.argument_figures import (
    NO_ARGUMENT,
    WHAT,
    argument_prf,
    nobody_linked,
)
from annotator.agreement.arguments import argument_keys, pair_arguments
from annotator.agreement.blocks import AgreementReport, Interval
from annotator.agreement.bootstrap import PairRows, argument_rows
from annotator.agreement.data import Corpus
from annotator.agreement.matching import PairEvents
from annotator.agreement.metrics import Figure, undefined
from annotator.agreement.reasons import (
    NOT_SHARED,
    label_mean_over_pairs,
    mean_over_pairs,
    unless_single,
)


def figure_json(fig: Figure, interval: Interval | None) -> dict[str, Any]:
    """Return ``{"value", "ci95", "reason"}``: a figure as the export's summary writes it."""
    return {"value": fig.value, "ci95": list(interval) if interval else None,
            "reason": fig.reason if fig.value is None else None}


@dataclass(frozen=True)
class RoleSummary:
    """One role's argument F1, its interval, and the arguments it rests on (all annotators',
    in sentences seen by two or more)."""

    argument_f1: Figure
    ci: Interval | None
    arguments: int

    def to_json(self) -> dict[str, Any]:
        """Return ``{"argument_f1": {"value", "ci95", "reason"}, "arguments"}``."""
        return {"argument_f1": figure_json(self.argument_f1, self.ci),
                "arguments": self.arguments}


@dataclass(frozen=True)
class ArgumentSummary:
    """Argument F1 over every role and per role, in the report's role order."""

    argument_f1: Figure
    ci: Interval | None
    per_role: dict[str, RoleSummary]

    @classmethod
    def of_report(cls, report: AgreementReport) -> ArgumentSummary | None:
        """The report's argument figures; None when it has no role (nothing to measure)."""
        if not report.roles:
            return None
        overall = report.overall.arguments
        return cls(overall.argument_f1, overall.ci,
                   {role: RoleSummary(block.argument_f1, block.ci, block.arguments_compared)
                    for role, block in report.per_role.items()})

    def to_json(self) -> dict[str, Any]:
        """Return ``{role: {"argument_f1", "arguments"}}``, the summary's ``per_role``."""
        return {role: block.to_json() for role, block in self.per_role.items()}


class ArgumentTotals:
    """The argument statistics of the chunks seen so far.

    Roles get codes in order of first appearance (the given roles first) and are put in the
    report's order (given, then the others sorted) at the end, as ``frames.RoleVocabulary``
    orders them.
    """

    def __init__(self, roles: Sequence[str]) -> None:
        self.given = list(dict.fromkeys(roles))
        self.roles: list[str] = list(self.given)  # code c is roles[c]
        self.role_code = {r: c for c, r in enumerate(self.roles)}
        self.compared: Counter[int] = Counter()  # arguments in sentences seen by two or more
        # Per annotator pair, per chunk: each sentence with arguments, its row, and the
        # chunk's distinct rows (exact matches, arguments of a, of b, per role code).
        self.parts: dict[tuple[str, str], list[PairRows]] = {}

    def add(self, corpus: Corpus, compared: np.ndarray, offset: int,
            events: Mapping[tuple[int, int], PairEvents]) -> None:
        """Take in one chunk: its corpus, which of its sentences are compared, the number of
        its first sentence, and each annotator pair's span matching (``pair_events``)."""
        what = np.array([self._role(r) for r in corpus.roles], dtype=np.int64)
        n = len(corpus.roles)
        for k in range(len(corpus.annotators)):
            rel = corpus.relations_of(k)
            seen = np.bincount(rel.role[compared[rel.sentence]], minlength=n)[:n]
            for c in np.flatnonzero(seen):
                self.compared[int(what[c])] += int(seen[c])
        if not any(map(len, corpus.relations)):
            return
        keys = argument_keys(corpus)
        for (ka, kb), ev in events.items():
            sentences, row, rows = argument_rows(pair_arguments(corpus, ka, kb, ev, keys), n)
            if sentences.size:
                coded = np.zeros((rows.shape[0], 3, len(self.roles)), dtype=np.int32)
                coded[:, :, what] = rows
                self.parts.setdefault((corpus.annotators[ka], corpus.annotators[kb]), []).append(
                    ((sentences + offset).astype(np.int32), row.astype(np.int32), coded))

    def _role(self, role: str) -> int:
        code = self.role_code.get(role)
        if code is None:
            code = self.role_code[role] = len(self.roles)
            self.roles.append(role)
        return code

    def final_roles(self) -> tuple[list[str], list[str], np.ndarray]:
        """(roles in the report's order, the roles not given, first-appearance code ->
        report's code)."""
        unknown = sorted(self.roles[len(self.given):])
        ordered = [*self.given, *unknown]
        final = {r: c for c, r in enumerate(ordered)}
        return ordered, unknown, np.array([final[r] for r in self.roles], dtype=np.int64)

    def tables(self, names: Sequence[str], remap: np.ndarray) -> dict[tuple[str, str], PairRows]:
        """Every annotator pair's chunks as one table in the report's role codes, pairs in the
        report's order: (sentence numbers, row of each, rows R x 3 x roles)."""
        return {(a, b): _table(self.parts.get((a, b), []), len(self.roles), remap)
                for a, b in combinations(names, 2)}

    def compared_per_role(self, roles: Sequence[str]) -> dict[str, int]:
        """Arguments in sentences seen by two or more annotators, per role (report's order)."""
        return {r: self.compared.get(self.role_code[r], 0) for r in roles}

    def summary(self, roles: Sequence[str], tables: Mapping[tuple[str, str], PairRows],
                shared: Collection[tuple[str, str]], single: bool,
                intervals: tuple[Interval | None, Mapping[str, Interval | None]] | None
                ) -> ArgumentSummary | None:
        """The report's argument F1 from the pairs' tables (``shared``: the pairs that
        annotated some sentence both; ``intervals``: ``bootstrap.argument_intervals``)."""
        if not roles:
            return None
        f1s: list[Figure] = []
        role_f1: dict[str, list[Figure]] = {r: [] for r in roles}
        for pair, (_, row, rows) in tables.items():
            no_shared = None if pair in shared else NOT_SHARED
            exact, n_a, n_b = np.tensordot(np.bincount(row, minlength=rows.shape[0]), rows, 1)
            # As argument_figures.pair_argument_figures: F1 = 2 |A ∩ B| / (|A| + |B|).
            f1s.append(undefined(no_shared) if no_shared else argument_prf(
                exact.sum(), n_a.sum(), n_b.sum(), NO_ARGUMENT)["f1"])
            for r, role in enumerate(roles):
                role_f1[role].append(undefined(no_shared) if no_shared else argument_prf(
                    exact[r], n_a[r], n_b[r], nobody_linked(role))["f1"])
        overall_ci, role_ci = intervals if intervals is not None else (None, {})
        compared = self.compared_per_role(roles)
        return ArgumentSummary(
            unless_single(mean_over_pairs(f1s, WHAT), single), overall_ci,
            {role: RoleSummary(unless_single(label_mean_over_pairs(figs, WHAT, role), single),
                               role_ci.get(role), compared[role])
             for role, figs in role_f1.items()})


def _table(parts: list[PairRows], known: int, remap: np.ndarray) -> PairRows:
    """A pair's chunks as one table, roles renumbered by ``remap``."""
    rows = np.zeros((sum(p[2].shape[0] for p in parts), 3, known), dtype=np.int64)
    sentences, row_ids = [], []
    base = 0
    for sentence, row, coded in parts:
        n, _, width = coded.shape
        rows[base:base + n, :, remap[:width]] = coded
        sentences.append(sentence.astype(np.int64))
        row_ids.append(row.astype(np.int64) + base)
        base += n
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), rows
    return np.concatenate(sentences), np.concatenate(row_ids), rows
