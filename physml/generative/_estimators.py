"""Importance-sampling estimators for a sampler with exact ``log q``: ESS, ``ln Z`` and reweighted means.

With ``log w = -beta E(x) - log q(x)`` for ``x ~ q``: ``Z = E_q[w]``, so ``ln Z ~ logsumexp(log w) - ln n``; the
normalised effective sample size ``(sum w)^2 / (n sum w^2)`` is 1 for a perfect sampler; a self-normalised
mean ``sum w A / sum w`` estimates ``<A>`` under the Boltzmann distribution. Standard errors are the delta
method's, exact to leading order in ``1/n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

__all__ = ["ImportanceSummary", "importance_summary", "reweighted_mean"]


@dataclass(frozen=True)
class ImportanceSummary:
    """What importance weights say about a sampler."""

    n: int
    """Samples."""
    ess: float
    """Normalised effective sample size, in (0, 1]."""
    log_z: float
    """Estimate of ln Z (beta F = -ln Z)."""
    log_z_stderr: float
    """Its standard error."""
    variational: float
    """``-E_q[log w]``, the variational upper bound on ``-ln Z`` (beta F_q)."""


def _normalised(log_w: np.ndarray) -> np.ndarray:
    log_w = np.asarray(log_w, np.float64)
    if log_w.ndim != 1 or len(log_w) < 2 or not np.all(np.isfinite(log_w)):
        raise ValueError("log_w must be a 1-D array of at least 2 finite log-weights")
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def importance_summary(log_w: np.ndarray) -> ImportanceSummary:
    """ESS, ``ln Z`` with its standard error, and the variational bound, from log-weights ``log w``."""
    p = _normalised(log_w)
    n = len(p)
    ess = 1.0 / (n * float(np.sum(p * p)))
    # var(w)/mean(w)^2 / n = (n sum p^2 - 1) / n = (1/ess - 1) / n: the relative error of Z, hence of ln Z
    stderr = math.sqrt(max(1.0 / ess - 1.0, 0.0) / n)
    log_w = np.asarray(log_w, np.float64)
    return ImportanceSummary(n, ess, float(logsumexp(log_w) - math.log(n)), stderr, float(-np.mean(log_w)))


def reweighted_mean(values: np.ndarray, log_w: np.ndarray) -> tuple[float, float]:
    """Self-normalised ``<A>`` under the target and its standard error, from samples ``values`` of ``q``."""
    p = _normalised(log_w)
    a = np.asarray(values, np.float64)
    mean = float(np.sum(p * a))
    return mean, math.sqrt(float(np.sum(p * p * (a - mean) ** 2)))
