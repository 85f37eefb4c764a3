"""The scores the field judges unsupervised learning by.

Explained variance (PCA), trustworthiness of an embedding (Venna & Kaski 2001; scikit-learn's), silhouette,
adjusted Rand index against known labels, ROC AUC with a bootstrap interval, the significance improvement at a
fixed signal efficiency (the LHC Olympics' measure, Kasieczka et al. 2021), and |Spearman| of each latent
direction with a physical variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError, ParameterError
from ..validation import check_int, check_real, check_seed
from ._checks import check_matching, check_samples

__all__ = ["explained_variance", "trustworthiness", "silhouette", "adjusted_rand", "RocAuc", "roc_auc_interval",
           "significance_improvement", "latent_spearman"]


def explained_variance(X, n_components: int | None = None) -> np.ndarray:
    """PCA's explained-variance ratio of each of the first ``n_components`` directions (default: all)."""
    from sklearn.decomposition import PCA

    X = check_samples(X)
    k = min(X.shape) if n_components is None else check_int("n_components", n_components, 1, min(X.shape))
    return PCA(k, svd_solver="full").fit(X).explained_variance_ratio_


def trustworthiness(X, embedding, n_neighbors: int = 5) -> float:
    """How well the ``n_neighbors`` nearest neighbours in ``embedding`` are neighbours in ``X`` (1 = all)."""
    from sklearn.manifold import trustworthiness as _tw

    X = check_samples(X)
    E = check_samples(embedding, "embedding")
    check_matching(E[:, 0], len(X), "embedding")
    k = check_int("n_neighbors", n_neighbors, 1)
    if k >= len(X) / 2:
        raise ParameterError.invalid("n_neighbors", k, f"an integer below half the number of samples ({len(X) / 2:g})")
    return float(_tw(X, E, n_neighbors=k))


def _labels(labels, n: int, name: str) -> np.ndarray:
    return check_matching(labels, n, name)


def silhouette(X, labels) -> float:
    """Mean silhouette coefficient in [-1, 1] (needs 2 to n - 1 distinct labels)."""
    from sklearn.metrics import silhouette_score

    X = check_samples(X)
    labels = _labels(labels, len(X), "labels")
    k = len(np.unique(labels))
    if not 2 <= k <= len(X) - 1:
        raise DataError(f"silhouette needs between 2 and {len(X) - 1} distinct labels; got {k}")
    return float(silhouette_score(X, labels))


def adjusted_rand(labels_true, labels_pred) -> float:
    """Adjusted Rand index of two labelings (1 = identical partitions, ~0 = chance)."""
    from sklearn.metrics import adjusted_rand_score

    a = np.asarray(labels_true)
    b = _labels(labels_pred, a.shape[0] if a.ndim == 1 else -1, "labels_pred")
    return float(adjusted_rand_score(a, b))


@dataclass(frozen=True)
class RocAuc:
    auc: float
    low: float
    high: float
    level: float


def _check_binary(y_true, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = check_matching(np.asarray(score, dtype=np.float64), y.shape[0] if y.ndim == 1 else -1, "score")
    y = y.astype(bool) if set(np.unique(y).tolist()) <= {0, 1} else None
    if y is None:
        raise DataError("y_true must hold 0 (normal) and 1 (signal) only")
    if y.all() or not y.any():
        raise DataError("y_true must hold both classes (0 and 1)")
    return y, s


def roc_auc_interval(y_true, score, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> RocAuc:
    """ROC AUC of ``score`` (higher = signal) with a percentile bootstrap interval, resampling each class
    separately (so a rare class keeps its count in every resample)."""
    from sklearn.metrics import roc_auc_score

    y, s = _check_binary(y_true, score)
    n_boot = check_int("n_boot", n_boot, 10)
    level = check_real("level", level, 0.0, 1.0, closed="neither")
    rng = np.random.default_rng(check_seed("seed", seed))
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    # AUC = P(score_pos > score_neg) + P(=)/2 from ranks: fast enough for a thousand resamples
    aucs = np.empty(n_boot)
    for b in range(n_boot):
        p = s[rng.choice(pos, pos.size)]
        q = np.sort(s[rng.choice(neg, neg.size)])
        below = np.searchsorted(q, p, side="left")
        equal = np.searchsorted(q, p, side="right") - below
        aucs[b] = (below.sum() + 0.5 * equal.sum()) / (p.size * q.size)
    lo, hi = np.quantile(aucs, [(1 - level) / 2, (1 + level) / 2])
    return RocAuc(float(roc_auc_score(y, s)), float(lo), float(hi), level)


def significance_improvement(y_true, score, signal_efficiency: float = 0.2) -> float:
    """``eps_S / sqrt(eps_B)`` at the threshold keeping ``signal_efficiency`` of the signal: how much a cut on
    ``score`` raises a counting experiment's significance S / sqrt(B). When no background passes, ``eps_B`` is
    taken as 1 / (number of background samples), so the value is a lower bound and stays finite."""
    y, s = _check_binary(y_true, score)
    eff = check_real("signal_efficiency", signal_efficiency, 0.0, 1.0, closed="right")
    threshold = np.quantile(s[y], 1.0 - eff)
    eps_s = float(np.mean(s[y] >= threshold))
    eps_b = max(float(np.mean(s[~y] >= threshold)), 1.0 / int((~y).sum()))
    return eps_s / np.sqrt(eps_b)


def latent_spearman(Z, y) -> np.ndarray:
    """|Spearman rank correlation| of each column of ``Z`` (``(n, k)``) with the physical variable ``y``."""
    from scipy.stats import spearmanr

    Z = check_samples(Z, "latent")
    y = np.asarray(check_matching(np.asarray(y, dtype=np.float64), len(Z), "label"))
    if np.ptp(y) == 0:
        raise DataError("the label is constant: no rank correlation to measure")
    out = np.zeros(Z.shape[1])
    for j in range(Z.shape[1]):
        if np.ptp(Z[:, j]) > 0:
            out[j] = abs(spearmanr(Z[:, j], y).statistic)
    return out
