"""CORAL: correlation alignment (Sun, Feng & Saenko, AAAI 2016), without labels from the target domain.

The target features are whitened with their own covariance and re-coloured with the source's
(and their mean moved onto the source's), so a model trained on the source reads target data with
the source's first and second moments:

    x' = (x - mu_t) C_t^{-1/2} C_s^{1/2} + mu_s,     C = cov + eps * I.

With ``eps = 0`` the aligned target sample has exactly the source's mean and covariance (a test
checks it to rounding); ``eps > 0`` regularises rank-deficient covariances, as in the paper (eps = 1
on standardised features). The matrix square roots come from :func:`scipy.linalg.eigh` of the
symmetric covariances, clipped at zero.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..errors import DataError, ParameterError
from ..validation import check_real
from ._checks import check_target

__all__ = ["CoralAligner", "CoralAdapted", "coral_matrix"]


def _sqrt_and_inv_sqrt(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, V = scipy.linalg.eigh(C)
    if w.min() <= 1e-12 * max(1.0, w.max()):
        raise DataError("a covariance matrix is singular (constant or collinear features); use eps > 0")
    return (V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T


def coral_matrix(C_source: np.ndarray, C_target: np.ndarray, eps: float = 0.0) -> np.ndarray:
    """``A = (C_t + eps I)^{-1/2} (C_s + eps I)^{1/2}``: maps centred target rows onto the source covariance."""
    eye = np.eye(len(C_source))
    _, t_inv_sqrt = _sqrt_and_inv_sqrt(C_target + eps * eye)
    s_sqrt, _ = _sqrt_and_inv_sqrt(C_source + eps * eye)
    return t_inv_sqrt @ s_sqrt


def _check_eps(eps) -> float:
    return check_real("eps", eps, 0.0)


class CoralAligner(TransformerMixin, BaseEstimator):
    """Learns the CORAL map of target features onto the source's moments.

    ``fit(X_target, X_source=...)`` (the source sample as a keyword: scikit-learn's ``fit(X)`` is the
    data to be transformed); ``transform(X)`` maps target-domain rows. Fitted: ``source_mean_``,
    ``target_mean_``, ``matrix_``.
    """

    def __init__(self, eps: float = 0.0):
        self.eps = eps

    def fit(self, X, y=None, *, X_source=None) -> CoralAligner:
        eps = _check_eps(self.eps)
        if X_source is None:
            raise ParameterError.invalid("X_source", None, "the source-domain samples (an array)")
        Xs, _ = check_target(X_source, n_features=None, supervised=False, what="source")
        Xt, _ = check_target(X, n_features=Xs.shape[1], supervised=False)
        if len(Xt) < 2 or len(Xs) < 2:
            raise DataError("CORAL needs at least 2 samples in each domain to estimate a covariance")
        self.source_mean_, self.target_mean_ = Xs.mean(axis=0), Xt.mean(axis=0)
        self.matrix_ = coral_matrix(np.cov(Xs, rowvar=False).reshape(Xs.shape[1], -1),
                                    np.cov(Xt, rowvar=False).reshape(Xt.shape[1], -1), eps)
        self.n_features_in_ = Xs.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "matrix_")
        X, _ = check_target(X, n_features=self.n_features_in_, supervised=False)
        return (X - self.target_mean_) @ self.matrix_ + self.source_mean_


class CoralAdapted(BaseEstimator):
    """A fitted source model applied to CORAL-aligned target data: unsupervised adaptation, no retraining.

    ``fit(X_target, X_source=...)`` learns the alignment from unlabelled target samples; ``predict``
    (and ``predict_proba`` / ``decision_function`` when the source has them) maps and delegates.
    """

    def __init__(self, source=None, *, eps: float = 0.0):
        self.source = source
        self.eps = eps

    def fit(self, X, y=None, *, X_source=None) -> CoralAdapted:
        if self.source is None or not hasattr(self.source, "predict"):
            raise ParameterError.invalid("source", self.source, "a fitted estimator with predict")
        self.aligner_ = CoralAligner(self.eps).fit(X, X_source=X_source)
        return self

    def _map(self, X) -> np.ndarray:
        check_is_fitted(self, "aligner_")
        return self.aligner_.transform(X).astype(np.float32)

    def predict(self, X):
        return self.source.predict(self._map(X))

    def predict_proba(self, X):
        return self.source.predict_proba(self._map(X))

    def decision_function(self, X):
        return self.source.decision_function(self._map(X))
