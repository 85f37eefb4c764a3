"""The model zoo: every name builds, learns a physical law, is seeded, and fails loudly on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ellipk
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from physml.errors import ParameterError, UnknownNameError
from physml.learn import classification_metrics, regression_metrics
from physml.models import TorchClassifier, TorchRegressor, make_model, model_names, model_params, predict_with_std

G = 9.81  # m/s^2
NAMES = ["linear", "ridge", "lasso", "poly_ridge", "tree", "forest", "gbt", "svm", "gp", "mlp"]


from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def pendulum(n, seed, rel_noise=0.005):
    """Period T [s] of a pendulum of length L [m] released at amplitude theta0 [rad] (exact, elliptic K),
    timed with a relative error of ``rel_noise``."""
    rng = np.random.default_rng(seed)
    L, theta0 = rng.uniform(0.2, 2.0, n), rng.uniform(0.1, 2.0, n)
    T = 4.0 * np.sqrt(L / G) * ellipk(np.sin(theta0 / 2) ** 2)
    return np.column_stack([L, theta0]), T * (1 + rel_noise * rng.standard_normal(n)), T


def projectile(n, seed, wall=20.0, noise=0.03):
    """Does a projectile launched at speed v0 [m/s] and angle a [rad] land beyond ``wall`` [m] (range
    v0^2 sin 2a / g)? The features are measured with 3% noise, so the classes overlap near the boundary."""
    rng = np.random.default_rng(seed)
    v0, a = rng.uniform(5.0, 25.0, n), rng.uniform(0.05, 1.5, n)
    lands_beyond = (v0**2 * np.sin(2 * a) / G > wall).astype(int)
    X = np.column_stack([v0 * (1 + noise * rng.standard_normal(n)), a + noise * rng.standard_normal(n)])
    return X, lands_beyond


def test_names_and_tasks():
    for task in ("regression", "classification"):
        assert model_names(task) == NAMES
    with pytest.raises(ParameterError, match="parameter 'task' must be 'regression' or 'classification'; got 'fit'"):
        model_names("fit")
    with pytest.raises(UnknownNameError, match="unknown model 'xgboost'; known: forest, gbt, gp, lasso"):
        make_model("xgboost", "regression")
    with pytest.raises(ParameterError, match="parameter 'alpha' of model 'ridge' \\(classification\\) is not one of C"):
        make_model("ridge", "classification", alpha=1.0)
    assert model_params("svm", "regression")["kernel"] == "rbf"
    assert model_params("mlp", "classification")["hidden"] == (64, 32)
    assert model_params("linear", "regression") == {}


def test_models_that_need_scaled_inputs_scale_them():
    for task in ("regression", "classification"):
        for name in ("ridge", "lasso", "svm", "gp"):
            model = make_model(name, task)
            inner = getattr(model, "regressor", model)  # regressors with a standardised target
            assert isinstance(inner, Pipeline) and type(inner.steps[0][1]).__name__ == "StandardScaler", name
    assert isinstance(make_model("mlp", "regression"), TorchRegressor)
    assert isinstance(make_model("mlp", "classification", hidden=(16,)), TorchClassifier)
    assert make_model("mlp", "classification").module.hidden == (64, 32)


def test_seed_reaches_every_random_state():
    for task in ("regression", "classification"):
        for name in NAMES:
            params = make_model(name, task, seed=123).get_params(deep=True)
            seeds = {k: v for k, v in params.items() if k.endswith("random_state") or k == "seed"}
            assert all(v == 123 for v in seeds.values()), (name, task, seeds)
            if not seeds:  # only models that draw no random numbers at all
                assert (name, task) == ("linear", "regression")


# Held-out R² on the pendulum period (0.5% timing noise): the models that cannot represent
# sqrt(L) K(sin²(θ0/2)) (linear in L, θ0) still explain most of it; the flexible ones reach the noise.
R2_MIN = {"linear": 0.95, "ridge": 0.95, "lasso": 0.95, "poly_ridge": 0.998, "tree": 0.97, "forest": 0.985,
          "gbt": 0.985, "svm": 0.995, "gp": 0.998, "mlp": 0.995}


@pytest.fixture(scope="module")
def pendulum_sets():
    return pendulum(300, seed=0), pendulum(500, seed=1)


@pytest.mark.parametrize("name", NAMES)
def test_every_regressor_learns_the_pendulum_period(name, pendulum_sets):
    (X, y, _), (Xt, _, Tt) = pendulum_sets
    model = make_model(name, "regression", seed=0).fit(X, y)
    r2 = regression_metrics(Tt, model.predict(Xt))["r2"]
    assert r2 >= R2_MIN[name]


# Held-out accuracy on the projectile (noisy launch measurements blur the boundary v0² sin 2a = g d).
ACC_MIN = {"linear": 0.8, "ridge": 0.8, "lasso": 0.8, "poly_ridge": 0.95, "tree": 0.92, "forest": 0.93, "gbt": 0.93,
           "svm": 0.94, "gp": 0.95, "mlp": 0.95}


@pytest.mark.parametrize("name", NAMES)
def test_every_classifier_learns_where_the_projectile_lands(name):
    X, y = projectile(400, seed=0)
    Xt, yt = projectile(1000, seed=1)
    model = make_model(name, "classification", seed=0).fit(X, y)
    m = classification_metrics(yt, model.predict(Xt), model.predict_proba(Xt), labels=model.classes_)
    assert m["accuracy"] >= ACC_MIN[name]
    assert m["roc_auc"] >= m["accuracy"] - 0.05


@pytest.mark.parametrize("name", ["forest", "mlp", "lasso"])
def test_same_seed_same_model_other_seed_other_model(name):
    X, y = projectile(200, seed=2)
    a, b, c = (make_model(name, "classification", seed=s).fit(X, y) for s in (0, 0, 1))
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    if name != "lasso":  # saga's shuffling changes the iterates, not the (convex) optimum
        assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_gp_predictive_std_is_calibrated():
    """The GP's std covers the true noise: ~68% of fresh noisy timings fall within one std, ~95% within two."""
    X, y, _ = pendulum(200, seed=3, rel_noise=0.01)
    model = make_model("gp", "regression").fit(X, y)
    Xt, yt, _ = pendulum(2000, seed=4, rel_noise=0.01)
    mean, std = predict_with_std(model, Xt)
    z = np.abs(yt - mean) / std
    assert 0.6 < np.mean(z < 1) < 0.76 and 0.92 < np.mean(z < 2) < 0.98
    assert predict_with_std(make_model("ridge", "regression").fit(X, y), Xt)[1] is None
    assert np.array_equal(predict_with_std(clone(model).fit(X, y), Xt)[0], model.predict(Xt))


def test_linear_models_are_unpenalised():
    assert make_model("linear", "classification")[-1].C == np.inf  # plain maximum likelihood
    X, y, _ = pendulum(100, seed=5)
    ols = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
    model = make_model("linear", "regression").fit(X, y)
    assert np.allclose(np.append(model.coef_, model.intercept_), ols, rtol=1e-10)
