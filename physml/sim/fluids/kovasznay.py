"""Kovasznay flow (Kovasznay 1948): an exact steady solution of the 2D incompressible Navier-Stokes equations.

The laminar wake behind a periodic grid of cylinders, in units where the mean velocity and the grid spacing
are 1 and the density is 1 (so ``nu = 1 / re``):

    u = 1 - e^{lam x} cos 2 pi y,   v = lam / (2 pi) e^{lam x} sin 2 pi y,   p = (1 - e^{2 lam x}) / 2,
    lam = re / 2 - sqrt(re^2 / 4 + 4 pi^2).

It satisfies ``(u . grad) u = -grad p + (1 / re) lap u`` and ``div u = 0`` exactly, at every point.
"""

from __future__ import annotations

import math

import numpy as np

from ...validation import check_real

__all__ = ["kovasznay", "kovasznay_lambda"]


def kovasznay_lambda(re: float) -> float:
    """The decay rate ``lam = re / 2 - sqrt(re^2 / 4 + 4 pi^2)`` (negative) at Reynolds number ``re`` > 0."""
    re = check_real("re", re, 0.0, math.inf, "(Reynolds number)", closed="neither")
    return re / 2 - math.sqrt(re * re / 4 + 4 * math.pi ** 2)


def kovasznay(x: np.ndarray, y: np.ndarray, re: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact Kovasznay velocity and pressure ``(u, v, p)`` at points ``(x, y)`` and Reynolds number ``re``."""
    lam = kovasznay_lambda(re)
    e = np.exp(lam * np.asarray(x, dtype=float))
    y = np.asarray(y, dtype=float)
    return 1 - e * np.cos(2 * math.pi * y), lam / (2 * math.pi) * e * np.sin(2 * math.pi * y), 0.5 * (1 - e * e)
