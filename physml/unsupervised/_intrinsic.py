"""Intrinsic dimension by TwoNN (Facco, d'Errico, Rodriguez & Laio, Sci. Rep. 7, 12140, 2017).

For each point the ratio ``mu = r2 / r1`` of its second- to first-nearest-neighbour distance is Pareto
distributed, ``P(mu) = d mu^(-d-1)``, whatever the density, if the density is locally uniform on a manifold of
dimension ``d``. The estimate is the slope of ``-ln(1 - F(mu))`` against ``ln mu`` through the origin, with the
largest ``discard`` share of ``mu`` left out (they come from sparse regions where the assumption fails).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ..validation import check_real
from ._checks import check_samples

__all__ = ["TwoNNResult", "twonn_dimension"]


@dataclass(frozen=True)
class TwoNNResult:
    dimension: float
    """The TwoNN estimate of the intrinsic dimension."""
    stderr: float
    """Its asymptotic standard error, ``d / sqrt(n_used)`` (the maximum-likelihood one)."""
    n_used: int
    """Points in the fit (duplicates and the discarded tail removed)."""


def twonn_dimension(X, *, discard: float = 0.1) -> TwoNNResult:
    """TwoNN intrinsic dimension of samples ``X`` (``(n, features)``; lattices are flattened).

    Points with a duplicate (``r1 = 0``) are left out: the ratio is undefined for them.
    """
    from sklearn.neighbors import NearestNeighbors

    discard = check_real("discard", discard, 0.0, 0.5, closed="left")
    X = check_samples(X, min_samples=10)
    dist, _ = NearestNeighbors(n_neighbors=3).fit(X).kneighbors(X)
    r1, r2 = dist[:, 1], dist[:, 2]
    keep = r1 > 0
    mu = np.sort(r2[keep] / r1[keep])
    n = mu.size
    if n < 10:
        raise DataError(f"array 'X' has only {n} points without a duplicate; TwoNN needs at least 10")
    F = np.arange(1, n + 1) / n
    m = int(np.floor(n * (1.0 - discard))) if discard > 0 else n - 1  # F = 1 at the last point: log diverges
    x, y = np.log(mu[:m]), -np.log1p(-F[:m])
    d = float(x @ y / (x @ x))
    return TwoNNResult(d, d / np.sqrt(m), m)
