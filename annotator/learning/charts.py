"""Geometry of the model page's training-curve chart, from a model's curve (pure).

The template draws the shapes (SVG presentation attributes only: the strict CSP forbids
inline styles); every number is decided here so it can be tested without a browser. Two
series share the x axis (epochs): the training loss, scaled to its own maximum (left axis
in words), and the dev F1 on 0..1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LOSS_COLOUR = "#b54708"
F1_COLOUR = "#175cd3"


@dataclass
class CurveChart:
    width: float
    height: float
    left: float
    top: float
    plot_w: float
    plot_h: float
    loss_points: str  # "x,y x,y ..." for <polyline points=...>
    f1_points: str
    dots: list[dict[str, Any]] = field(default_factory=list)  # per epoch, for titles
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # F1 axis
    max_loss: float = 0.0
    loss_colour: str = LOSS_COLOUR
    f1_colour: str = F1_COLOUR


def curve_chart(curve: Sequence[Mapping[str, Any]], width: float = 520.0,
                height: float = 220.0) -> CurveChart | None:
    """The chart of a training curve (loss and dev F1 per epoch); None for an empty curve."""
    if not curve:
        return None
    left, top, right, bottom = 44.0, 12.0, 16.0, 30.0
    plot_w, plot_h = width - left - right, height - top - bottom
    epochs = [int(p["epoch"]) for p in curve]
    first, last = min(epochs), max(epochs)
    max_loss = max(float(p.get("loss") or 0.0) for p in curve) or 1.0

    def x(epoch: int) -> float:
        return left + (plot_w * (epoch - first) / (last - first) if last > first else plot_w / 2)

    def y(fraction: float) -> float:
        return top + plot_h * (1.0 - min(1.0, max(0.0, fraction)))

    loss_points, f1_points, dots = [], [], []
    for point in curve:
        px = x(int(point["epoch"]))
        loss = float(point.get("loss") or 0.0)
        loss_points.append(f"{px:.1f},{y(loss / max_loss):.1f}")
        f1 = point.get("dev_f1")
        if f1 is not None:
            f1_points.append(f"{px:.1f},{y(float(f1)):.1f}")
        dots.append({"x": round(px, 1), "loss_y": round(y(loss / max_loss), 1),
                     "f1_y": round(y(float(f1)), 1) if f1 is not None else None,
                     "title": f"epoch {point['epoch']}: loss {loss:,.1f}"
                              + (f", dev F1 {float(f1):.2f}" if f1 is not None else "")})
    step = max(1, round((last - first) / 8)) if last > first else 1
    x_ticks = [(round(x(e), 1), str(e)) for e in range(first, last + 1, step)]
    y_ticks = [(round(y(v), 1), f"{v:.2f}".rstrip("0").rstrip(".") if v else "0")
               for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return CurveChart(width, height, left, top, plot_w, plot_h, " ".join(loss_points),
                      " ".join(f1_points), dots, x_ticks, y_ticks, round(max_loss, 1))
