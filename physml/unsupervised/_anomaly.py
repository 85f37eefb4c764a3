"""``AnomalyDetector``: isolation forest, local outlier factor and autoencoder reconstruction error.

scikit-learn's ``IsolationForest`` and ``LocalOutlierFactor`` (novelty mode, so new samples can be scored), and
:class:`~physml.unsupervised.ConvAutoencoder` for lattice data. ``score_samples`` keeps scikit-learn's convention
(higher = more normal); ``anomaly_score`` is its negative (higher = more anomalous), what ROC curves rank by.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..validation import check_choice, check_int, check_seed
from ._autoencoder import ConvAutoencoder
from ._checks import check_at_most_samples, check_samples

__all__ = ["AnomalyDetector", "DETECTORS"]

DETECTORS = ("isolation_forest", "lof", "autoencoder")


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Score how unusual each sample is, after fitting on reference (mostly normal) samples.

    method:
        ``isolation_forest``, ``lof`` (local outlier factor) or ``autoencoder`` (reconstruction error).
    n_neighbors:
        LOF's neighbourhood size (below the number of samples).
    n_estimators:
        trees of the isolation forest.
    autoencoder:
        the :class:`ConvAutoencoder` to use for ``method='autoencoder'`` on fields ``(n, H, W)`` (default: a
        1-latent symmetric one; cloned, so the argument itself is never fitted). On a table ``(n, features)`` the
        autoencoder is scikit-learn's ``MLPRegressor`` fitted to reproduce its standardised input through a
        ``bottleneck``-wide middle layer.
    bottleneck:
        width of the tabular autoencoder's middle layer.
    random_state:
        seed of the forest (the autoencoder keeps its own ``seed``).
    """

    def __init__(self, method: str = "isolation_forest", *, n_neighbors: int = 20, n_estimators: int = 200,
                 autoencoder: ConvAutoencoder | None = None, bottleneck: int = 2, random_state: int = 0):
        self.method = method
        self.n_neighbors = n_neighbors
        self.n_estimators = n_estimators
        self.autoencoder = autoencoder
        self.bottleneck = bottleneck
        self.random_state = random_state

    def fit(self, X, y=None) -> AnomalyDetector:
        check_choice("method", self.method, DETECTORS)
        check_seed("random_state", self.random_state)
        if self.method == "autoencoder" and np.ndim(X) == 3:
            model = clone(self.autoencoder) if self.autoencoder is not None else ConvAutoencoder()
            self.estimator_ = model.fit(X)
            return self
        X = check_samples(X, min_samples=2)
        if self.method == "autoencoder":
            from sklearn.neural_network import MLPRegressor
            from sklearn.preprocessing import StandardScaler

            k = check_int("bottleneck", self.bottleneck, 1)
            self.scaler_ = StandardScaler().fit(X)
            Xs = self.scaler_.transform(X)
            width = max(8, 4 * X.shape[1])
            self.estimator_ = MLPRegressor(hidden_layer_sizes=(width, k, width), activation="tanh", max_iter=2000,
                                           tol=1e-6, random_state=int(self.random_state))
            self.estimator_.fit(Xs, Xs)
            return self
        if self.method == "isolation_forest":
            from sklearn.ensemble import IsolationForest

            check_int("n_estimators", self.n_estimators, 1)
            self.estimator_ = IsolationForest(n_estimators=self.n_estimators, random_state=int(self.random_state))
        else:
            from sklearn.neighbors import LocalOutlierFactor

            check_at_most_samples("n_neighbors", check_int("n_neighbors", self.n_neighbors, 1), len(X), strict=True)
            self.estimator_ = LocalOutlierFactor(n_neighbors=int(self.n_neighbors), novelty=True)
        self.estimator_.fit(X)
        return self

    def score_samples(self, X) -> np.ndarray:
        """Higher = more normal (scikit-learn's convention)."""
        check_is_fitted(self, "estimator_")
        if self.method == "autoencoder" and hasattr(self, "scaler_"):
            Xs = self.scaler_.transform(check_samples(X, min_samples=1))
            return -np.mean((self.estimator_.predict(Xs) - Xs) ** 2, axis=1)
        if self.method == "autoencoder":
            return self.estimator_.score_samples(X)
        return np.asarray(self.estimator_.score_samples(check_samples(X, min_samples=1)), dtype=np.float64)

    def anomaly_score(self, X) -> np.ndarray:
        """Higher = more anomalous."""
        return -self.score_samples(X)

    def predict(self, X, *, threshold: float | None = None) -> np.ndarray:
        """-1 for an outlier, +1 for an inlier: above ``threshold`` in anomaly score (default: the library's
        rule for the forest and LOF; the 99th percentile of the training errors for the autoencoder)."""
        score = self.anomaly_score(X)
        if threshold is None:
            if self.method == "autoencoder":
                raise ValueError("give a threshold for method='autoencoder'")
            return np.asarray(self.estimator_.predict(check_samples(X, min_samples=1)))
        return np.where(score > threshold, -1, 1)
