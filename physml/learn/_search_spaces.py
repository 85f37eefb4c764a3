"""The hyper-parameter search space of each zoo model, as Optuna draws it in :func:`physml.learn.tune`.

Inputs are standardised and, for ridge/lasso/poly_ridge/svm regression, so is the
target (see ``physml.models._zoo_builders``), so these ranges are dimensionless
and fit any physical data. "log" means log-uniform.

===========  ============================================================================================
name         searched (regression | classification); everything else keeps the zoo's default
===========  ============================================================================================
linear       nothing: one cross-validation, no search
ridge        alpha in [1e-4, 1e3] log | C in [1e-3, 1e3] log
lasso        alpha in [1e-5, 1] log | C in [1e-3, 1e3] log
poly_ridge   degree in {1..5}; alpha in [1e-6, 1e2] log | C in [1e-3, 1e3] log
tree         max_depth in {2..20}; min_samples_leaf in {1..50} log
forest       n_estimators in {100, 200, 300, 400}; max_depth in {4..32} log; min_samples_leaf in {1..20}
             log; max_features in [0.2, 1]
gbt          learning_rate in [0.01, 0.3] log; max_leaf_nodes in {8..128} log; min_samples_leaf in
             {5..100} log; l2_regularization in [1e-8, 10] log
svm          RBF kernel; C in [1e-2, 1e3] log; gamma in [1e-3, 10] log; (regression) epsilon in
             [1e-3, 0.5] log
gp           kernel in {rbf, matern32, matern52, rational_quadratic}: the kernel's own length scales,
             amplitude and noise are fitted by maximising the marginal likelihood, so only the family
             is searched
mlp          n_layers in {1, 2, 3} of width in {16, 32, 64, 128} (hidden = (width,) * n_layers);
             activation in {tanh, silu}; lr in [1e-4, 3e-2] log; weight_decay in [1e-8, 1e-2] log;
             batch_size in {32, 64, 128}
===========  ============================================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # optuna is imported by tune() only: importing physml.learn stays fast
    import optuna

__all__ = ["SEARCH_SPACES"]


def _penalty(trial: optuna.Trial, task: str, alpha: tuple[float, float]) -> dict:
    if task == "regression":
        return {"alpha": trial.suggest_float("alpha", *alpha, log=True)}
    return {"C": trial.suggest_float("C", 1e-3, 1e3, log=True)}


def linear(trial, task):
    return {}


def ridge(trial, task):
    return _penalty(trial, task, (1e-4, 1e3))


def lasso(trial, task):
    return _penalty(trial, task, (1e-5, 1.0))


def poly_ridge(trial, task):
    return {"degree": trial.suggest_int("degree", 1, 5), **_penalty(trial, task, (1e-6, 1e2))}


def tree(trial, task):
    return {"max_depth": trial.suggest_int("max_depth", 2, 20),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True)}


def forest(trial, task):
    return {"n_estimators": trial.suggest_int("n_estimators", 100, 400, step=100),
            "max_depth": trial.suggest_int("max_depth", 4, 32, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 20, log=True),
            "max_features": trial.suggest_float("max_features", 0.2, 1.0)}


def gbt(trial, task):
    return {"learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
            "l2_regularization": trial.suggest_float("l2_regularization", 1e-8, 10.0, log=True)}


def svm(trial, task):
    params = {"kernel": "rbf", "C": trial.suggest_float("C", 1e-2, 1e3, log=True),
              "gamma": trial.suggest_float("gamma", 1e-3, 10.0, log=True)}
    if task == "regression":
        params["epsilon"] = trial.suggest_float("epsilon", 1e-3, 0.5, log=True)
    return params


def gp(trial, task):
    return {"kernel": trial.suggest_categorical("kernel", ["rbf", "matern32", "matern52", "rational_quadratic"])}


def mlp(trial, task):
    n_layers = trial.suggest_int("n_layers", 1, 3)
    width = trial.suggest_categorical("width", [16, 32, 64, 128])
    return {"hidden": (width,) * n_layers, "activation": trial.suggest_categorical("activation", ["tanh", "silu"]),
            "lr": trial.suggest_float("lr", 1e-4, 3e-2, log=True),
            "weight_decay": trial.suggest_float("weight_decay", 1e-8, 1e-2, log=True),
            "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128])}


SEARCH_SPACES: dict[str, Callable[[optuna.Trial, str], dict]] = {
    "linear": linear, "ridge": ridge, "lasso": lasso, "poly_ridge": poly_ridge, "tree": tree, "forest": forest,
    "gbt": gbt, "svm": svm, "gp": gp, "mlp": mlp}
