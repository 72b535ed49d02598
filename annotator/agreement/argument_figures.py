"""Argument F1 of one section: per annotator pair, per role and overall, with the report's
reasons when a figure is undefined (pure).

Exactly as the exact span F1: for a pair, pooled over the sentences both annotated,
F1 = 2 |A ∩ B| / (|A| + |B|) over the argument tuples (``arguments``), then the mean over
the pairs that have one; per role the same restricted to that role.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotator.agreement.argument_blocks import (
    ArgumentMatches,
    OverallArguments,
    PairArgumentFigures,
    PairRoleFigures,
    RoleFigures,
)
from annotator.agreement.arguments import (
    ARGUMENT_KINDS,
    ArgumentTallies,
    PairArguments,
    argument_disagreement_counts,
)
from annotator.agreement.context import ReportContext
from annotator.agreement.metrics import Figure, defined, undefined
from annotator.agreement.reasons import label_mean_over_pairs, mean_over_pairs, unless_single

WHAT = "argument F1"
NO_ARGUMENT = "neither annotator linked an argument"
NO_EVENT_ARGUMENT = "no argument of an exactly matched event on either side"


def nobody_linked(role: str) -> str:
    """Return the reason of a figure on a role nobody used."""
    return f"nobody linked an argument as {role}"


def argument_prf(matched: float, n_a: float, n_b: float, none: str = NO_ARGUMENT
                 ) -> dict[str, Figure]:
    """Precision, recall and F1 of the second annotator's arguments against the first's."""
    total = n_a + n_b
    return {
        "precision": defined(matched / n_b) if n_b else undefined(
            "the second annotator linked no argument"),
        "recall": defined(matched / n_a) if n_a else undefined(
            "the first annotator linked no argument"),
        "f1": defined(2.0 * matched / total) if total else undefined(none),
    }


def pair_argument_figures(roles: Sequence[str], pair: PairArguments, who: tuple[str, str],
                          no_shared: str | None) -> tuple[PairArgumentFigures, ArgumentTallies]:
    """One pair's argument block on a section (``pair`` sliced to it) and its tallies."""
    t = ArgumentTallies.of(pair, len(roles))

    def figures(exact: float, partial: float, n_a: float, n_b: float, given_exact: float,
                given_a: float, given_b: float, none: str) -> tuple[Figure, ...]:
        one = argument_prf(exact, n_a, n_b, none)
        part = argument_prf(partial, n_a, n_b, none)["f1"]
        given = argument_prf(given_exact, given_a, given_b, NO_EVENT_ARGUMENT)["f1"]
        out = (one["f1"], one["precision"], one["recall"], part, given)
        return tuple(undefined(no_shared) for _ in out) if no_shared else out

    per_role = {}
    for r, role in enumerate(roles):
        f1, p, rc, part, given = figures(
            t.exact[r], t.partial[r], t.n_a[r], t.n_b[r], t.given_exact[r], t.given_a[r],
            t.given_b[r], nobody_linked(role))
        per_role[role] = PairRoleFigures(
            argument_f1=f1, precision=p, recall=rc, argument_f1_partial=part,
            argument_f1_given_event=given,
            arguments={who[0]: int(t.n_a[r]), who[1]: int(t.n_b[r])},
            matches=ArgumentMatches(int(t.exact[r]), int(t.partial[r]), int(t.given_exact[r])),
            disagreements=argument_disagreement_counts(t.kinds[r]))
    f1, p, rc, part, given = figures(
        t.exact.sum(), t.partial.sum(), t.n_a.sum(), t.n_b.sum(), t.given_exact.sum(),
        t.given_a.sum(), t.given_b.sum(), NO_ARGUMENT)
    block = PairArgumentFigures(
        argument_f1=f1, argument_precision=p, argument_recall=rc, argument_f1_partial=part,
        argument_f1_given_event=given,
        arguments={who[0]: int(t.n_a.sum()), who[1]: int(t.n_b.sum())},
        matches=ArgumentMatches(int(t.exact.sum()), int(t.partial.sum()),
                                int(t.given_exact.sum())),
        disagreements=argument_disagreement_counts(t.kinds.sum(axis=0)), per_role=per_role)
    return block, t


def overall_arguments(roles: Sequence[str], blocks: Sequence[PairArgumentFigures],
                      tallies: Sequence[ArgumentTallies], single: bool) -> OverallArguments:
    """The means over pairs of the pairs' argument figures, disagreements summed."""
    def mean(name: str) -> Figure:
        return unless_single(mean_over_pairs([b.figure(name) for b in blocks], WHAT), single)

    return OverallArguments(
        argument_f1=mean("argument_f1"), argument_f1_partial=mean("argument_f1_partial"),
        argument_f1_given_event=mean("argument_f1_given_event"),
        disagreements=argument_disagreement_counts(_kinds(tallies, len(roles)).sum(axis=0)))


def role_blocks(roles: Sequence[str], blocks: Sequence[PairArgumentFigures],
                tallies: Sequence[ArgumentTallies], arguments: dict[str, int],
                compared: dict[str, int], single: bool) -> dict[str, RoleFigures]:
    """Each role's block: means over pairs of the pairs' figures on that role."""
    kinds = _kinds(tallies, len(roles))
    out = {}
    for r, role in enumerate(roles):
        def mean(name: str, role: str = role) -> Figure:
            figs = [b.per_role[role].figure(name) for b in blocks]
            return unless_single(label_mean_over_pairs(figs, WHAT, role), single)

        out[role] = RoleFigures(
            argument_f1=mean("argument_f1"), argument_f1_partial=mean("argument_f1_partial"),
            argument_f1_given_event=mean("argument_f1_given_event"),
            disagreements=argument_disagreement_counts(kinds[r]),
            arguments=arguments.get(role, 0), arguments_compared=compared.get(role, 0))
    return out


def _kinds(tallies: Sequence[ArgumentTallies], roles: int) -> np.ndarray:
    total = np.zeros((roles, len(ARGUMENT_KINDS)), dtype=np.int64)
    for t in tallies:
        total += t.kinds
    return total


def argument_counts(ctx: ReportContext, lo: int, hi: int
                    ) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, int]]]:
    """Arguments of sentences lo..hi-1 per role: all, in sentences seen by two or more, and
    per annotator."""
    corpus = ctx.corpus
    roles = corpus.roles
    n = len(roles)
    compared = corpus.present[:, lo:hi].sum(axis=0) >= 2
    total = np.zeros(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.int64)
    per_annotator = {}
    for k, name in enumerate(corpus.annotators):
        rel = corpus.relations_of(k)
        i, j = np.searchsorted(rel.sentence, [lo, hi])
        role = rel.role[i:j]
        found = np.bincount(role, minlength=n)[:n]
        per_annotator[name] = {r: int(found[c]) for c, r in enumerate(roles)}
        total += found
        seen += np.bincount(role[compared[rel.sentence[i:j] - lo]], minlength=n)[:n]
    return ({r: int(total[c]) for c, r in enumerate(roles)},
            {r: int(seen[c]) for c, r in enumerate(roles)}, per_annotator)


def context_arguments(ctx: ReportContext, ka: int, kb: int, lo: int, hi: int) -> PairArguments:
    """The pair's argument matching on sentences lo..hi-1."""
    return ctx.arguments[(ka, kb)].slice(lo, hi)
