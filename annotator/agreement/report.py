"""The agreement report: every figure overall, per label, per annotator pair and per group (pure).

``agreement_report(items)`` measures and assembles; the figures come from ``section`` (one
range of sentences), ``pair_figures``, ``token_figures``, ``unitizing``, ``event_types`` and
``bootstrap``, the words from ``reading``. The result is an ``AgreementReport`` (``blocks``),
whose ``to_json()`` is the JSON docs/agreement.md documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from annotator.agreement.blocks import (
    AgreementReport,
    BootstrapSettings,
    GroupSection,
    Interval,
    Intervals,
    Section,
    Tokenizer,
)
from annotator.agreement.bootstrap import (
    argument_intervals,
    intervals,
    resample,
    resampling_data,
)
from annotator.agreement.build import build_corpus
from annotator.agreement.context import ReportContext
from annotator.agreement.frames import schema_roles
from annotator.agreement.reading import argument_warnings, reading, warning_list
from annotator.agreement.section import section_figures
from annotator.corpus.tokens import TOKEN_PATTERN_SUMMARY

REPORT_FORMAT = "annotator-agreement/1"
TOKENIZER = Tokenizer(
    module="annotator.corpus.tokens",
    pattern=TOKEN_PATTERN_SUMMARY,
    description="maximal runs of word characters and combining marks, and every other "
                "non-space character on its own with the combining marks that follow it "
                "(the tokens the editor snaps selections to)",
)
MIN_UNITS = 10
SIBLING_CREDIT = 0.5


def agreement_report(
    items: Iterable[Mapping[str, Any]],
    *,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    min_units: int = MIN_UNITS,
    sibling_credit: float = SIBLING_CREDIT,
    subtype_attribute: str = "event_type",
    hierarchy: Mapping[str, str] | None = None,
) -> AgreementReport:
    """Measure inter-annotator agreement on ``items`` and return the report.

    Args:
        items: ``{"id", "text", "annotations": {annotator: [span, ...] | None}, "group"?}``;
            spans ``{"start", "end", "label", "attributes"?}`` (or ``ItemColumns``). An absent
            or null annotator did not annotate the sentence (missing data); an empty list
            means "read, nothing marked" (every token is O).
        schema: a ``LabelSchema``: its labels (in order) and the event-type hierarchy
            (``group`` of each value of the ``subtype_attribute``).
        labels: the label list when there is no schema (default: the labels found, sorted).
        roles: the event-frame role list when there is no schema (default: the schema's
            roles, else the roles found, sorted).
        bootstrap: number of bootstrap replicates for the 95% intervals (0: none).
        seed: seed of the bootstrap's random generator (same seed, same intervals).
        min_units: labels with fewer spans than this get a warning.
        sibling_credit: hierarchy-aware event-type credit for two different subtypes of one
            top-level type.
        subtype_attribute: the span attribute holding the subtype.
        hierarchy: subtype value -> top-level type, overriding the schema's.

    Raises:
        AgreementInputError: an item or span is malformed (the message names it).
    """
    if labels is None and schema is not None:
        labels = list(schema.keys)
    corpus = build_corpus(items, labels=labels, subtype_attribute=subtype_attribute,
                          roles=schema_roles(schema) if roles is None else roles)
    ctx = ReportContext(corpus, schema, hierarchy, subtype_attribute, sibling_credit)
    whole = section_figures(ctx, 0, len(corpus.texts))
    if bootstrap > 0:
        samples = resample(resampling_data(ctx), corpus.width, int(bootstrap), int(seed))
        overall_ci, label_ci = intervals(samples, corpus.labels)
        whole = with_intervals(whole, overall_ci, label_ci,
                               *argument_intervals(samples, corpus.roles))
    warnings = warning_list(len(corpus.annotators), whole.counts.sentences_compared,
                            corpus.unknown_labels,
                            {lb: b.spans_compared for lb, b in whole.per_label.items()},
                            min_units)
    warnings += argument_warnings(
        {r: b.arguments_compared for r, b in whole.per_role.items()},
        corpus.unknown_roles if schema is not None or roles is not None else [], min_units)
    return AgreementReport(
        format=REPORT_FORMAT, annotators=list(corpus.annotators), labels=list(corpus.labels),
        roles=list(corpus.roles),
        tokenizer=TOKENIZER, whole=whole, per_group=_groups(ctx, whole), warnings=warnings,
        bootstrap=BootstrapSettings(int(bootstrap), int(seed)), reading=reading(whole))


def with_intervals(section: Section, overall: Intervals, per_label: Mapping[str, Intervals],
                   arguments: Interval | None = None,
                   per_role: Mapping[str, Interval | None] | None = None) -> Section:
    """``section`` with 95% intervals on its overall, per-label and per-role figures."""
    per_role = per_role or {}
    return replace(section,
                   overall=replace(section.overall, ci=overall, arguments=replace(
                       section.overall.arguments, ci=arguments)),
                   per_label={lb: replace(block, ci=per_label[lb])
                              for lb, block in section.per_label.items()},
                   per_role={r: replace(block, ci=per_role.get(r), has_ci=True)
                             for r, block in section.per_role.items()})


def _groups(ctx: ReportContext, whole: Section) -> list[GroupSection]:
    """A section per group (batch), in order of first appearance; none when no item has one.

    A group holding every sentence is the whole set, intervals included.
    """
    corpus = ctx.corpus
    groups = corpus.group_order
    if len(groups) == 1 and groups[0] is None:
        return []
    everything = (0, len(corpus.texts))
    return [GroupSection(group, whole if (lo, hi) == everything else section_figures(ctx, lo, hi))
            for group, (lo, hi) in zip(groups, corpus.group_bounds, strict=True)]
