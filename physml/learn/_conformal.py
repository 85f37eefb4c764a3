"""Split-conformal predictive intervals and prediction sets, at any level, from stored calibration scores.

A model fitted on a training set is scored on calibration rows it never saw; the sorted scores are all
that must be kept. At level ``1 - alpha`` the interval's half-width (in score units) is the
``ceil((n + 1)(1 - alpha))``-th smallest of the ``n`` scores, which covers a new exchangeable row with
probability at least ``1 - alpha`` (Vovk et al. 2005; Lei et al. 2018, "Distribution-free predictive
inference for regression"). Above ``n / (n + 1)`` the interval is infinite.

* Regression: score ``|y - f(x)|``; where the model has a native predictive standard deviation
  (the Gaussian process; a random forest's spread over its trees) the score is ``|y - f(x)| / s(x)``,
  so the interval is the native one, rescaled to hold its level (normalised conformal regression).
* Classification: score ``1 - p(true class)``; the prediction set holds every class whose
  ``1 - p`` is within the quantile (Sadinle, Lei & Wasserman 2019), plus the most probable class.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["native_std", "std_floor", "conformal_coverage_band", "conformal_quantile", "regression_scores",
           "regression_interval", "class_scores", "prediction_sets"]


def native_std(model, X: np.ndarray) -> np.ndarray | None:
    """The model's own predictive standard deviation at ``X`` (``None`` when it has none).

    Gaussian process (alone or as a Pipeline's last step): the posterior std with the fitted noise;
    random forest: the standard deviation of its trees' predictions.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import Pipeline

    from ..models import predict_with_std

    _, std = predict_with_std(model, X)
    if std is not None:
        return np.asarray(std, float)
    last = model[-1] if isinstance(model, Pipeline) else model
    if isinstance(last, RandomForestRegressor):
        Xt = model[:-1].transform(X) if isinstance(model, Pipeline) else X
        per_tree = np.stack([t.predict(np.asarray(Xt, float)) for t in last.estimators_])
        return per_tree.std(axis=0)
    return None


def std_floor(std) -> float:
    """A floor for a native std, ``1e-3`` of its median on the calibration rows: trees that all agree (std 0)
    would otherwise give an infinite score or a zero-width interval."""
    std = np.asarray(std, float)
    return float(1e-3 * np.median(std)) if std.size else 0.0


def conformal_quantile(scores, level: float) -> float:
    """The split-conformal quantile of the calibration ``scores`` at ``level`` (``inf`` if too few scores)."""
    s = np.sort(np.asarray(scores, float))
    n = s.size
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    k = math.ceil((n + 1) * level)
    return float(s[k - 1]) if 1 <= k <= n else math.inf


def regression_scores(y, pred, std=None, floor: float = 0.0) -> np.ndarray:
    """Calibration scores: ``|y - pred|``, divided by ``max(std, floor)`` when ``std`` is given."""
    r = np.abs(np.asarray(y, float) - np.asarray(pred, float))
    return r if std is None else r / np.maximum(np.asarray(std, float), floor)


def regression_interval(pred, scores, level: float, std=None, floor: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)`` at ``level`` around ``pred`` from calibration ``scores`` (same ``std`` convention)."""
    pred = np.asarray(pred, float)
    q = conformal_quantile(scores, level)
    half = np.full_like(pred, q) if std is None else q * np.maximum(np.asarray(std, float), floor)
    return pred - half, pred + half


def class_scores(proba: np.ndarray, y, classes) -> np.ndarray:
    """``1 - p(true class)`` for each row of ``proba`` (columns in the order of ``classes``)."""
    index = {c: i for i, c in enumerate(list(classes))}
    cols = np.array([index[c] for c in np.asarray(y).tolist()])
    return 1.0 - np.asarray(proba, float)[np.arange(len(cols)), cols]


def prediction_sets(proba: np.ndarray, scores, level: float) -> np.ndarray:
    """Boolean ``(n_rows, n_classes)``: the classes in each row's prediction set at ``level``.

    The most probable class is always in the set (adding it can only raise the coverage), so no set is empty.
    """
    proba = np.asarray(proba, float)
    q = conformal_quantile(scores, level)
    sets = 1.0 - proba <= q + 1e-12
    sets[np.arange(len(proba)), np.argmax(proba, axis=1)] = True
    return sets


def conformal_coverage_band(m: int, n_calibration: int, level: float, *, alpha: float = 0.01) -> tuple[float, float]:
    """Acceptance band for the share of ``m`` new rows inside split-conformal intervals from ``n_calibration`` rows.

    Given the calibration rows the coverage is ``Beta(k, n + 1 - k)`` with ``k = ceil((n + 1) level)``
    (continuous scores; Vovk 2012, Angelopoulos & Bates 2021 sec. 3), so the number of hits among ``m`` new
    rows is beta-binomial. The band is its central ``1 - alpha`` acceptance interval, as fractions, built like
    :func:`physml.physics.audit.coverage_band` (exact tail sums; a calibrated method falls outside with
    probability <= ``alpha``). It is wider than the binomial band of ``m`` rows, which forgets that the
    interval's width was itself estimated, and tends to it as ``n_calibration`` grows.
    """
    from scipy.stats import betabinom

    k = math.ceil((n_calibration + 1) * level)
    if not 1 <= k <= n_calibration:
        return 1.0, 1.0  # the interval is infinite: every row is covered
    j = np.arange(m + 1)
    a, b = k, n_calibration + 1 - k
    low = int(j[betabinom.cdf(j - 1, m, a, b) <= alpha / 2].max())
    high = int(j[betabinom.sf(j, m, a, b) <= alpha / 2].min())
    return low / m, high / m
