"""``Embedding``: PCA, kernel PCA, t-SNE and UMAP behind one scikit-learn-shaped estimator.

The algorithms are scikit-learn's (``PCA``, ``KernelPCA``, ``TSNE``) and umap-learn's (``UMAP``); this class
only checks the input (finite, enough samples for the perplexity or the neighbours) and the parameters with
:mod:`physml.validation` before any compute, so a bad call is one line, and seeds every method.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError
from ..validation import check_choice, check_int, check_real, check_seed
from ._checks import check_at_most_samples, check_samples

__all__ = ["Embedding", "EMBEDDINGS"]

EMBEDDINGS = ("pca", "kernel_pca", "tsne", "umap")


class Embedding(TransformerMixin, BaseEstimator):
    """A low-dimensional embedding of samples ``X`` (``(n, features)``, or ``(n, L, L)`` lattices, flattened).

    method:
        ``pca``, ``kernel_pca`` (RBF kernel, ``gamma`` default 1/features), ``tsne`` or ``umap``.
    n_components:
        dimension of the embedding.
    perplexity:
        t-SNE's effective number of neighbours; must be below the number of samples.
    n_neighbors:
        UMAP's neighbourhood size; must be below the number of samples.
    random_state:
        seed of every random draw (t-SNE and UMAP initialisation, randomized PCA solvers).

    After ``fit``: ``embedding_`` (the training samples' coordinates), ``estimator_`` (the library object) and,
    for PCA, ``explained_variance_ratio_``. ``transform`` exists for PCA, kernel PCA and UMAP (t-SNE embeds only
    the samples it was fitted on).
    """

    def __init__(self, method: str = "pca", n_components: int = 2, *, perplexity: float = 30.0,
                 n_neighbors: int = 15, gamma: float | None = None, random_state: int = 0):
        self.method = method
        self.n_components = n_components
        self.perplexity = perplexity
        self.n_neighbors = n_neighbors
        self.gamma = gamma
        self.random_state = random_state

    def _check(self, X) -> np.ndarray:
        check_choice("method", self.method, EMBEDDINGS)
        k = check_int("n_components", self.n_components, 1)
        check_seed("random_state", self.random_state)
        X = check_samples(X, min_samples=3)
        n, d = X.shape
        if self.method in ("pca", "kernel_pca"):
            check_at_most_samples("n_components", k, min(n, d) if self.method == "pca" else n)
        elif k > 3 and self.method == "tsne":
            raise ParameterError.invalid("n_components", k, "at most 3 for t-SNE (Barnes-Hut)")
        if self.method == "tsne":
            p = check_real("perplexity", self.perplexity, 0.0, closed="neither")
            if p >= n:
                raise ParameterError.invalid("perplexity", p, f"a number below the number of samples ({n})")
        if self.method == "umap":
            check_int("n_neighbors", self.n_neighbors, 2)
            check_at_most_samples("n_neighbors", self.n_neighbors, n, strict=True)
            check_at_most_samples("n_components", k, n - 2, strict=False)
        if self.gamma is not None:
            check_real("gamma", self.gamma, 0.0, closed="neither")
        return X

    def _make(self):
        seed = int(self.random_state)
        if self.method == "pca":
            from sklearn.decomposition import PCA

            return PCA(self.n_components, random_state=seed)
        if self.method == "kernel_pca":
            from sklearn.decomposition import KernelPCA

            return KernelPCA(self.n_components, kernel="rbf", gamma=self.gamma, random_state=seed)
        if self.method == "tsne":
            from sklearn.manifold import TSNE

            return TSNE(self.n_components, perplexity=float(self.perplexity), init="pca", random_state=seed)
        import umap  # umap-learn; imported here: it pulls numba and pynndescent

        # random_state fixes UMAP's draws (and makes it single-threaded, which is what "same seed, same numbers" asks)
        return umap.UMAP(n_components=self.n_components, n_neighbors=int(self.n_neighbors), random_state=seed, n_jobs=1)

    def fit(self, X, y=None) -> Embedding:
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None) -> np.ndarray:
        X = self._check(X)
        self.estimator_ = self._make()
        self.embedding_ = np.asarray(self.estimator_.fit_transform(X), dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        if self.method == "pca":
            self.explained_variance_ratio_ = self.estimator_.explained_variance_ratio_
        return self.embedding_

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        if self.method == "tsne":
            raise ParameterError.invalid("method", self.method, "pca, kernel_pca or umap to embed new samples "
                                         "(t-SNE embeds only the samples it was fitted on)")
        X = check_samples(X, min_samples=1)
        if X.shape[1] != self.n_features_in_:
            raise ParameterError.invalid("X", X.shape, f"samples with {self.n_features_in_} features, as in fit")
        return np.asarray(self.estimator_.transform(X), dtype=np.float64)
