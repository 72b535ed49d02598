"""The report's event-frame blocks: argument F1 overall, per role and per annotator pair, as
typed objects with their JSON (pure). ``blocks`` carries them inside the overall, pair and
section blocks; docs/agreement.md documents every key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from annotator.agreement.figure_blocks import FigureBlock, Interval, PerKind, pair_list
from annotator.agreement.metrics import Figure

ARGUMENT_FIGURES = ("argument_f1", "argument_f1_partial", "argument_f1_given_event")


@dataclass(frozen=True)
class ArgumentMatches:
    """How many of a pair's arguments match exactly, with head and child overlapping, and
    exactly among the arguments of exactly matched events."""

    exact: int
    partial: int
    given_event: int

    def to_json(self) -> dict[str, int]:
        """Return ``{"exact", "partial", "given_event"}``."""
        return {"exact": self.exact, "partial": self.partial, "given_event": self.given_event}


@dataclass(frozen=True)
class OverallArguments(FigureBlock):
    """Argument F1 over every role (means over pairs), disagreements summed over pairs."""

    argument_f1: Figure
    argument_f1_partial: Figure
    argument_f1_given_event: Figure
    disagreements: PerKind
    ci: Interval | None = None

    FIGURES: ClassVar[tuple[str, ...]] = ARGUMENT_FIGURES

    def to_json(self) -> dict[str, Any]:
        """The keys the overall block adds: the figures and ``argument_disagreements``."""
        return {**{name: fig.value for name, fig in self.figures().items()},
                "argument_disagreements": dict(self.disagreements)}


@dataclass(frozen=True)
class RoleFigures(FigureBlock):
    """One role's argument figures (that role's arguments only), over every annotator pair."""

    argument_f1: Figure
    argument_f1_partial: Figure
    argument_f1_given_event: Figure
    disagreements: PerKind
    arguments: int  # all annotators
    arguments_compared: int  # in sentences seen by two or more
    ci: Interval | None = None
    has_ci: bool = False

    FIGURES: ClassVar[tuple[str, ...]] = ARGUMENT_FIGURES

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        out: dict[str, Any] = {"undefined": self.undefined,
                               **{name: fig.value for name, fig in self.figures().items()},
                               "disagreements": dict(self.disagreements),
                               "arguments": self.arguments,
                               "arguments_compared": self.arguments_compared}
        if self.has_ci:
            out["ci"] = {"argument_f1": pair_list(self.ci)}
        return out


@dataclass(frozen=True)
class PairRoleFigures(FigureBlock):
    """One annotator pair's figures on one role."""

    argument_f1: Figure
    precision: Figure
    recall: Figure
    argument_f1_partial: Figure
    argument_f1_given_event: Figure
    arguments: dict[str, int]
    matches: ArgumentMatches
    disagreements: PerKind

    FIGURES: ClassVar[tuple[str, ...]] = ("argument_f1", "precision", "recall",
                                          "argument_f1_partial", "argument_f1_given_event")

    def to_json(self) -> dict[str, Any]:
        """Return the block as the report's JSON has it."""
        return {"undefined": self.undefined,
                **{name: fig.value for name, fig in self.figures().items()},
                "arguments": dict(self.arguments), "matches": self.matches.to_json(),
                "disagreements": dict(self.disagreements)}


@dataclass(frozen=True)
class PairArgumentFigures(FigureBlock):
    """One annotator pair's argument figures; the first annotator is the reference."""

    argument_f1: Figure
    argument_precision: Figure
    argument_recall: Figure
    argument_f1_partial: Figure
    argument_f1_given_event: Figure
    arguments: dict[str, int]
    matches: ArgumentMatches
    disagreements: PerKind
    per_role: dict[str, PairRoleFigures]

    FIGURES: ClassVar[tuple[str, ...]] = ("argument_f1", "argument_precision",
                                          "argument_recall", "argument_f1_partial",
                                          "argument_f1_given_event")

    def to_json(self) -> dict[str, Any]:
        """The keys the pair block adds."""
        return {**{name: fig.value for name, fig in self.figures().items()},
                "arguments": dict(self.arguments), "argument_matches": self.matches.to_json(),
                "argument_disagreements": dict(self.disagreements),
                "per_role": {r: block.to_json() for r, block in self.per_role.items()}}
