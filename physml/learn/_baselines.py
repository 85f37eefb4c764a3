"""Trivial baselines every trained model must beat (or at least match)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["ThresholdClassifier"]


class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Binary classifier that thresholds one scalar feature (column ``feature``).

    ``fit`` picks the threshold and direction with the best training accuracy;
    among equally good thresholds it takes the midpoint of the widest gap, so a
    separable training set gets the maximum-margin cut.
    """

    def __init__(self, feature: int = 0):
        self.feature = feature

    def fit(self, X, y) -> ThresholdClassifier:
        x = np.asarray(X, float)[:, self.feature]
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"ThresholdClassifier needs two classes; got {self.classes_.tolist()}")
        order = np.argsort(x, kind="stable")
        xs, pos = x[order], (y[order] == self.classes_[1]).astype(float)
        cuts = np.concatenate([[xs[0] - 1.0], (xs[:-1] + xs[1:]) / 2, [xs[-1] + 1.0]])
        below_pos = np.concatenate([[0.0], np.cumsum(pos)])  # positives at or below each cut
        n, n_pos = len(xs), pos.sum()
        k = np.arange(n + 1)
        acc_above = ((k - below_pos) + (n_pos - below_pos)) / n  # positive when x > cut
        acc_below = (below_pos + (n - k - (n_pos - below_pos))) / n  # positive when x < cut
        self.positive_above_ = bool(acc_above.max() >= acc_below.max())
        acc = acc_above if self.positive_above_ else acc_below
        best = np.flatnonzero(acc == acc.max())
        gaps = np.diff(np.concatenate([[xs[0]], xs, [xs[-1]]]))[best]
        self.threshold_ = float(cuts[best[np.argmax(gaps)]])
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "threshold_")
        x = np.asarray(X, float)[:, self.feature]
        positive = x > self.threshold_ if self.positive_above_ else x < self.threshold_
        return np.where(positive, self.classes_[1], self.classes_[0])
