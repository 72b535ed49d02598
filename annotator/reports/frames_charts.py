"""The agreement dashboard's event-frame section: which argument figures and disagreement
kinds it shows, and the data of its charts (pure; the geometry is ``charts``')."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from annotator.agreement.argument_blocks import RoleFigures
from annotator.agreement.blocks import AgreementReport
from annotator.reports.charts import BreakdownRow, Estimate

# Argument figures the per-role bars show (report key -> words); exact F1 carries an interval.
ARGUMENT_METRICS: dict[str, str] = {
    "argument_f1": "argument F1, exact",
    "argument_f1_partial": "argument F1, partial (head and child overlapping)",
    "argument_f1_given_event": "argument F1 given an exactly matched event",
}

# Argument disagreement kinds, with the words the page uses for them.
ARGUMENT_KIND_NAMES: dict[str, str] = {
    "argument_missed": "argument missed",
    "wrong_role": "wrong role",
    "argument_boundary": "argument boundary",
    "other_span": "argument of another span",
}


def role_estimates(per_role: Mapping[str, RoleFigures],
                   metrics: Sequence[str] = tuple(ARGUMENT_METRICS)
                   ) -> dict[str, dict[str, Estimate]]:
    """Each role's argument ``metrics``, exact F1 with its interval, for ``label_bars``."""
    return {role: {m: Estimate(block.figures()[m], block.ci if m == "argument_f1" else None)
                   for m in metrics}
            for role, block in per_role.items()}


def argument_breakdown(report: AgreementReport) -> list[BreakdownRow]:
    """Rows of argument disagreements: all roles, each role, then each pair."""
    rows: list[BreakdownRow] = [(None, "all roles", report.overall.arguments.disagreements)]
    rows += [(role, role, block.disagreements) for role, block in report.per_role.items()]
    rows += [(p.annotators, " / ".join(p.annotators), p.frames.disagreements)
             for p in report.per_pair]
    return rows
