"""Importances against a known answer: the ideal gas law in log form, with a decoy input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from physml.explain import permutation_importances, shap_importances, standardized_coefficients

NAMES = ["log_T", "log_V", "decoy"]


def gas(n=400, seed=0):
    """log p = log R + log T - log V (one mole); log V spans twice the range of log T; the decoy has no effect."""
    rng = np.random.default_rng(seed)
    log_T = rng.uniform(np.log(200), np.log(400), n)  # range 0.69
    log_V = rng.uniform(np.log(0.01), np.log(0.04), n)  # range 1.39
    decoy = rng.uniform(0, 1, n)
    X = np.column_stack([log_T, log_V, decoy])
    return X, np.log(8.314462618) + log_T - log_V


def test_standardized_coefficients_match_the_law():
    X, y = gas()
    bare = standardized_coefficients(LinearRegression().fit(X, y), X, NAMES)
    piped = standardized_coefficients(make_pipeline(StandardScaler(), LinearRegression()).fit(X, y), X, NAMES)
    expected = X.std(axis=0) * np.array([1.0, 1.0, 0.0])  # |d log p / d x| times the feature's spread
    np.testing.assert_allclose(bare.values, expected, atol=1e-9)
    np.testing.assert_allclose(piped.values, expected, atol=1e-9)
    assert bare.ranking() == ["log_V", "log_T", "decoy"]
    assert standardized_coefficients(make_pipeline(PolynomialFeatures(2), Ridge()).fit(X, y), X, NAMES) is None


@pytest.mark.parametrize("model", [LinearRegression(), HistGradientBoostingRegressor(random_state=0)])
def test_permutation_and_shap_rank_the_decoy_last(model):
    X, y = gas()
    model.fit(X[:300], y[:300])
    perm = permutation_importances(model, X[300:], y[300:], NAMES, task="regression", seed=0)
    shap_imp, values, rows = shap_importances(model, X[300:], NAMES, task="regression", seed=0)
    for imp in (perm, shap_imp):
        assert imp.ranking() == ["log_V", "log_T", "decoy"], (imp.method, imp.as_dict())
        assert abs(imp.values[2]) < 0.02 * abs(imp.values[1])
    assert values.shape == rows.shape == (100, 3)
    if isinstance(model, LinearRegression):  # exact for a linear model: phi_j = w_j (x_j - E[x_j])
        assert np.corrcoef(values[:, 1], rows[:, 1])[0, 1] == pytest.approx(-1.0, abs=1e-6)


def test_shap_is_reproducible_with_a_seed():
    X, y = gas()
    model = LinearRegression().fit(X, y)
    a = shap_importances(model, X, NAMES, task="regression", seed=3)[1]
    b = shap_importances(model, X, NAMES, task="regression", seed=3)[1]
    assert np.array_equal(a, b)
