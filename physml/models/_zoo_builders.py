"""One builder per zoo model and task; each keyword is a hyper-parameter :func:`make_model` accepts.

Conventions, chosen so that a hyper-parameter means the same on any physical
data whatever its units:

* models that are not invariant under rescaling an input (penalised linear
  models, kernels, networks) see standardised inputs (a ``StandardScaler`` in a
  ``Pipeline``; the torch estimators scale internally);
* regressors whose hyper-parameters are in target units (``alpha`` of
  ridge/lasso, ``epsilon`` of the SVR) fit a standardised target
  (``TransformedTargetRegressor``), so ``alpha`` and ``epsilon`` are
  dimensionless; the GP does the same with ``normalize_y``; trees need neither;
* classifiers return probabilities (the SVC is Platt-calibrated on 3 folds).
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.gaussian_process import GaussianProcessClassifier, GaussianProcessRegressor
from sklearn.gaussian_process import kernels as K
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from ..errors import ParameterError
from ._mlp import MLPFactory
from ._svr import SeededSVR
from ._torch_classifier import TorchClassifier
from ._torch_regressor import TorchRegressor

__all__ = ["REGRESSION", "CLASSIFICATION", "GP_KERNELS", "gp_kernel"]

GP_KERNELS = ("rbf", "matern32", "matern52", "rational_quadratic")


def gp_kernel(kernel, *, noise: bool) -> K.Kernel:
    """A named stationary kernel, amplitude x shape (+ white noise), on standardised inputs."""
    if isinstance(kernel, K.Kernel):
        return kernel
    shapes = {"rbf": lambda: K.RBF(1.0, (1e-2, 1e3)),
              "matern32": lambda: K.Matern(1.0, (1e-2, 1e3), nu=1.5),
              "matern52": lambda: K.Matern(1.0, (1e-2, 1e3), nu=2.5),
              "rational_quadratic": lambda: K.RationalQuadratic(1.0, 1.0, (1e-2, 1e3), (1e-3, 1e3))}
    if kernel not in shapes:
        raise ParameterError.invalid("kernel", kernel, f"one of {', '.join(GP_KERNELS)} or a sklearn Kernel")
    k = K.ConstantKernel(1.0, (1e-3, 1e3)) * shapes[kernel]()
    # noise in units of the standardised target; the floor keeps noise-free simulator data well conditioned
    return k + K.WhiteKernel(1e-2, (1e-9, 1e1)) if noise else k


def _std_target(model) -> TransformedTargetRegressor:
    return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


def _logistic(C: float, seed: int, *, l1: bool = False) -> LogisticRegression:
    if l1:
        return LogisticRegression(C=C, l1_ratio=1.0, solver="saga", max_iter=5000, random_state=seed)
    return LogisticRegression(C=C, max_iter=2000, random_state=seed)


def _poly(degree: int) -> Pipeline:
    # scale before the monomials (conditioning) and after them (an even penalty on every monomial)
    return make_pipeline(StandardScaler(), PolynomialFeatures(degree, include_bias=False), StandardScaler())


# ---------------------------------------------------------------- regression
def linear_r(*, seed, device):
    return LinearRegression()


def ridge_r(*, seed, device, alpha=1.0):
    return _std_target(make_pipeline(StandardScaler(), Ridge(alpha=alpha, random_state=seed)))


def lasso_r(*, seed, device, alpha=1e-3):
    return _std_target(make_pipeline(StandardScaler(), Lasso(alpha=alpha, max_iter=20000, random_state=seed)))


def poly_ridge_r(*, seed, device, degree=3, alpha=1e-3):
    return _std_target(Pipeline([("poly", _poly(degree)), ("ridge", Ridge(alpha=alpha, random_state=seed))]))


def tree_r(*, seed, device, max_depth=None, min_samples_leaf=1):
    return DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed)


def forest_r(*, seed, device, n_estimators=200, max_depth=None, min_samples_leaf=1, max_features=1.0, n_jobs=None):
    return RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                 max_features=max_features, n_jobs=n_jobs, random_state=seed)


def gbt_r(*, seed, device, learning_rate=0.1, max_iter=200, max_leaf_nodes=31, min_samples_leaf=20,
          l2_regularization=0.0):
    return HistGradientBoostingRegressor(learning_rate=learning_rate, max_iter=max_iter, max_leaf_nodes=max_leaf_nodes,
                                         min_samples_leaf=min_samples_leaf, l2_regularization=l2_regularization,
                                         random_state=seed)


def svm_r(*, seed, device, kernel="rbf", C=1.0, epsilon=0.01, gamma="scale", degree=3):
    return _std_target(make_pipeline(StandardScaler(), SeededSVR(kernel=kernel, C=C, epsilon=epsilon, gamma=gamma,
                                                                 degree=degree, random_state=seed)))


def gp_r(*, seed, device, kernel="rbf", n_restarts_optimizer=2):
    return make_pipeline(StandardScaler(), GaussianProcessRegressor(
        gp_kernel(kernel, noise=True), normalize_y=True, n_restarts_optimizer=n_restarts_optimizer,
        random_state=seed))


def mlp_r(*, seed, device, hidden=(64, 32), activation="tanh", epochs=200, batch_size=64, lr=1e-3,
          weight_decay=0.0, validation_fraction=0.15, patience=20, progress=False):
    return TorchRegressor(MLPFactory(hidden, activation), epochs=epochs, batch_size=batch_size, lr=lr,
                          weight_decay=weight_decay, validation_fraction=validation_fraction, patience=patience,
                          seed=seed, device=device, progress=progress)


# ---------------------------------------------------------------- classification
def linear_c(*, seed, device):
    return make_pipeline(StandardScaler(), _logistic(np.inf, seed))  # C = inf: unpenalised maximum likelihood


def ridge_c(*, seed, device, C=1.0):
    return make_pipeline(StandardScaler(), _logistic(C, seed))


def lasso_c(*, seed, device, C=1.0):
    return make_pipeline(StandardScaler(), _logistic(C, seed, l1=True))


def poly_ridge_c(*, seed, device, degree=3, C=1.0):
    return Pipeline([("poly", _poly(degree)), ("logistic", _logistic(C, seed))])


def tree_c(*, seed, device, max_depth=None, min_samples_leaf=1):
    return DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed)


def forest_c(*, seed, device, n_estimators=200, max_depth=None, min_samples_leaf=1, max_features="sqrt",
             n_jobs=None):
    return RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                  max_features=max_features, n_jobs=n_jobs, random_state=seed)


def gbt_c(*, seed, device, learning_rate=0.1, max_iter=200, max_leaf_nodes=31, min_samples_leaf=20,
          l2_regularization=0.0):
    return HistGradientBoostingClassifier(learning_rate=learning_rate, max_iter=max_iter,
                                          max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
                                          l2_regularization=l2_regularization, random_state=seed)


def svm_c(*, seed, device, kernel="rbf", C=1.0, gamma="scale", degree=3):
    svc = SVC(kernel=kernel, C=C, gamma=gamma, degree=degree, random_state=seed)
    return make_pipeline(StandardScaler(), CalibratedClassifierCV(svc, method="sigmoid", cv=3, ensemble=False))


def gp_c(*, seed, device, kernel="rbf", n_restarts_optimizer=0):
    return make_pipeline(StandardScaler(), GaussianProcessClassifier(
        gp_kernel(kernel, noise=False), n_restarts_optimizer=n_restarts_optimizer, random_state=seed))


def mlp_c(*, seed, device, hidden=(64, 32), activation="tanh", epochs=200, batch_size=64, lr=1e-3,
          weight_decay=0.0, validation_fraction=0.15, patience=20, progress=False):
    return TorchClassifier(MLPFactory(hidden, activation), epochs=epochs, batch_size=batch_size, lr=lr,
                           weight_decay=weight_decay, validation_fraction=validation_fraction, patience=patience,
                           seed=seed, device=device, progress=progress)


REGRESSION = {"linear": linear_r, "ridge": ridge_r, "lasso": lasso_r, "poly_ridge": poly_ridge_r, "tree": tree_r,
              "forest": forest_r, "gbt": gbt_r, "svm": svm_r, "gp": gp_r, "mlp": mlp_r}
CLASSIFICATION = {"linear": linear_c, "ridge": ridge_c, "lasso": lasso_c, "poly_ridge": poly_ridge_c,
                  "tree": tree_c, "forest": forest_c, "gbt": gbt_c, "svm": svm_c, "gp": gp_c, "mlp": mlp_c}
