"""Shared pieces of the periodic pseudo-spectral solvers: wavenumbers, 2/3 dealiasing, ETDRK4.

ETDRK4 (Cox & Matthews 2002) with the contour-integral coefficients of Kassam & Trefethen
(2005) integrates ``v_t = L v + N(v)`` for a diagonal linear part ``L`` (here diffusion,
``-nu k^2``, and optional linear drag): ``L`` is treated exactly, ``N`` (advection, forcing) by
a fourth-order exponential Runge-Kutta scheme. Global error O(dt^4); the stability limit
comes from the explicit advection alone and is an advective CFL condition, checked by the
solvers: the eigenvalues of advection, ``i k u``, lie on the imaginary axis where classical
RK4 is stable up to ``|dt k u| <= 2 sqrt(2)``; with the 2/3 rule the largest retained
wavenumber is ``(2/3) pi / dx``, so ``dt max|u| / dx <= 2 sqrt(2) / (2 pi / 3) = 1.35``. The
solvers require :data:`CFL_MAX` = 1.0 (margin for the growth of ``|u|`` between checks).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from physml.errors import ParameterError

from ...validation import check_int, check_real

__all__ = ["CFL_MAX", "GridTime", "wavenumbers", "dealias_mask", "ETDRK4"]

#: largest allowed ``dt (max|u| + max|v|) / dx`` (module docstring)
CFL_MAX = 1.0


def wavenumbers(n: int, length: float, *, half: bool = False) -> np.ndarray:
    """Angular wavenumbers of an ``n``-point periodic grid of the given length (``rfft`` order if ``half``)."""
    d = length / n
    f = np.fft.rfftfreq(n, d) if half else np.fft.fftfreq(n, d)
    return 2.0 * math.pi * f


def dealias_mask(n: int, *, half: bool = False) -> np.ndarray:
    """True for the modes kept by the 2/3 rule: integer wavenumber ``|m| < n / 3``."""
    m = np.fft.rfftfreq(n, 1.0 / n) if half else np.fft.fftfreq(n, 1.0 / n)
    return np.abs(m) < n / 3.0


class ETDRK4:
    """One ETDRK4 step of size ``dt`` for ``v_t = L v + N(v)``, ``L`` real and diagonal (any shape)."""

    def __init__(self, L: np.ndarray, dt: float, *, n_contour: int = 64):
        L = np.asarray(L, dtype=np.float64)
        self.E = np.exp(dt * L)
        self.E2 = np.exp(dt * L / 2.0)
        r = np.exp(1j * math.pi * (np.arange(1, n_contour + 1) - 0.5) / n_contour)
        flat = dt * L.ravel()
        Q = np.empty(flat.size)
        f1, f2, f3 = np.empty(flat.size), np.empty(flat.size), np.empty(flat.size)
        for s in range(0, flat.size, 8192):  # contour points in blocks: bounded memory on big grids
            LR = flat[s:s + 8192, None] + r[None, :]
            eLR = np.exp(LR)
            Q[s:s + 8192] = dt * np.real(np.mean((np.exp(LR / 2.0) - 1.0) / LR, axis=1))
            LR3 = LR**3
            f1[s:s + 8192] = dt * np.real(np.mean((-4.0 - LR + eLR * (4.0 - 3.0 * LR + LR**2)) / LR3, axis=1))
            f2[s:s + 8192] = dt * np.real(np.mean((2.0 + LR + eLR * (LR - 2.0)) / LR3, axis=1))
            f3[s:s + 8192] = dt * np.real(np.mean((-4.0 - 3.0 * LR - LR**2 + eLR * (4.0 - LR)) / LR3, axis=1))
        self.Q, self.f1, self.f2, self.f3 = (a.reshape(L.shape) for a in (Q, f1, f2, f3))

    def step(self, v: np.ndarray, N: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        Nv = N(v)
        a = self.E2 * v + self.Q * Nv
        Na = N(a)
        b = self.E2 * v + self.Q * Na
        Nb = N(b)
        c = self.E2 * a + self.Q * (2.0 * Nb - Nv)
        Nc = N(c)
        return self.E * v + Nv * self.f1 + 2.0 * (Na + Nb) * self.f2 + Nc * self.f3


class GridTime:
    """What the solvers' parameter dataclasses share: the periodic grid and the snapshot times.

    Fields read: ``length``, ``n_grid``, ``dt``, ``t_final``, ``n_save``. Snapshots are at ``n_save``
    times evenly spaced in ``(0, t_final]`` (plus ``t = 0``); each interval is split into the fewest
    equal steps no longer than ``dt``, so the step used, :attr:`dt_effective`, is never larger.
    """

    def _check_grid_time(self, *, min_grid: int, even: bool) -> None:
        set_ = object.__setattr__
        set_(self, "length", check_real("length", self.length, 1e-9, 1e9, ""))
        set_(self, "n_grid", check_int("n_grid", self.n_grid, min_grid))
        if even and self.n_grid % 2:
            raise ParameterError.invalid("n_grid", self.n_grid,
                                         f"an even integer >= {min_grid} (periodic spectral grid)")
        set_(self, "dt", check_real("dt", self.dt, 1e-15, 1e9, "(time step, > 0)"))
        set_(self, "t_final", check_real("t_final", self.t_final, 1e-15, 1e9, "(> 0)"))
        set_(self, "n_save", check_int("n_save", self.n_save, 1))

    @property
    def x(self) -> np.ndarray:
        """Grid points ``j length / n_grid`` (no periodic end point)."""
        return self.length * np.arange(self.n_grid) / self.n_grid

    @property
    def times(self) -> np.ndarray:
        """Snapshot times, ``t = 0`` first."""
        return self.t_final * np.arange(self.n_save + 1) / self.n_save

    @property
    def steps_per_save(self) -> int:
        return max(1, math.ceil(self.t_final / self.n_save / self.dt * (1 - 1e-12)))

    @property
    def dt_effective(self) -> float:
        return self.t_final / self.n_save / self.steps_per_save
