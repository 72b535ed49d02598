"""The plain values training works with: a labelled sentence, a point of the training curve
(pure: no spaCy, so the data reader and the job can name them without loading it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labelled:
    """A sentence and its gold spans, ``(start, end, label)`` in sentence code points."""

    text: str
    spans: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class Epoch:
    """One point of the training curve."""

    epoch: int
    loss: float
    dev_f1: float | None
    seconds: float
