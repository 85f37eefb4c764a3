"""``StudyResult``: what a study returns, and what runs and reports are built from."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FigureData", "Table", "StudyResult", "figure_png"]


@dataclass(frozen=True)
class FigureData:
    """A rendered figure: file stem, PNG bytes and a one-sentence caption."""

    name: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def figure_png(fig: Any, *, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


@dataclass
class StudyResult:
    """Everything a study reports.

    ``metrics`` is flat ``{name: number}`` (a few names, e.g. ``best_model``, hold a string); ``audits`` are
    :class:`physml.physics.audit.Audit` objects; ``artifacts`` maps a file name
    (relative to the run's ``artifacts/``) to a function that writes it.
    """

    study: str
    config: dict[str, Any]
    title: str = ""
    summary: str = ""
    metrics: dict[str, float | str] = field(default_factory=dict)
    figures: list[FigureData] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    audits: list[Any] = field(default_factory=list)
    artifacts: dict[str, Callable[[Path], None]] = field(default_factory=dict)

    def add_figure(self, name: str, fig: Any, caption: str) -> None:
        self.figures.append(FigureData(name, figure_png(fig), caption))

    def add_metric(self, name: str, value: float) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"metric {name!r} is not finite: {value}")
        self.metrics[name] = value
