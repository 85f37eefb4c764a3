"""Locating a transition: crossing points and finite-size scaling.

``crossing_point`` fits a logistic step ``p(T) = 1 / (1 + exp((T - T*)/w))`` to
a fraction-vs-temperature curve (e.g. a classifier's P(ordered)) and returns
the temperature where it crosses 1/2 with its standard error.
``finite_size_extrapolation`` fits ``T*(L) = T_c + a L^(-1/nu)`` by weighted
least squares (the form that holds for any pseudo-critical temperature when
the correlation length exponent is ``nu``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from ..errors import ParameterError

__all__ = ["Crossing", "crossing_point", "FiniteSizeFit", "finite_size_extrapolation"]


@dataclass(frozen=True)
class Crossing:
    value: float
    stderr: float
    width: float


def _step(T, t_star, width):
    return 1.0 / (1.0 + np.exp((T - t_star) / width))


def crossing_point(T: np.ndarray, p: np.ndarray, sigma: np.ndarray | None = None, *,
                   window: tuple[float, float] = (0.2, 0.8)) -> Crossing:
    """Temperature where a decreasing fraction ``p(T)`` crosses 1/2.

    The logistic step is fitted only where ``window[0] <= p <= window[1]``
    (plus one point on each side, at least five points): far from the crossing
    the curve's shape is not logistic, and its tiny error bars there would pull
    a global fit away from the crossing.
    """
    T, p = np.asarray(T, float), np.asarray(p, float)
    if T.shape != p.shape or T.size < 3:
        raise ParameterError.invalid("T", T.shape, "at least 3 temperatures matching p")
    if not (p.max() > 0.5 > p.min()):
        raise ParameterError.invalid("p", (float(p.min()), float(p.max())), "a curve that crosses 1/2")
    order = np.argsort(T)
    T, p = T[order], p[order]
    sigma = None if sigma is None else np.maximum(np.asarray(sigma, float)[order], 1e-3)
    i = int(np.argmax(p < 0.5))  # first point below 1/2 (p[0] >= 1/2 for a decreasing curve)
    t0 = T[i - 1] + (p[i - 1] - 0.5) * (T[i] - T[i - 1]) / max(p[i - 1] - p[i], 1e-12) if i > 0 else T[0]
    inside = np.flatnonzero((p >= window[0]) & (p <= window[1]))
    lo = min(inside.min(initial=i), i - 1) - 1
    hi = max(inside.max(initial=i), i) + 1
    while hi - lo + 1 < 5 and (lo > 0 or hi < T.size - 1):
        lo, hi = max(lo - 1, 0), min(hi + 1, T.size - 1)
    sel = slice(max(lo, 0), min(hi, T.size - 1) + 1)
    s = None if sigma is None else sigma[sel]
    width0 = max((T[sel][-1] - T[sel][0]) / 8, 1e-3)
    popt, pcov = curve_fit(_step, T[sel], p[sel], p0=(t0, width0), sigma=s, absolute_sigma=s is not None,
                           maxfev=20000)
    return Crossing(float(popt[0]), float(np.sqrt(max(pcov[0, 0], 0.0))), float(abs(popt[1])))


@dataclass(frozen=True)
class FiniteSizeFit:
    tc: float
    tc_stderr: float
    amplitude: float
    nu: float

    def predict(self, L: np.ndarray) -> np.ndarray:
        return self.tc + self.amplitude * np.asarray(L, float) ** (-1.0 / self.nu)


def finite_size_extrapolation(L: np.ndarray, t_star: np.ndarray, stderr: np.ndarray | None = None,
                              nu: float = 1.0) -> FiniteSizeFit:
    """Weighted linear fit of ``T*(L)`` against ``L^(-1/nu)``; the intercept is ``T_c``."""
    L, t_star = np.asarray(L, float), np.asarray(t_star, float)
    if L.size < 2 or L.shape != t_star.shape:
        raise ParameterError.invalid("L", L.tolist(), "at least two lattice sizes matching t_star")
    x = L ** (-1.0 / nu)
    w = np.ones_like(x) if stderr is None else 1.0 / np.maximum(np.asarray(stderr, float), 1e-6) ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    coef = cov @ (A.T @ (w * t_star))
    if L.size > 2:  # scale the covariance by the reduced chi^2 when it is estimable
        resid = t_star - A @ coef
        chi2 = float(np.sum(w * resid**2) / (L.size - 2))
        cov = cov * max(chi2, 1.0)
    return FiniteSizeFit(float(coef[0]), float(np.sqrt(cov[0, 0])), float(coef[1]), nu)
