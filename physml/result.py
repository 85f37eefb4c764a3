"""``StudyResult``: what a study returns, and what runs and reports are built from."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FigureData", "Table", "StudyResult", "figure_png", "new_figure"]


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


def new_figure(**kwargs: Any):
    """A matplotlib ``Figure`` built with the object API: no pyplot state, no backend to switch.

    ``kwargs`` go to :class:`matplotlib.figure.Figure` (``figsize``, ``layout``...); make axes with
    ``fig.subplots(...)`` and colour bars with ``fig.colorbar(...)``. Nothing is registered with pyplot,
    so nothing needs closing and no GUI backend is ever touched.
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def figure_png(fig: Any, *, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes (and close it if pyplot made it)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    import sys

    if "matplotlib.pyplot" in sys.modules:  # a figure made by pyplot would otherwise stay in its registry
        sys.modules["matplotlib.pyplot"].close(fig)
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
        """Render ``fig`` (see :func:`new_figure`) into the report with its one-sentence ``caption``."""
        self.figures.append(FigureData(name, figure_png(fig), caption))

    def add_audit(self, audit: Any) -> Any:
        """Record an :class:`~physml.physics.audit.Audit` and its metrics in one call; returns it."""
        self.audits.append(audit)
        self.metrics.update(audit.to_metrics())
        return audit

    def add_table(self, title: str, columns: tuple[str, ...] | list[str], rows) -> Table:
        table = Table(title, tuple(columns), tuple(tuple(r) for r in rows))
        self.tables.append(table)
        return table

    def add_metric(self, name: str, value: float) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"metric {name!r} is not finite: {value}")
        self.metrics[name] = value
