"""Uniform Dirichlet grids and the validation of everything a solver is given.

Units: hbar = m = 1; lengths in the same (arbitrary) unit as the grid bounds,
energies in hbar^2 / (m length^2).

A grid of ``n_points`` *interior* points covers ``(x_min, x_max)`` with
spacing ``h = (x_max - x_min) / (n_points + 1)``; the wavefunction is zero on
the two walls ``x_min`` and ``x_max`` (Dirichlet boundaries), which are not
unknowns.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from physml.errors import ParameterError

__all__ = [
    "STENCILS",
    "MIN_POINTS",
    "Potential",
    "check_int",
    "check_real",
    "check_stencil",
    "check_points",
    "axis",
    "parse_extent",
    "parse_points_2d",
    "evaluate_potential",
]

#: accuracy orders of the second-derivative stencils (3-point and 5-point)
STENCILS = (2, 4)
#: fewest interior points per axis
MIN_POINTS = 10

#: a potential: a callable of the grid coordinates or an array on the grid
Potential = Callable[..., object] | np.ndarray


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int, or :class:`ParameterError` unless an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError.invalid(name, value, f"an integer >= {minimum}")
    return int(value)


def check_real(name: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a finite float (and > 0 when ``positive``), else :class:`ParameterError`."""
    allowed = "a finite number > 0" if positive else "a finite number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ParameterError.invalid(name, value, allowed)
    if positive and value <= 0:
        raise ParameterError.invalid(name, value, allowed)
    return float(value)


def check_stencil(stencil: object) -> int:
    """The stencil order, 2 or 4, else :class:`ParameterError` naming ``stencil``."""
    if isinstance(stencil, bool) or stencil not in STENCILS:
        raise ParameterError.invalid("stencil", stencil, "2 (3-point, second order) or 4 (5-point, fourth order)")
    return int(stencil)  # type: ignore[arg-type]


def check_points(name: str, n_points: object, n_states: int, *, total: int | None = None) -> int:
    """Interior points on one axis: >= MIN_POINTS, and enough for ``n_states`` (3 per state)."""
    n = check_int(name, n_points, MIN_POINTS)
    count = n if total is None else total
    if n_states > count:
        raise ParameterError.invalid("n_states", n_states, f"at most the number of grid points ({count})")
    if count < 3 * n_states:
        raise ParameterError.invalid(name, n_points, f"at least 3 * n_states = {3 * n_states} grid points in all")
    return n


def axis(x_min: object, x_max: object, n: int, lo_name: str = "x_min",
         hi_name: str = "x_max") -> tuple[np.ndarray, float]:
    """The interior points of ``(x_min, x_max)`` and the spacing ``h``."""
    lo = check_real(lo_name, x_min)
    hi = check_real(hi_name, x_max)
    if hi <= lo:
        raise ParameterError.invalid(hi_name, x_max, f"a finite number > {lo_name} = {lo!r}")
    h = (hi - lo) / (n + 1)
    return lo + h * np.arange(1, n + 1), h


def parse_extent(extent: object) -> tuple[float, float, float, float]:
    """``(x_min, x_max, y_min, y_max)`` from that 4-tuple or a single half-width ``L`` (a square ``[-L, L]^2``)."""
    allowed = "a half-width > 0 or a tuple (x_min, x_max, y_min, y_max) with x_min < x_max and y_min < y_max"
    if isinstance(extent, numbers.Real) and not isinstance(extent, bool):
        half = float(extent)
        if not math.isfinite(half) or half <= 0:
            raise ParameterError.invalid("extent", extent, allowed)
        return (-half, half, -half, half)
    try:
        values = tuple(float(v) for v in extent)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ParameterError.invalid("extent", extent, allowed) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ParameterError.invalid("extent", extent, allowed)
    x0, x1, y0, y1 = values
    if x1 <= x0 or y1 <= y0:
        raise ParameterError.invalid("extent", extent, allowed)
    return values  # type: ignore[return-value]


def parse_points_2d(n_points: object, n_states: int) -> tuple[int, int]:
    """Interior points ``(nx, ny)`` from an int (both axes) or a pair."""
    if isinstance(n_points, (tuple, list)) and len(n_points) == 2:
        nx = check_int("n_points", n_points[0], MIN_POINTS)
        ny = check_int("n_points", n_points[1], MIN_POINTS)
    else:
        nx = ny = check_int("n_points", n_points, MIN_POINTS)
    if n_states > nx * ny:
        raise ParameterError.invalid("n_states", n_states, f"at most the number of grid points ({nx * ny})")
    if nx * ny < 3 * n_states:
        raise ParameterError.invalid("n_points", n_points, f"at least 3 * n_states = {3 * n_states} grid points in all")
    return nx, ny


def evaluate_potential(V: object, coords: tuple[np.ndarray, ...]) -> np.ndarray:
    """``V`` on the grid as a finite float array of the grid's shape.

    ``coords`` are the axis arrays. A callable is called with the coordinate
    arrays broadcast to the grid (``indexing='ij'``: ``V(X)`` in 1D,
    ``V(X, Y)`` in 2D) and may return a scalar; an array must already have
    the grid's shape ``(nx,)`` or ``(nx, ny)``.
    """
    shape = tuple(len(c) for c in coords)
    if callable(V):
        mesh = np.meshgrid(*coords, indexing="ij")
        try:
            values = np.asarray(V(*mesh), dtype=float)
        except (TypeError, ValueError) as exc:
            raise ParameterError.invalid("V", V, f"a callable returning real numbers on the grid ({exc})") from None
        if values.shape != shape:
            try:
                values = np.broadcast_to(values, shape).copy()
            except ValueError:
                raise ParameterError.invalid(
                    "V", V, f"a callable returning an array of shape {shape}; got shape {values.shape}") from None
    else:
        try:
            values = np.asarray(V, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError.invalid("V", type(V).__name__, "a callable or a real array on the grid") from None
        if values.shape != shape:
            raise ParameterError.invalid("V", f"array of shape {values.shape}",
                                         f"a callable or an array of shape {shape} (the interior grid)")
    if not np.all(np.isfinite(values)):
        bad = int(np.count_nonzero(~np.isfinite(values)))
        raise ParameterError.invalid("V", f"{bad} non-finite value(s)",
                                     "finite everywhere on the grid (model hard walls with the grid bounds)")
    return values
