"""Feature importance three ways: standardised coefficients, permutation, SHAP.

Each returns an :class:`Importance` (one number per feature, larger = more
important) so that the three can be compared and checked against the physics
(e.g. a decoy input with no effect must rank last in all three).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

__all__ = ["Importance", "standardized_coefficients", "permutation_importances", "shap_importances"]


@dataclass(frozen=True)
class Importance:
    """Importance per feature by one ``method``; ``std`` where the method has a spread."""

    method: str
    names: tuple[str, ...]
    values: np.ndarray
    std: np.ndarray | None = None

    def ranking(self) -> list[str]:
        """Feature names, most important first (by absolute value)."""
        return [self.names[i] for i in np.argsort(-np.abs(self.values), kind="stable")]

    def as_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.values)}


def _final_step(estimator):
    steps = getattr(estimator, "steps", None)
    return (steps[-1][1], [s for _, s in steps[:-1]]) if steps else (estimator, [])


def standardized_coefficients(estimator, X: np.ndarray, feature_names: list[str]) -> Importance | None:
    """|coefficient| per feature on standardised inputs, for a fitted linear model (else ``None``).

    A pipeline ``StandardScaler -> linear model`` already has standardised
    coefficients; a bare linear model's coefficients are multiplied by the
    feature's standard deviation. Models whose inputs are transformed otherwise
    (e.g. polynomial features) have no per-feature coefficient: ``None``.
    """
    from sklearn.preprocessing import StandardScaler

    final, before = _final_step(estimator)
    coef = getattr(final, "coef_", None)
    if coef is None or any(not isinstance(step, StandardScaler) for step in before):
        return None
    coef = np.atleast_2d(np.asarray(coef, float))
    if coef.shape[1] != len(feature_names):
        return None
    scale = np.ones(len(feature_names)) if before else np.asarray(X, float).std(axis=0)
    values = np.abs(coef * scale).mean(axis=0)  # mean over classes for multi-class models
    return Importance("standardized coefficient", tuple(feature_names), values)


def permutation_importances(estimator, X: np.ndarray, y: np.ndarray, feature_names: list[str], *, task: str,
                            seed: int, n_repeats: int = 10) -> Importance:
    """Drop in held-out score (R² or accuracy) when one feature's values are shuffled (scikit-learn)."""
    from sklearn.inspection import permutation_importance

    scoring = _scoring(task)
    r = permutation_importance(estimator, X, y, scoring=scoring, n_repeats=n_repeats, random_state=seed % 2**32)
    return Importance("permutation", tuple(feature_names), r.importances_mean, r.importances_std)


def shap_importances(estimator, X: np.ndarray, feature_names: list[str], *, task: str, seed: int,
                     n_background: int = 50, n_explain: int = 200,
                     n_permutations: int = 3) -> tuple[Importance, np.ndarray, np.ndarray]:
    """Mean |SHAP value| per feature (the ``shap`` package, model-agnostic permutation explainer).

    For classifiers the explained output is the probability of each class and
    |SHAP| is averaged over classes. Returns the importance, the SHAP values
    of the explained rows (``n x features``) and those rows.
    """
    import shap

    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    background = X[rng.choice(len(X), size=min(n_background, len(X)), replace=False)]
    rows = X[rng.choice(len(X), size=min(n_explain, len(X)), replace=False)]
    f = estimator.predict_proba if task == "classification" else estimator.predict
    # shap's explainers seed numpy's *global* RNG (np.random.seed); keep the caller's global state intact
    saved_state = np.random.get_state()
    try:
        explainer = shap.explainers.Permutation(f, shap.maskers.Independent(background, max_samples=len(background)),
                                                seed=int(rng.integers(2**31)))
        explanation = explainer(rows, max_evals=n_permutations * (2 * X.shape[1] + 1), silent=True)
    finally:
        np.random.set_state(saved_state)
    values = np.asarray(explanation.values, float)
    per_row = np.abs(values).mean(axis=2) if values.ndim == 3 else np.abs(values)
    signed = values.mean(axis=2) if values.ndim == 3 else values
    return Importance("SHAP", tuple(feature_names), per_row.mean(axis=0)), signed, rows


def _scoring(task: str) -> str:
    if task == "regression":
        return "r2"
    if task == "classification":
        return "accuracy"
    raise ParameterError.invalid("task", task, "'regression' or 'classification'")
