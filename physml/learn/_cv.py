"""Seeded cross-validation and learning curves (scikit-learn's, with physml's splitting conventions).

Splits are shuffled with ``seed`` (physical data often arrive sorted by a
control parameter: an unshuffled K-fold would test on an unseen range of it):
``KFold`` for regression, ``StratifiedKFold`` for classification, and
``GroupKFold`` when ``groups`` is given (e.g. one group per simulation run or
per lattice size, so that correlated samples never straddle a split). Scores
are R² for regression and accuracy for classification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import model_selection as ms

from ..errors import ParameterError
from ..models import TASKS, make_model
from ..validation import check_int

__all__ = ["CVResult", "cross_validate", "learning_curve", "make_splitter", "SCORING"]

SCORING = {"regression": "r2", "classification": "accuracy"}


@dataclass(frozen=True)
class CVResult:
    """Out-of-fold scores (one per fold), their mean and standard deviation, and the fit time of each fold."""

    scores: np.ndarray
    mean: float
    std: float
    fit_seconds: np.ndarray
    scoring: str


def _check(task: str, cv) -> None:
    if task not in TASKS:
        raise ParameterError.invalid("task", task, "'regression' or 'classification'")
    check_int("cv", cv, 2)  # folds


def make_splitter(task: str, cv: int = 5, *, groups=None, seed: int = 0):
    """The shuffled, seeded splitter physml uses for ``task`` (see the module docstring)."""
    _check(task, cv)
    if groups is not None:
        return ms.GroupKFold(n_splits=cv, shuffle=True, random_state=seed)
    if task == "classification":
        return ms.StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    return ms.KFold(n_splits=cv, shuffle=True, random_state=seed)


def _estimator(estimator, task: str, seed: int):
    return make_model(estimator, task, seed=seed) if isinstance(estimator, str) else estimator


def cross_validate(estimator, X, y, *, task: str, cv: int = 5, groups=None, seed: int = 0) -> CVResult:
    """K-fold scores of ``estimator`` (an estimator, or a zoo name made with ``seed``).

    ``std`` is the population standard deviation of the fold scores (as
    scikit-learn reports it), a measure of the spread, not of the mean's error.
    """
    splitter = make_splitter(task, cv, groups=groups, seed=seed)
    res = ms.cross_validate(_estimator(estimator, task, seed), X, y, groups=groups, cv=splitter,
                            scoring=SCORING[task], error_score="raise")
    scores = np.asarray(res["test_score"], dtype=np.float64)
    return CVResult(scores=scores, mean=float(scores.mean()), std=float(scores.std()),
                    fit_seconds=np.asarray(res["fit_time"], dtype=np.float64), scoring=SCORING[task])


def learning_curve(estimator, X, y, *, task: str, train_sizes, cv: int = 5, seed: int = 0,
                   groups=None) -> dict[str, object]:
    """Train and validation scores against the training-set size (``sklearn.model_selection.learning_curve``).

    ``train_sizes``: fractions in (0, 1] of each training fold, or absolute
    sample counts. The subsets are drawn at random (seeded), not the first rows.
    Returns ``train_sizes`` (absolute counts), ``train_scores`` and
    ``test_scores`` (``(n_sizes, cv)``), their means and standard deviations
    over folds, and ``scoring``.
    """
    splitter = make_splitter(task, cv, groups=groups, seed=seed)
    sizes, train, test = ms.learning_curve(_estimator(estimator, task, seed), X, y, groups=groups,
                                           train_sizes=np.asarray(train_sizes), cv=splitter,
                                           scoring=SCORING[task], shuffle=True, random_state=seed,
                                           error_score="raise")
    return {"train_sizes": np.asarray(sizes), "train_scores": train, "test_scores": test,
            "train_mean": train.mean(axis=1), "train_std": train.std(axis=1),
            "test_mean": test.mean(axis=1), "test_std": test.std(axis=1), "scoring": SCORING[task]}
