"""Closed-form Bayesian update of a linear-Gaussian model: ``y = G theta + e``, ``e ~ N(0, R)``, ``theta ~ N(m, P)``.

Batch (information form): ``P' = (P^-1 + G^T R^-1 G)^-1``, ``m' = P' (P^-1 m + G^T R^-1 y)``.
Sequential (Kalman form, one block of measurements at a time, noise uncorrelated between
blocks): ``K = P G^T (G P G^T + R)^-1``, ``m' = m + K (y - G m)``, ``P' = (I - K G) P (I - K G)^T + K R K^T``
(Joseph form, symmetric and positive by construction). Both give the same posterior, the
exact one; a test checks they agree to 1e-10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..errors import DataError, ParameterError

__all__ = ["Gaussian", "linear_gaussian_posterior", "sequential_update"]


@dataclass(frozen=True)
class Gaussian:
    """A multivariate normal ``N(mean, cov)``; ``cov`` must be symmetric positive definite."""

    mean: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        m = np.atleast_1d(np.asarray(self.mean, np.float64))
        c = np.atleast_2d(np.asarray(self.cov, np.float64))
        if m.ndim != 1 or c.shape != (m.size, m.size) or not (np.all(np.isfinite(m)) and np.all(np.isfinite(c))):
            raise ParameterError.invalid("cov", c.shape, f"a finite ({m.size}, {m.size}) matrix with a finite mean")
        try:
            np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ParameterError.invalid("cov", np.diag(c).tolist(), "symmetric positive definite "
                                         "(every prior width > 0)") from None
        object.__setattr__(self, "mean", m)
        object.__setattr__(self, "cov", c)

    @classmethod
    def independent(cls, mean, std) -> Gaussian:
        std = np.atleast_1d(np.asarray(std, np.float64))
        if not np.all(np.isfinite(std) & (std > 0)):
            raise ParameterError.invalid("std", std.tolist(), "finite and > 0 for every parameter")
        return cls(np.broadcast_to(np.asarray(mean, np.float64), std.shape).copy(), np.diag(std**2))

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    def sample(self, n: int, seed: int | np.random.Generator) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return self.mean + rng.standard_normal((n, self.mean.size)) @ np.linalg.cholesky(self.cov).T

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        from scipy.stats import norm

        z = norm.ppf((1 + level) / 2)
        return self.mean - z * self.std, self.mean + z * self.std


def _noise_cov(noise, n: int) -> np.ndarray:
    R = np.asarray(noise, np.float64)
    if R.ndim <= 1:  # std, scalar or per measurement
        std = np.broadcast_to(R, (n,)) if R.ndim == 0 or R.size == n else None
        if std is None or not np.all(np.isfinite(std) & (std > 0)):
            raise ParameterError.invalid("noise", R.tolist(), f"std > 0 (scalar or {n} values) or an (n, n) covariance")
        return np.diag(std**2)
    if R.shape != (n, n):
        raise ParameterError.invalid("noise", R.shape, f"a ({n}, {n}) covariance")
    return R


def _check(prior: Gaussian, G, y) -> tuple[np.ndarray, np.ndarray]:
    G = np.atleast_2d(np.asarray(G, np.float64))
    y = np.atleast_1d(np.asarray(y, np.float64))
    if G.shape[1] != prior.mean.size:
        raise DataError(f"forward matrix has {G.shape[1]} columns; the prior has {prior.mean.size} parameters")
    if y.shape != (G.shape[0],):
        raise DataError(f"observation has {y.size} measurements; the forward matrix needs {G.shape[0]}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(G))):
        raise DataError("observation or forward matrix contains non-finite values (NaN or inf)")
    return G, y


def linear_gaussian_posterior(prior: Gaussian, G, y, noise) -> Gaussian:
    """The exact posterior of ``y = G theta + e`` (batch, information form). ``noise``: std(s) or covariance."""
    G, y = _check(prior, G, y)
    R = _noise_cov(noise, G.shape[0])
    Rc = cho_factor(R)
    Pc = cho_factor(prior.cov)
    precision = cho_solve(Pc, np.eye(prior.mean.size)) + G.T @ cho_solve(Rc, G)
    Lc = cho_factor(precision)
    cov = cho_solve(Lc, np.eye(prior.mean.size))
    mean = cho_solve(Lc, cho_solve(Pc, prior.mean) + G.T @ cho_solve(Rc, y))
    return Gaussian(mean, (cov + cov.T) / 2)


def sequential_update(prior: Gaussian, G, y, noise, *, block: int = 1) -> Gaussian:
    """The same posterior by Kalman updates over blocks of ``block`` measurements (uncorrelated noise only)."""
    G, y = _check(prior, G, y)
    R = _noise_cov(noise, G.shape[0])
    if block < 1:
        raise ParameterError.invalid("block", block, "an integer >= 1")
    off = R - np.diag(np.diag(R))
    if np.any(off != 0):
        raise ParameterError.invalid("noise", "correlated covariance",
                                     "uncorrelated (diagonal) noise for sequential updates")
    m, P = prior.mean.copy(), prior.cov.copy()
    eye = np.eye(m.size)
    for start in range(0, y.size, block):
        sl = slice(start, start + block)
        Gb, Rb = G[sl], R[sl, sl]
        S = Gb @ P @ Gb.T + Rb
        K = np.linalg.solve(S, Gb @ P).T
        m = m + K @ (y[sl] - Gb @ m)
        A = eye - K @ Gb
        P = A @ P @ A.T + K @ Rb @ K.T
    return Gaussian(m, (P + P.T) / 2)
