"""Regression and classification metrics as flat dicts of plain numbers (scikit-learn underneath)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import metrics as skm

from ..errors import ParameterError

__all__ = ["regression_metrics", "classification_metrics"]


def _finite(name: str, a: np.ndarray) -> np.ndarray:
    if a.size and not np.all(np.isfinite(a)):
        raise ParameterError.invalid(name, f"an array with {int(np.sum(~np.isfinite(a)))} NaN/inf values",
                                     "finite numbers")
    return a


def _same_length(y, other, name: str) -> None:
    if len(y) == 0:
        raise ParameterError.invalid("y", "an empty array", "at least one sample")
    if len(other) != len(y):
        raise ParameterError.invalid(name, f"{len(other)} samples", f"as many samples as y ({len(y)})")


def regression_metrics(y, y_pred) -> dict[str, float]:
    """``mse``, ``rmse``, ``mae``, ``r2`` and ``max_error`` (largest absolute error), in the target's units.

    For several targets (``(n, k)`` arrays) each score is the uniform average over
    targets, except ``max_error``, the largest over all of them. ``r2`` is NaN
    for fewer than two samples.
    """
    y = _finite("y", np.asarray(y, dtype=np.float64))
    y_pred = _finite("y_pred", np.asarray(y_pred, dtype=np.float64))
    _same_length(y, y_pred, "y_pred")
    if y_pred.shape != y.shape:
        raise ParameterError.invalid("y_pred", f"shape {y_pred.shape}", f"the shape of y {y.shape}")
    mse = float(skm.mean_squared_error(y, y_pred))
    return {"mse": mse, "rmse": float(np.sqrt(mse)), "mae": float(skm.mean_absolute_error(y, y_pred)),
            "r2": float(skm.r2_score(y, y_pred)) if len(y) >= 2 else float("nan"),
            "max_error": float(np.max(np.abs(y - y_pred)))}


def classification_metrics(y, y_pred, proba=None, labels=None) -> dict:
    """``accuracy``, ``balanced_accuracy``, ``f1_macro``, ``confusion_matrix`` and, given ``proba``, ``roc_auc``.

    ``labels``: the classes in order (default: the sorted classes seen in ``y``
    and ``y_pred``); the confusion matrix rows (true) and columns (predicted)
    follow it. ``proba``: class probabilities with one column per label (pass
    ``labels=model.classes_``), or for two classes the positive class's score
    as ``(n,)``. ``roc_auc`` is binary for two labels and the one-vs-rest macro
    average otherwise; NaN when ``y`` holds a single class.
    """
    y, y_pred = np.asarray(y), np.asarray(y_pred)
    _same_length(y, y_pred, "y_pred")
    labels = np.unique(np.concatenate([y, y_pred])) if labels is None else np.asarray(labels)
    unknown = np.setdiff1d(np.unique(np.concatenate([y, y_pred])), labels)
    if unknown.size:
        raise ParameterError.invalid("labels", labels.tolist(), f"a list containing every class in y and y_pred "
                                     f"(missing {unknown.tolist()})")
    out = {"accuracy": float(skm.accuracy_score(y, y_pred)),
           "balanced_accuracy": _balanced_accuracy(y, y_pred),
           "f1_macro": float(skm.f1_score(y, y_pred, labels=labels, average="macro", zero_division=0)),
           "confusion_matrix": skm.confusion_matrix(y, y_pred, labels=labels).astype(int).tolist()}
    if proba is not None:
        out["roc_auc"] = _roc_auc(y, _finite("proba", np.asarray(proba, dtype=np.float64)), labels)
    return out


def _balanced_accuracy(y, y_pred) -> float:
    """Mean recall over the classes present in ``y``; a class only predicted counts as errors, not as a class."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "y_pred contains classes not in y_true", UserWarning)
        return float(skm.balanced_accuracy_score(y, y_pred))


def _roc_auc(y, proba: np.ndarray, labels: np.ndarray) -> float:
    _same_length(y, proba, "proba")
    if proba.ndim == 2 and proba.shape[1] != len(labels):
        raise ParameterError.invalid("proba", f"{proba.shape[1]} columns",
                                     f"one column per label ({len(labels)}); pass labels=model.classes_")
    if len(np.unique(y)) < 2:
        return float("nan")
    if len(labels) == 2:
        score = proba[:, 1] if proba.ndim == 2 else proba
        return float(skm.roc_auc_score(y == labels[1], score))
    if proba.ndim != 2:
        raise ParameterError.invalid("proba", f"shape {proba.shape}", f"(n, {len(labels)}) for {len(labels)} classes")
    # one-vs-rest macro average over the classes present in y (scikit-learn's "ovr" when all are present;
    # an absent class has no AUC and would make scikit-learn's average NaN)
    return float(np.mean([skm.roc_auc_score(y == c, proba[:, i]) for i, c in enumerate(labels) if np.any(y == c)]))
