"""Figures of the supervised-learning workbench (matplotlib's object API: no pyplot state)."""

from __future__ import annotations

import numpy as np
from matplotlib.cm import ScalarMappable

from ..result import new_figure


def add_all(comp, result, *, prefix: str = "") -> None:
    _leaderboard(comp, result, prefix)
    if comp.task == "regression":
        _parity(comp, result, prefix)
    else:
        _confusion(comp, result, prefix)
    if comp.importances:
        _importances(comp, result, prefix)
    if comp.shap_values is not None:
        _shap_summary(comp, result, prefix)
    if comp.learning is not None:
        _learning_curve(comp, result, prefix)


def _learning_curve(comp, result, prefix) -> None:
    lc = comp.learning
    fig = new_figure(figsize=(6, 4))
    ax = fig.subplots()
    for key, label in (("train", "training folds"), ("test", "validation folds")):
        ax.errorbar(lc["train_sizes"], lc[f"{key}_mean"], lc[f"{key}_std"], fmt="o-", ms=4, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("training samples"), ax.set_ylabel(comp.score_name)
    ax.set_title(f"learning curve of {comp.best.name}")
    ax.legend(fontsize=8)
    result.add_figure(f"{prefix}learning_curve", fig, f"Learning curve of the best model ({comp.best.name}): "
                      "cross-validated score against the number of training samples; a validation curve still "
                      "rising means more data would help.")


def _leaderboard(comp, result, prefix) -> None:
    names = [s.name for s in comp.scores][::-1]
    fig = new_figure(figsize=(7, 0.45 * len(names) + 1.5))
    ax = fig.subplots()
    ax.barh(names, [s.cv_mean for s in comp.scores][::-1], xerr=[s.cv_std for s in comp.scores][::-1], color="tab:blue",
            alpha=0.8, label="cross-validation (mean ± std)")
    ax.plot([s.test["r2" if comp.task == "regression" else "accuracy"] for s in comp.scores][::-1], names, "k|",
            ms=14, label="held-out test")
    lo = min(min(s.cv_mean - s.cv_std for s in comp.scores), 0.0 if comp.task == "regression" else 0.5)
    ax.set_xlim(max(lo, -1.0), 1.0)
    ax.set_xlabel(comp.score_name)
    ax.legend(fontsize=8, loc="lower left")
    result.add_figure(f"{prefix}leaderboard", fig, f"Leaderboard: {comp.score_name} of every model, cross-validated "
                      "on the training set (bars) and on the held-out test set (ticks).")


def _parity(comp, result, prefix) -> None:
    from ..models import predict_with_std

    best = comp.best
    pred, std = predict_with_std(best.estimator, comp.X_test)
    fig = new_figure(figsize=(5.5, 5))
    ax = fig.subplots()
    if std is not None:
        ax.errorbar(comp.y_test, pred, yerr=std, fmt=".", ms=3, alpha=0.6, elinewidth=0.6, label="±1 predictive std")
    else:
        ax.plot(comp.y_test, pred, ".", ms=3, alpha=0.6)
    lims = [min(comp.y_test.min(), pred.min()), max(comp.y_test.max(), pred.max())]
    ax.plot(lims, lims, "k--", lw=1, label="y = x")
    ax.set_xlabel(f"true {comp.target}"), ax.set_ylabel(f"predicted {comp.target}")
    ax.set_title(f"{best.name}: test R² = {best.test['r2']:.4f}")
    ax.legend(fontsize=8)
    result.add_figure(f"{prefix}parity", fig, f"Parity plot of the best model ({best.name}) on held-out data.")


def _confusion(comp, result, prefix) -> None:
    best = comp.best
    cm = np.asarray(best.test["confusion_matrix"], float)
    classes = [str(c) for c in best.estimator.classes_]
    fig = new_figure(figsize=(1.1 * len(classes) + 2.5, 1.0 * len(classes) + 2))
    ax = fig.subplots()
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=30), ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted"), ax.set_ylabel("true")
    ax.set_title(f"{best.name}: test accuracy = {best.test['accuracy']:.4f}")
    result.add_figure(f"{prefix}confusion", fig, f"Confusion matrix of the best model ({best.name}) on held-out data.")


def _importances(comp, result, prefix) -> None:
    names = comp.feature_names
    fig = new_figure(figsize=(max(6, 0.9 * len(names) + 2), 4))
    ax = fig.subplots()
    width = 0.8 / len(comp.importances)
    for k, imp in enumerate(comp.importances):
        v = np.abs(imp.values)
        ax.bar(np.arange(len(names)) + k * width, v / max(v.max(), 1e-300), width, label=imp.method)
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=30, ha="right")
    ax.set_ylabel("importance (normalised to the largest)")
    ax.legend(fontsize=8)
    result.add_figure(f"{prefix}importance", fig, f"Feature importance of the best model ({comp.best.name}) by "
                      + ", ".join(imp.method for imp in comp.importances) + ".")


def _shap_summary(comp, result, prefix) -> None:
    values, rows, names = comp.shap_values, comp.shap_rows, comp.feature_names
    order = np.argsort(np.abs(values).mean(axis=0))
    fig = new_figure(figsize=(7, 0.45 * len(names) + 1.5))
    ax = fig.subplots()
    rng = np.random.default_rng(0)  # vertical jitter only, for legibility
    for pos, j in enumerate(order):
        col = rows[:, j]
        span = np.ptp(col) or 1.0
        ax.scatter(values[:, j], pos + rng.uniform(-0.25, 0.25, len(col)), c=(col - col.min()) / span, cmap="coolwarm",
                   s=6, vmin=0, vmax=1)
    ax.axvline(0, color="gray", lw=0.8)
    ax.set_yticks(range(len(names)), [names[j] for j in order])
    ax.set_xlabel("SHAP value (effect on the prediction)")
    sm = ScalarMappable(cmap="coolwarm")
    fig.colorbar(sm, ax=ax, label="feature value (low → high)")
    result.add_figure(f"{prefix}shap_summary", fig, "SHAP summary: each dot is one held-out sample; position is the "
                      "feature's effect on the prediction, colour the feature's value.")
