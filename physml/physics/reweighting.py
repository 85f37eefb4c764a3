"""Multiple-histogram reweighting (Ferrenberg & Swendsen, PRL 63, 1195, 1989).

Samples drawn at inverse temperatures ``beta_k`` (``n_k`` each, total energies ``E_i``) are combined into an
estimate of the canonical average of any observable at any ``beta`` between them: each sample gets the weight
``exp(-beta E_i) / sum_k n_k exp(f_k - beta_k E_i)``, where the free energies ``f_k`` solve the self-consistent
equations ``exp(-f_k) = sum_i exp(-beta_k E_i) / sum_j n_j exp(f_j - beta_j E_i)``. A susceptibility then becomes
a smooth function of temperature whose peak is found without fitting a shape to noisy points. Units:
k_B = 1, energies and temperatures in the same unit (J for the Ising model).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from ..errors import DataError, ParameterError

__all__ = ["MultiHistogram", "susceptibility_peak", "slope_peak"]


class MultiHistogram:
    """Reweighting of samples with total energies ``energies`` drawn at inverse temperatures ``betas`` (one per
    sample; samples sharing a value form one simulation)."""

    def __init__(self, betas, energies, *, tol: float = 1e-10, max_iter: int = 10000):
        b = np.asarray(betas, dtype=np.float64)
        E = np.asarray(energies, dtype=np.float64)
        if b.ndim != 1 or b.shape != E.shape or b.size < 2:
            raise DataError(f"betas and energies must be 1-D of one length >= 2; got {b.shape} and {E.shape}")
        if not (np.isfinite(b).all() and np.isfinite(E).all() and (b > 0).all()):
            raise DataError("betas must be finite and > 0 and energies finite")
        self.beta_k, counts = np.unique(b, return_counts=True)
        self.log_n = np.log(counts)
        self.energies = E
        f = np.zeros(self.beta_k.size)
        bE = np.outer(self.beta_k, E)  # (K, n)
        for _ in range(max_iter):
            log_den = logsumexp(self.log_n[:, None] + f[:, None] - bE, axis=0)  # (n,)
            f_new = -logsumexp(-bE - log_den[None, :], axis=1)
            f_new -= f_new[0]
            if np.max(np.abs(f_new - f)) < tol:
                f = f_new
                break
            f = f_new
        self.f = f
        self._log_den = logsumexp(self.log_n[:, None] + f[:, None] - bE, axis=0)

    def weights(self, beta: float) -> np.ndarray:
        """Normalised weight of every sample in the canonical ensemble at ``beta``."""
        log_w = -beta * self.energies - self._log_den
        w = np.exp(log_w - log_w.max())
        return w / w.sum()

    def average(self, values, beta: float) -> float:
        """Canonical average of per-sample ``values`` at ``beta``."""
        return float(self.weights(beta) @ np.asarray(values, dtype=np.float64))


def _peak(temperatures, energies, values, grid: int, curve) -> tuple[float, float]:
    T = np.asarray(temperatures, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != T.shape:
        raise DataError(f"values must have one per sample ({T.shape}); got {v.shape}")
    E = np.asarray(energies, dtype=np.float64)
    mh = MultiHistogram(1.0 / T, E)
    Ts = np.linspace(T.min(), T.max(), grid)
    y = np.array([curve(mh.weights(1.0 / t), v, E, t) for t in Ts])
    i = int(np.argmax(y))
    if i in (0, grid - 1):
        raise ParameterError.invalid("temperatures", (float(T.min()), float(T.max())),
                                     f"a range bracketing the peak (found at the edge, T = {Ts[i]:.4g})")
    return float(Ts[i]), float(y[i])


def susceptibility_peak(temperatures, energies, order, n_sites: int, *, grid: int = 400) -> tuple[float, float]:
    """``(T*, chi_max)``: the temperature where ``chi(T) = n_sites (<|q|^2> - <|q|>^2) / T`` of an order
    parameter ``q`` per site (one value per sample) peaks, by multiple-histogram reweighting of samples drawn at
    ``temperatures`` with total energies ``energies``. The peak is searched on ``grid`` temperatures spanning the
    sampled ones; a peak on the edge is an error (the temperatures do not bracket it)."""
    q = np.abs(np.asarray(order, dtype=np.float64))
    return _peak(temperatures, energies, q, grid, lambda w, v, E, t: n_sites * (w @ v**2 - (w @ v) ** 2) / t)


def slope_peak(temperatures, energies, values, *, grid: int = 400) -> tuple[float, float]:
    """``(T*, slope_max)``: where the canonical mean of ``values`` rises fastest with temperature, from the exact
    fluctuation identity ``d<v>/dT = (<v E> - <v><E>) / T^2`` (k_B = 1) under multiple-histogram reweighting."""
    return _peak(temperatures, energies, values, grid,
                 lambda w, v, E, t: ((w @ (v * E)) - (w @ v) * (w @ E)) / t**2)
