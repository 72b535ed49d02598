"""The small parts of the agreement report's blocks: figure blocks, intervals, match counts,
the tokenizer and bootstrap settings (pure). ``blocks`` re-exports them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from annotator.agreement.metrics import Figure

Interval = tuple[float, float]
PerKind = dict[str, int]  # disagreement kind -> count, in the order of DISAGREEMENT_KINDS


def undefined_reasons(figures: Mapping[str, Figure]) -> dict[str, str | None]:
    """Return the reasons of the undefined ones among ``figures``, in their order."""
    return {name: fig.reason for name, fig in figures.items() if fig.value is None}


class FigureBlock:
    """A block of named figures; ``figures()`` lists them in the order of its JSON."""

    FIGURES: ClassVar[tuple[str, ...]] = ()  # the figure fields, in JSON order

    def figures(self) -> dict[str, Figure]:
        """Return the block's figures by name, in JSON order."""
        return {name: getattr(self, name) for name in self.FIGURES}

    def figure(self, name: str) -> Figure | None:
        """Return the figure called ``name``, or None when the block has no such figure."""
        return self.figures().get(name)

    @property
    def undefined(self) -> dict[str, str | None]:
        """Why each undefined figure is undefined, by name."""
        return undefined_reasons(self.figures())


@dataclass(frozen=True)
class Intervals:
    """Percentile 95% bootstrap intervals (None: too few defined replicates)."""

    krippendorff_alpha: Interval | None
    span_f1: Interval | None

    def get(self, name: str) -> Interval | None:
        """Return the interval of the figure called ``name`` (None if it has none)."""
        return {"krippendorff_alpha": self.krippendorff_alpha, "span_f1": self.span_f1}.get(name)

    def to_json(self) -> dict[str, list[float] | None]:
        """Return the intervals as ``{"krippendorff_alpha": [low, high] | null, "span_f1"}``."""
        return {"krippendorff_alpha": pair_list(self.krippendorff_alpha),
                "span_f1": pair_list(self.span_f1)}


def pair_list(interval: Interval | None) -> list[float] | None:
    return None if interval is None else [interval[0], interval[1]]


@dataclass(frozen=True)
class Matches:
    """How many of a pair's spans match exactly, and how many when overlap is enough."""

    exact: int
    partial: int

    def to_json(self) -> dict[str, int]:
        """Return ``{"exact", "partial"}``."""
        return {"exact": self.exact, "partial": self.partial}


@dataclass(frozen=True)
class Tokenizer:
    """Which tokenizer the token figures count with."""

    module: str
    pattern: str
    description: str

    def to_json(self) -> dict[str, str]:
        """Return ``{"module", "pattern", "description"}``."""
        return {"module": self.module, "pattern": self.pattern, "description": self.description}


@dataclass(frozen=True)
class BootstrapSettings:
    """How the 95% intervals were drawn."""

    replicates: int
    seed: int
    level: float = 0.95
    method: str = "percentile; sentences resampled with replacement"

    def to_json(self) -> dict[str, Any]:
        """Return ``{"replicates", "seed", "level", "method"}``."""
        return {"replicates": self.replicates, "seed": self.seed, "level": self.level,
                "method": self.method}
