"""The agreement report and its parts as typed objects, each with the JSON it has always had.

A figure is a ``metrics.Figure``: a value, or None and the reason why. In JSON a block gives
each figure's value under the figure's name and, under ``undefined``, the reasons of its
undefined figures in the order the figures come; docs/agreement.md documents every key. The
``to_json`` methods build fresh dicts, so a cached report is never changed by its readers (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from annotator.agreement.argument_blocks import (
    OverallArguments,
    PairArgumentFigures,
    RoleFigures,
)
from annotator.agreement.figure_blocks import (
    BootstrapSettings,
    FigureBlock,
    Intervals,
    Matches,
    PerKind,
    Tokenizer,
    pair_list,
    undefined_reasons,
)
from annotator.agreement.figure_blocks import (
    Interval as Interval,  # re-exported: the report's callers import it from here
)
from annotator.agreement.metrics import Figure


@dataclass(frozen=True)
class EventTypeAgreement(FigureBlock):
    """Agreement on the event type of matched event spans, pooled over annotator pairs."""

    pairs: int
    sibling_credit: float
    strict_agreement: Figure
    hierarchical_agreement: Figure
    strict_alpha: Figure
    hierarchical_alpha: Figure

    def figures(self) -> dict[str, Figure]:
        # The order the report has always had: when the figures were measured the strict
        # ones come first; when nothing could be (every one undefined), agreements first.
        if self.strict_agreement.value is None:
            names = ("strict_agreement", "hierarchical_agreement", "strict_alpha",
                     "hierarchical_alpha")
        else:
            names = ("strict_agreement", "strict_alpha", "hierarchical_agreement",
                     "hierarchical_alpha")
        return {name: getattr(self, name) for name in names}

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        figures = self.figures()
        return {"pairs": self.pairs, "undefined": undefined_reasons(figures),
                "sibling_credit": self.sibling_credit,
                **{name: fig.value for name, fig in figures.items()}}


@dataclass(frozen=True)
class OverallInsideSpans(FigureBlock):
    """Token figures on the tokens inside someone's span only (O tokens left out)."""

    tokens: int
    krippendorff_alpha: Figure
    fleiss_kappa: Figure
    fleiss_raters_per_unit: int | None
    fleiss_units: int
    cohen_kappa: Figure

    FIGURES: ClassVar[tuple[str, ...]] = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        return {"tokens": self.tokens, "undefined": self.undefined,
                "krippendorff_alpha": self.krippendorff_alpha.value,
                "fleiss_kappa": self.fleiss_kappa.value,
                "fleiss_raters_per_unit": self.fleiss_raters_per_unit,
                "fleiss_units": self.fleiss_units,
                "cohen_kappa": self.cohen_kappa.value}


@dataclass(frozen=True)
class LabelInsideSpans(FigureBlock):
    """One label's token figures on the tokens inside someone's span only."""

    krippendorff_alpha: Figure
    fleiss_kappa: Figure
    cohen_kappa: Figure

    FIGURES: ClassVar[tuple[str, ...]] = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa")

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        return {"undefined": self.undefined,
                **{name: fig.value for name, fig in self.figures().items()}}


@dataclass(frozen=True)
class OverallFigures(FigureBlock):
    """Every figure over all labels: token figures, span F1, unitizing alpha, event types."""

    krippendorff_alpha: Figure
    fleiss_kappa: Figure
    fleiss_raters_per_unit: int | None
    fleiss_units: int
    cohen_kappa: Figure
    span_f1: Figure
    span_f1_partial: Figure
    unitizing_alpha: Figure
    unitizing_sentences: int
    event_type: EventTypeAgreement
    disagreements: PerKind
    inside_spans: OverallInsideSpans
    arguments: OverallArguments
    ci: Intervals | None = None

    FIGURES: ClassVar[tuple[str, ...]] = (
        "krippendorff_alpha",
        "fleiss_kappa",
        "cohen_kappa",
        "span_f1",
        "span_f1_partial",
        "unitizing_alpha",
    )

    def figures(self) -> dict[str, Figure]:
        """The span and token figures, then the argument figures."""
        return {**super().figures(), **self.arguments.figures()}

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        out: dict[str, Any] = {
            "undefined": self.undefined,
            "krippendorff_alpha": self.krippendorff_alpha.value,
            "fleiss_kappa": self.fleiss_kappa.value,
            "fleiss_raters_per_unit": self.fleiss_raters_per_unit,
            "fleiss_units": self.fleiss_units,
            "cohen_kappa": self.cohen_kappa.value,
            "span_f1": self.span_f1.value,
            "span_f1_partial": self.span_f1_partial.value,
            "unitizing_alpha": self.unitizing_alpha.value,
            "unitizing_sentences": self.unitizing_sentences,
            "event_type": self.event_type.to_json(),
            "disagreements": dict(self.disagreements),
            "inside_spans": self.inside_spans.to_json(),
            **self.arguments.to_json(),
        }
        if self.ci is not None:
            out["ci"] = {**self.ci.to_json(), "argument_f1": pair_list(self.arguments.ci)}
        return out


@dataclass(frozen=True)
class LabelFigures(FigureBlock):
    """One label's figures (that label against everything else), over all annotator pairs."""

    krippendorff_alpha: Figure
    fleiss_kappa: Figure
    cohen_kappa: Figure
    span_f1: Figure
    span_f1_partial: Figure
    unitizing_alpha: Figure
    disagreements: PerKind
    inside_spans: LabelInsideSpans
    spans: int
    spans_compared: int
    ci: Intervals | None = None

    FIGURES: ClassVar[tuple[str, ...]] = (
        "krippendorff_alpha",
        "fleiss_kappa",
        "cohen_kappa",
        "span_f1",
        "span_f1_partial",
        "unitizing_alpha",
    )

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        out: dict[str, Any] = {"undefined": self.undefined,
                               **{name: fig.value for name, fig in self.figures().items()},
                               "disagreements": dict(self.disagreements),
                               "inside_spans": self.inside_spans.to_json(),
                               "spans": self.spans, "spans_compared": self.spans_compared}
        if self.ci is not None:
            out["ci"] = self.ci.to_json()
        return out


@dataclass(frozen=True)
class PairLabelFigures(FigureBlock):
    """One annotator pair's figures on one label."""

    cohen_kappa: Figure
    span_f1: Figure
    precision: Figure
    recall: Figure
    span_f1_partial: Figure
    unitizing_alpha: Figure
    spans: dict[str, int]  # annotator -> spans of the label
    matches: Matches
    disagreements: PerKind

    FIGURES: ClassVar[tuple[str, ...]] = (
        "cohen_kappa",
        "span_f1",
        "precision",
        "recall",
        "span_f1_partial",
        "unitizing_alpha",
    )

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        return {"undefined": self.undefined,
                **{name: fig.value for name, fig in self.figures().items()},
                "spans": dict(self.spans), "matches": self.matches.to_json(),
                "disagreements": dict(self.disagreements)}


@dataclass(frozen=True)
class PairInsideSpans(FigureBlock):
    """One annotator pair's Cohen's kappa on the tokens inside either one's spans."""

    tokens: int
    cohen_kappa: Figure

    FIGURES: ClassVar[tuple[str, ...]] = ("cohen_kappa",)

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        return {"tokens": self.tokens, "undefined": self.undefined,
                "cohen_kappa": self.cohen_kappa.value}


@dataclass(frozen=True)
class PairFigures(FigureBlock):
    """Every figure of one annotator pair; the first annotator is the reference of precision
    and recall."""

    annotators: tuple[str, str]
    sentences: int
    tokens: int
    cohen_kappa: Figure
    span_f1: Figure
    precision: Figure
    recall: Figure
    span_f1_partial: Figure
    precision_partial: Figure
    recall_partial: Figure
    spans: dict[str, int]  # annotator -> spans
    matches: Matches
    disagreements: PerKind
    unitizing_alpha: Figure
    inside_spans: PairInsideSpans
    per_label: dict[str, PairLabelFigures]
    event_type: EventTypeAgreement
    confusion: list[list[int]]  # span confusion, labels then O (as ``Confusion.labels``)
    frames: PairArgumentFigures

    @property
    def reference(self) -> str:
        """The annotator precision and recall take as the reference."""
        return self.annotators[0]

    FIGURES: ClassVar[tuple[str, ...]] = (
        "cohen_kappa",
        "span_f1",
        "precision",
        "recall",
        "span_f1_partial",
        "precision_partial",
        "recall_partial",
        "unitizing_alpha",
    )

    def figures(self) -> dict[str, Figure]:
        """The span and token figures, then the argument figures."""
        return {**super().figures(), **self.frames.figures()}

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        figures = super().figures()
        unitizing = figures.pop("unitizing_alpha")
        return {
            "annotators": list(self.annotators),
            "sentences": self.sentences,
            "tokens": self.tokens,
            "undefined": self.undefined,
            **{name: fig.value for name, fig in figures.items()},
            "reference": self.reference,
            "spans": dict(self.spans),
            "matches": self.matches.to_json(),
            "disagreements": dict(self.disagreements),
            "unitizing_alpha": unitizing.value,
            "inside_spans": self.inside_spans.to_json(),
            "per_label": {lb: block.to_json() for lb, block in self.per_label.items()},
            "event_type": self.event_type.to_json(),
            "confusion": [list(row) for row in self.confusion],
            **self.frames.to_json(),
        }


@dataclass(frozen=True)
class Confusion:
    """Label confusion pooled over pairs and both orders; rows and columns are ``labels``
    (the report's labels, then O for "no span")."""

    labels: list[str]
    spans: list[list[int]]
    tokens: list[list[int]]

    def to_json(self) -> dict[str, Any]:
        """Return ``{"labels", "spans", "tokens"}``."""
        return {"labels": list(self.labels), "spans": [list(r) for r in self.spans],
                "tokens": [list(r) for r in self.tokens]}


@dataclass(frozen=True)
class Counts:
    """What the figures rest on: sentences, annotations, tokens and spans."""

    sentences: int
    sentences_compared: int
    annotations: int
    annotations_per_annotator: dict[str, int]
    tokens: int
    tokens_compared: int
    tokens_inside_spans: int
    spans: dict[str, int]  # label -> spans
    spans_per_annotator: dict[str, dict[str, int]]  # annotator -> label -> spans
    arguments: dict[str, int]  # role -> arguments (relations), all annotators
    arguments_per_annotator: dict[str, dict[str, int]]  # annotator -> role -> arguments

    def to_json(self) -> dict[str, Any]:
        """Return the counts as the report's JSON has them."""
        return {
            "sentences": self.sentences,
            "sentences_compared": self.sentences_compared,
            "annotations": self.annotations,
            "annotations_per_annotator": dict(self.annotations_per_annotator),
            "tokens": self.tokens,
            "tokens_compared": self.tokens_compared,
            "tokens_inside_spans": self.tokens_inside_spans,
            "spans": dict(self.spans),
            "spans_per_annotator": {a: dict(n) for a, n in self.spans_per_annotator.items()},
            "arguments": dict(self.arguments),
            "arguments_per_annotator": {a: dict(n)
                                        for a, n in self.arguments_per_annotator.items()},
        }


@dataclass(frozen=True)
class Section:
    """The figures of a set of sentences: the whole report's, or one group's."""

    counts: Counts
    overall: OverallFigures
    per_label: dict[str, LabelFigures]
    per_pair: list[PairFigures]
    confusion: Confusion
    per_role: dict[str, RoleFigures]

    def to_json(self) -> dict[str, Any]:
        """Return ``{"counts", "overall", "per_label", "per_role", "per_pair", "confusion"}``."""
        return {"counts": self.counts.to_json(), "overall": self.overall.to_json(),
                "per_label": {lb: block.to_json() for lb, block in self.per_label.items()},
                "per_role": {r: block.to_json() for r, block in self.per_role.items()},
                "per_pair": [pair.to_json() for pair in self.per_pair],
                "confusion": self.confusion.to_json()}


@dataclass(frozen=True)
class GroupSection:
    """One group's (batch's) section of the report."""

    group: Any
    section: Section

    def to_json(self) -> dict[str, Any]:
        """Return the section's JSON with ``"group"`` first."""
        return {"group": self.group, **self.section.to_json()}


@dataclass(frozen=True)
class AgreementReport:
    """Every agreement figure: over the whole set (``whole``, also readable as ``counts``,
    ``overall``, ...), per group, with warnings and a plain-words reading."""

    format: str
    annotators: list[str]
    labels: list[str]
    roles: list[str]
    tokenizer: Tokenizer
    whole: Section
    per_group: list[GroupSection]
    warnings: list[str]
    bootstrap: BootstrapSettings
    reading: list[str]

    @property
    def counts(self) -> Counts:
        """The whole set's counts."""
        return self.whole.counts

    @property
    def overall(self) -> OverallFigures:
        """The whole set's figures over all labels."""
        return self.whole.overall

    @property
    def per_label(self) -> dict[str, LabelFigures]:
        """The whole set's figures per label, in the report's label order."""
        return self.whole.per_label

    @property
    def per_pair(self) -> list[PairFigures]:
        """The whole set's figures per annotator pair, pairs in name order."""
        return self.whole.per_pair

    @property
    def confusion(self) -> Confusion:
        """The whole set's label confusion."""
        return self.whole.confusion

    @property
    def per_role(self) -> dict[str, RoleFigures]:
        """The whole set's argument figures per role, in the report's role order."""
        return self.whole.per_role

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (no NaN), exactly as docs/agreement.md has it."""
        return {
            "format": self.format,
            "annotators": list(self.annotators),
            "labels": list(self.labels),
            "tokenizer": self.tokenizer.to_json(),
            "roles": list(self.roles),
            **self.whole.to_json(),
            "per_group": [group.to_json() for group in self.per_group],
            "warnings": list(self.warnings),
            "bootstrap": self.bootstrap.to_json(),
            "reading": list(self.reading),
        }
