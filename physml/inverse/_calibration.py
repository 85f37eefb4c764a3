"""Do the uncertainties mean what they say? Coverage, simulation-based calibration and C2ST.

* :func:`coverage`: the fraction of simulated problems whose central credible interval
  contains the true parameter; for a calibrated 90 % interval it is 0.9 up to binomial
  scatter (std ``sqrt(0.09 / n)``: 0.021 for 200 problems).
* :func:`sbc_ranks`: simulation-based calibration (Talts et al. 2018): the rank of the truth
  among ``L`` posterior draws is uniform on ``0..L`` if the posterior is right; a chi-square
  test over bins gives a p-value per parameter.
* :func:`c2st`: the classifier two-sample test as sbibm computes it (Lueckmann et al. 2021):
  the 5-fold cross-validated accuracy of an MLP telling two samples apart, inputs z-scored
  by the reference sample; 0.5 means indistinguishable, 1.0 fully separable.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chisquare

from ..errors import DataError

__all__ = ["coverage", "sbc_ranks", "sbc_uniformity_pvalues", "c2st"]


def coverage(low, high, truth) -> np.ndarray:
    """Per-parameter fraction of problems with ``low <= truth <= high`` (arrays ``(n_problems, dim)``)."""
    low, high, truth = (np.asarray(a, np.float64) for a in (low, high, truth))
    return np.mean((truth >= low) & (truth <= high), axis=0)


def sbc_ranks(samples, truth) -> np.ndarray:
    """Rank of each truth among its posterior draws: ``samples (n_problems, L, dim)`` -> ``(n_problems, dim)``."""
    samples, truth = np.asarray(samples), np.asarray(truth)
    return np.sum(samples < truth[:, None, :], axis=1)


def sbc_uniformity_pvalues(ranks, n_draws: int, n_bins: int = 10) -> np.ndarray:
    """Chi-square p-value per parameter that ranks ``(n_problems, dim)`` are uniform on ``0..n_draws``."""
    ranks = np.asarray(ranks)
    edges = np.linspace(0, n_draws + 1, n_bins + 1)
    out = []
    for j in range(ranks.shape[1]):
        counts, _ = np.histogram(ranks[:, j], bins=edges)
        out.append(chisquare(counts).pvalue)
    return np.array(out)


def c2st(a, b, *, seed: int = 0, n_folds: int = 5, classifier: str = "mlp",
         max_iter: int = 1000) -> float:
    """Cross-validated accuracy of a classifier separating samples ``a`` and ``b`` (``(n, dim)`` each)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise DataError(f"c2st needs two (n, dim) samples of the same dim; got {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise DataError("c2st samples contain non-finite values")
    mean, std = a.mean(axis=0), a.std(axis=0)
    std[std == 0] = 1.0
    X = (np.concatenate([a, b]) - mean) / std
    y = np.concatenate([np.zeros(len(a)), np.ones(len(b))])
    dim = a.shape[1]
    if classifier == "mlp":
        clf = MLPClassifier(activation="relu", hidden_layer_sizes=(10 * dim, 10 * dim), max_iter=max_iter,
                            solver="adam", random_state=seed)
    elif classifier == "hgb":
        clf = HistGradientBoostingClassifier(random_state=seed)
    else:
        raise DataError(f"unknown classifier {classifier!r}; 'mlp' or 'hgb'")
    cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    # one thread: small fits lose more to OpenMP/BLAS threads than they gain, badly so on a loaded machine
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: the accuracy is still the statistic
        return float(np.mean(cross_val_score(clf, X, y, cv=cv, scoring="accuracy")))
