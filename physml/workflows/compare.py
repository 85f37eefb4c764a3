"""Every model family on one table, compared fairly.

``compare`` splits off a held-out test set, cross-validates each named model
of the zoo on the training part (optionally after an Optuna search), refits
it, scores it on the test set and explains the best one three ways
(standardised coefficients, permutation importance, SHAP).
:func:`physml.workflows.tabular_report.add_to_result` turns the
:class:`Comparison` into a leaderboard, figures, metrics and the saved best
model of a run; ``physml train`` and the tabular studies are built on the two.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..explain import Importance, permutation_importances, shap_importances, standardized_coefficients
from ..learn import classification_metrics, cross_validate, learning_curve, regression_metrics, tune
from ..models import make_model, model_names
from ..tabular_io import TASKS

__all__ = ["ModelScore", "Comparison", "compare", "parse_models", "check_split_sizes"]


@dataclass
class ModelScore:
    name: str
    cv_mean: float
    cv_std: float
    cv_scores: np.ndarray
    test: dict[str, Any]
    fit_seconds: float
    params: dict[str, Any]
    estimator: Any


@dataclass
class Comparison:
    task: str
    target: str
    feature_names: list[str]
    scores: list[ModelScore]  # sorted, best first (by CV mean)
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray | None = None  # rows of the input that form the training / test sets
    test_index: np.ndarray | None = None
    importances: list[Importance] = field(default_factory=list)
    shap_values: np.ndarray | None = None
    shap_rows: np.ndarray | None = None
    learning: dict[str, Any] | None = None  # learning curve of the best model, when asked for

    def model(self, name: str) -> ModelScore:
        return next(s for s in self.scores if s.name == name)

    @property
    def best(self) -> ModelScore:
        return self.scores[0]

    @property
    def score_name(self) -> str:
        return "R²" if self.task == "regression" else "accuracy"


def parse_models(text: str | list[str] | tuple[str, ...], task: str) -> list[str]:
    """``"all"`` or a comma list of zoo names, validated for ``task``."""
    known = list(model_names(task))
    names = known if text in ("all", ["all"], ("all",)) else (
        [t.strip() for t in text.split(",") if t.strip()] if isinstance(text, str) else list(text))
    for name in names:
        if name not in known:
            from ..errors import UnknownNameError

            raise UnknownNameError(f"model for {task}", name, known)
    if not names:
        raise ParameterError.invalid("models", text, f"'all' or a comma list of {', '.join(known)}")
    return names


def compare(X: np.ndarray, y: np.ndarray, feature_names: list[str], *, task: str, target: str = "y",
            models: list[str] | str = "all", cv: int = 5, n_trials: int = 0, test_fraction: float = 0.2,
            seed: int = 0, device: str = "cpu", progress: bool = False, explain: bool = True,
            groups: np.ndarray | None = None, params: dict[str, dict[str, Any]] | None = None,
            learning_curve_sizes: tuple[float, ...] = (), tune_options: dict[str, Any] | None = None) -> Comparison:
    """Cross-validate, refit and test every model; explain the best.

    ``tune_options``: extra arguments of :func:`physml.learn.tune` (``backend``, ``batch``, ``address``).

    ``params`` fixes hyper-parameters per model name (e.g. ``{"mlp": {"epochs": 60}}``); with ``n_trials``
    an Optuna search runs first and its best values are used, ``params`` on top.
    ``learning_curve_sizes`` (fractions of the training folds) adds the best model's learning curve.
    """
    if task not in TASKS:
        raise ParameterError.invalid("task", task, "'regression' or 'classification'")
    if cv < 2:
        raise ParameterError.invalid("cv", cv, "an integer >= 2")
    if not 0 < test_fraction < 1:
        raise ParameterError.invalid("test_fraction", test_fraction, "in (0, 1)")
    if n_trials < 0:
        raise ParameterError.invalid("tune", n_trials, "an integer >= 0")
    names = parse_models(models, task)
    X = np.asarray(X, float)
    check_split_sizes(y, task=task, cv=cv, test_fraction=test_fraction)
    stratify = y if task == "classification" else None
    idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=test_fraction, random_state=seed % 2**32,
                                           stratify=stratify)
    Xtr, Xte, ytr, yte = X[idx_train], X[idx_test], y[idx_train], y[idx_test]
    gtr = None if groups is None else np.asarray(groups)[idx_train]
    scores = []
    for name in tqdm(names, disable=not progress, desc="models", unit="model"):
        chosen: dict[str, Any] = {}
        if n_trials:
            chosen = dict(tune(name, Xtr, ytr, task=task, n_trials=n_trials, cv=cv, seed=seed,
                               **(tune_options or {})).best_params)
        chosen.update((params or {}).get(name, {}))
        estimator = make_model(name, task, seed=seed, device=device, **chosen)
        cvr = cross_validate(estimator, Xtr, ytr, task=task, cv=cv, groups=gtr, seed=seed)
        t0 = time.perf_counter()
        fitted = clone(estimator).fit(Xtr, ytr)
        fit_seconds = time.perf_counter() - t0
        scores.append(ModelScore(name, float(cvr.mean), float(cvr.std), np.asarray(cvr.scores), _test_metrics(
            fitted, Xte, yte, task), fit_seconds, chosen, fitted))
    scores.sort(key=lambda s: -s.cv_mean)
    comp = Comparison(task, target, list(feature_names), scores, Xtr, ytr, Xte, yte, idx_train, idx_test)
    if explain:
        best = comp.best.estimator
        coef = standardized_coefficients(best, Xtr, comp.feature_names)
        comp.importances = [imp for imp in (coef,) if imp is not None]
        comp.importances.append(permutation_importances(best, Xte, yte, comp.feature_names, task=task, seed=seed))
        shap_imp, comp.shap_values, comp.shap_rows = shap_importances(best, Xte, comp.feature_names, task=task,
                                                                      seed=seed)
        comp.importances.append(shap_imp)
    if learning_curve_sizes:
        unfitted = make_model(comp.best.name, task, seed=seed, device=device, **comp.best.params)
        comp.learning = learning_curve(unfitted, Xtr, ytr, task=task, train_sizes=list(learning_curve_sizes), cv=cv,
                                       seed=seed, groups=gtr)
    return comp


def check_split_sizes(y: np.ndarray, *, task: str, cv: int, test_fraction: float) -> None:
    """Refuse, before any fitting, a table too small for the split asked for: the held-out test set needs a row
    (a row of every class for classification), the training part ``cv`` rows (at least 2), and every class at
    least two members (one to train on, one to test)."""
    import math

    from ..errors import DataError

    n = len(y)
    n_test = math.ceil(test_fraction * n)
    n_train = n - n_test
    if n_train < max(cv, 2) or n_test < 1:
        raise DataError(f"{n} rows are too few for a test fraction of {test_fraction:g} and {cv}-fold "
                        f"cross-validation: that leaves {n_train} training rows for {cv} folds and {n_test} test "
                        f"rows; use more rows, a smaller --test-fraction or a smaller --cv (>= 2)")
    if task == "classification":
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        rare = [f"{label!r} ({count})" for label, count in zip(labels.tolist(), counts) if count < 2]
        if rare:
            raise DataError(f"class{'es' if len(rare) > 1 else ''} {', '.join(rare[:5])} of the target "
                            f"ha{'ve' if len(rare) > 1 else 's'} a single member; every class needs at least 2 "
                            "(one to train on, one to test on): drop it or collect more rows")
        if n_test < len(labels) or n_train < len(labels):
            raise DataError(f"{len(labels)} classes do not fit a test set of {n_test} rows and a training set of "
                            f"{n_train}: each needs a row of every class; change --test-fraction")


def _test_metrics(model, X, y, task) -> dict[str, Any]:
    pred = model.predict(X)
    if task == "regression":
        return regression_metrics(y, pred)
    proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    return classification_metrics(y, pred, proba=proba, labels=getattr(model, "classes_", None))
