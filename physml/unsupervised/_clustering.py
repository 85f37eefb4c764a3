"""``Clustering``: k-means, Gaussian mixtures, DBSCAN and agglomerative clustering, checked and seeded.

Thin wrappers over scikit-learn (``KMeans``, ``GaussianMixture``, ``DBSCAN``, ``AgglomerativeClustering``): the
input is checked (finite, at least as many samples as clusters or neighbours) and the parameters are validated
with :mod:`physml.validation` before any compute, so a bad call is one line.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError
from ..validation import check_choice, check_int, check_real, check_seed
from ._checks import check_at_most_samples, check_samples

__all__ = ["Clustering", "CLUSTERINGS"]

CLUSTERINGS = ("kmeans", "gmm", "dbscan", "agglomerative")


class Clustering(ClusterMixin, BaseEstimator):
    """Cluster samples ``X`` (``(n, features)``; lattices are flattened).

    method:
        ``kmeans``, ``gmm`` (full-covariance Gaussian mixture), ``dbscan`` or ``agglomerative`` (Ward).
    n_clusters:
        clusters (k-means, agglomerative) or mixture components (gmm); at most the number of samples.
    eps, min_samples:
        DBSCAN's neighbourhood radius and core-point count (``min_samples`` at most the number of samples).
    random_state:
        seed of k-means' and the mixture's initialisations.

    After ``fit``: ``labels_`` (DBSCAN marks noise -1), ``estimator_``; ``predict`` for k-means and gmm.
    """

    def __init__(self, method: str = "kmeans", n_clusters: int = 2, *, eps: float = 0.5, min_samples: int = 5,
                 random_state: int = 0):
        self.method = method
        self.n_clusters = n_clusters
        self.eps = eps
        self.min_samples = min_samples
        self.random_state = random_state

    def _check(self, X) -> np.ndarray:
        check_choice("method", self.method, CLUSTERINGS)
        check_seed("random_state", self.random_state)
        X = check_samples(X, min_samples=1)
        if self.method == "dbscan":
            check_real("eps", self.eps, 0.0, closed="neither")
            check_at_most_samples("min_samples", check_int("min_samples", self.min_samples, 1), len(X))
        else:
            check_at_most_samples("n_clusters", check_int("n_clusters", self.n_clusters, 1), len(X))
        return X

    def _make(self):
        from sklearn import cluster, mixture

        seed = int(self.random_state)
        if self.method == "kmeans":
            return cluster.KMeans(self.n_clusters, n_init=10, random_state=seed)
        if self.method == "gmm":
            return mixture.GaussianMixture(self.n_clusters, n_init=3, random_state=seed)
        if self.method == "dbscan":
            return cluster.DBSCAN(eps=float(self.eps), min_samples=int(self.min_samples))
        return cluster.AgglomerativeClustering(self.n_clusters, linkage="ward")

    def fit(self, X, y=None) -> Clustering:
        X = self._check(X)
        self.estimator_ = self._make()
        if self.method == "gmm":
            self.labels_ = self.estimator_.fit(X).predict(X)
        else:
            self.labels_ = self.estimator_.fit(X).labels_
        self.labels_ = np.asarray(self.labels_, dtype=np.int64)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        if self.method not in ("kmeans", "gmm"):
            raise ParameterError.invalid("method", self.method, "kmeans or gmm to assign new samples")
        return np.asarray(self.estimator_.predict(check_samples(X, min_samples=1)), dtype=np.int64)
