"""physml.learn: exact metrics, seeded cross-validation and learning curves, Optuna search on physical laws."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_score

from physml.errors import ParameterError, UnknownNameError
from physml.learn import (
    SEARCH_SPACES,
    classification_metrics,
    cross_validate,
    learning_curve,
    make_splitter,
    regression_metrics,
    tune,
)
from physml.models import make_model, model_names

G = 9.81  # m/s^2


from conftest import single_threaded  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def free_fall(n, seed, noise=0.05, sort=False):
    """Drop distance d = g t^2 / 2 [m] at times t in [0, 2] s, measured with `noise` m of Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.0, 2.0, n)
    if sort:  # as a logger writes them: in time order
        t = np.sort(t)
    return t[:, None], 0.5 * G * t**2 + noise * rng.standard_normal(n)


def projectile(n, seed, wall=20.0, noise=0.03):
    """Launch speed [m/s] and angle [rad], measured with 3% noise; label: lands beyond the wall (v0² sin 2a/g > d)."""
    rng = np.random.default_rng(seed)
    v0, a = rng.uniform(5.0, 25.0, n), rng.uniform(0.05, 1.5, n)
    X = np.column_stack([v0 * (1 + noise * rng.standard_normal(n)), a + noise * rng.standard_normal(n)])
    return X, (v0**2 * np.sin(2 * a) / G > wall).astype(int)


# ---------------------------------------------------------------- metrics, exact values
def test_regression_metrics_exact():
    m = regression_metrics([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 6.0])
    assert m == {"mse": 1.0, "rmse": 1.0, "mae": 0.5, "r2": pytest.approx(0.2), "max_error": 2.0}
    two = regression_metrics([[0.0, 1.0], [2.0, 3.0]], [[0.0, 1.0], [2.0, 7.0]])
    assert two["mse"] == 4.0 and two["max_error"] == 4.0  # uniform mean over targets of (0, 8); largest error
    assert np.isnan(regression_metrics([1.0], [1.5])["r2"])


def test_regression_metrics_refuse_mismatched_or_non_finite_input():
    with pytest.raises(ParameterError, match="'y_pred' must be as many samples as y \\(3\\); got '2 samples'"):
        regression_metrics([1, 2, 3], [1, 2])
    with pytest.raises(ParameterError, match="parameter 'y_pred' must be the shape of y"):
        regression_metrics([[1, 2], [3, 4]], [1, 2])
    with pytest.raises(ParameterError, match="parameter 'y_pred' must be finite numbers; got 'an array with 1 NaN"):
        regression_metrics([1, 2], [1, np.nan])


def test_classification_metrics_exact():
    y, p = [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2]
    m = classification_metrics(y, p)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)  # mean recall
    assert m["f1_macro"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)  # per class P = R here, so F1 = R
    assert m["confusion_matrix"] == [[1, 1, 0], [1, 2, 0], [0, 0, 1]] and "roc_auc" not in m
    # binary AUC by hand: of the 4 (positive, negative) pairs, 3 are ranked right
    b = classification_metrics([0, 0, 1, 1], [0, 1, 0, 1], proba=[[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    assert b["roc_auc"] == pytest.approx(0.75)
    assert classification_metrics([0, 0, 1, 1], [0, 1, 0, 1], proba=[0.1, 0.4, 0.35, 0.8])["roc_auc"] == 0.75


def test_classification_metrics_multiclass_auc_and_labels():
    y = np.array(["a", "b", "c", "a", "b", "c"])
    proba = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .3, .6], [.5, .4, .1], [.4, .5, .1], [.3, .2, .5]])
    m = classification_metrics(y, np.array(["a", "b", "c", "a", "b", "c"]), proba=proba, labels=["a", "b", "c"])
    assert m["roc_auc"] == 1.0 and m["confusion_matrix"] == [[2, 0, 0], [0, 2, 0], [0, 0, 2]]
    # class 'c' absent from y: the one-vs-rest average runs over the classes that occur
    m = classification_metrics(y[[0, 1, 3, 4]], ["a", "b", "a", "b"], proba=proba[[0, 1, 3, 4]], labels=["a", "b", "c"])
    assert m["roc_auc"] == 1.0 and m["confusion_matrix"][2] == [0, 0, 0]
    with pytest.raises(ParameterError, match="parameter 'labels' must be a list containing every class"):
        classification_metrics([0, 1, 2], [0, 1, 2], labels=[0, 1])
    with pytest.raises(ParameterError, match="parameter 'proba' must be one column per label \\(3\\)"):
        classification_metrics([0, 1, 2], [0, 1, 2], proba=np.ones((3, 2)) / 2)
    assert np.isnan(classification_metrics([1, 1], [1, 0], proba=[0.9, 0.2], labels=[0, 1])["roc_auc"])


# ---------------------------------------------------------------- cross-validation
def test_cross_validate_recovers_the_noise_floor_of_free_fall():
    X, y = free_fall(300, seed=0)
    res = cross_validate(make_model("poly_ridge", "regression", degree=2), X, y, task="regression", cv=5, seed=0)
    r2_ceiling = 1 - 0.05**2 / np.var(y)  # R² of the exact law on noisy data
    assert res.scores.shape == (5,) and res.fit_seconds.shape == (5,) and res.scoring == "r2"
    assert res.mean == pytest.approx(r2_ceiling, abs=2e-4) and res.std < 1e-3
    again = cross_validate("poly_ridge", X, y, task="regression", cv=5, seed=0)  # zoo name, default degree 3
    assert again.mean == pytest.approx(res.mean, abs=1e-4)
    assert np.array_equal(cross_validate("tree", X, y, task="regression", seed=1).scores,
                          cross_validate("tree", X, y, task="regression", seed=1).scores)
    assert not np.array_equal(cross_validate("tree", X, y, task="regression", seed=1).scores,
                              cross_validate("tree", X, y, task="regression", seed=2).scores)


def test_shuffled_folds_on_time_ordered_data():
    """A logger writes samples in time order: unshuffled K-fold asks a tree to extrapolate to unseen times."""
    X, y = free_fall(300, seed=1, sort=True)
    unshuffled = cross_val_score(make_model("tree", "regression"), X, y, cv=KFold(5), scoring="r2").mean()
    ours = cross_validate("tree", X, y, task="regression", seed=0).mean
    assert unshuffled < 0.2 < 0.99 < ours


def test_group_k_fold_keeps_each_drop_experiment_on_one_side():
    X, y = free_fall(120, seed=2)
    drops = np.repeat(np.arange(12), 10)  # 12 drop experiments, 10 timings each
    splitter = make_splitter("regression", 4, groups=drops, seed=0)
    for train, test in splitter.split(X, y, drops):
        assert not set(drops[train]) & set(drops[test])
    res = cross_validate("poly_ridge", X, y, task="regression", cv=4, groups=drops)
    assert res.scores.shape == (4,) and res.mean > 0.99


def test_stratified_folds_for_classification():
    X, y = projectile(200, seed=0)
    for _, test in make_splitter("classification", 5, seed=0).split(X, y):
        assert abs(y[test].mean() - y.mean()) < 0.03
    res = cross_validate("svm", X, y, task="classification", cv=5, seed=0)
    assert res.scoring == "accuracy" and res.mean > 0.9


def test_cross_validation_arguments_are_checked():
    X, y = free_fall(20, seed=0)
    with pytest.raises(ParameterError, match="parameter 'cv' must be an integer >= 2; got 1"):
        cross_validate("tree", X, y, task="regression", cv=1)
    with pytest.raises(ParameterError, match="parameter 'task' must be 'regression' or 'classification'"):
        cross_validate("tree", X, y, task="clustering")


def test_learning_curve_of_a_tree_improves_with_data():
    X, y = free_fall(400, seed=3, sort=True)
    lc = learning_curve("tree", X, y, task="regression", train_sizes=[0.1, 0.3, 1.0], cv=4, seed=0)
    assert lc["train_sizes"].tolist() == [30, 90, 300] and lc["test_scores"].shape == (3, 4)
    assert np.all(np.diff(lc["test_mean"]) > 0)  # more drops, better interpolation of the law
    assert lc["test_mean"][0] > 0.9  # random subsets span all times even though the data are sorted
    assert np.allclose(lc["train_mean"], 1.0) and lc["scoring"] == "r2"


# ---------------------------------------------------------------- tuning
def test_every_zoo_model_has_a_documented_search_space():
    from physml.learn import _search_spaces

    assert sorted(SEARCH_SPACES) == sorted(model_names("regression"))
    for name in SEARCH_SPACES:
        assert f"\n{name} " in _search_spaces.__doc__


def test_tune_finds_the_quadratic_law_of_free_fall():
    X, y = free_fall(200, seed=4, noise=0.2)
    res = tune("poly_ridge", X, y, task="regression", n_trials=12, cv=5, seed=0)
    assert res.n_trials == 12 and set(res.best_params) == {"degree", "alpha"}
    assert res.best_params["degree"] >= 2  # a straight line cannot fit g t²/2
    assert res.best_score > 1 - 0.2**2 / np.var(y) - 2e-3
    linear = cross_validate(make_model("poly_ridge", "regression", degree=1), X, y, task="regression").mean
    assert res.best_score > linear + 0.02
    again = tune("poly_ridge", X, y, task="regression", n_trials=12, cv=5, seed=0)
    assert again.best_params == res.best_params and again.best_score == res.best_score
    model = res.make_estimator().fit(X, y)
    assert model.get_params()["regressor__poly__polynomialfeatures__degree"] == res.best_params["degree"]


def test_tune_classifier_and_fixed_parameters():
    X, y = projectile(200, seed=1)
    res = tune("mlp", X, y, task="classification", n_trials=2, cv=3, seed=0, fixed={"epochs": 5})
    assert res.n_trials == 2 and res.best_params["epochs"] == 5 and isinstance(res.best_params["hidden"], tuple)
    assert res.make_estimator().epochs == 5 and res.scoring == "accuracy"
    assert tune("linear", X, y, task="classification", n_trials=20).n_trials == 1  # nothing to search


def test_tune_on_sqlite_resumes_and_checks_its_study(tmp_path):
    X, y = free_fall(80, seed=5)
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    first = tune("ridge", X, y, task="regression", n_trials=3, cv=3, storage=url)
    assert (tmp_path / "tune.db").is_file() and first.study_name == "physml-ridge-regression"
    resumed = tune("ridge", X, y, task="regression", n_trials=5, cv=3, storage=url)
    assert resumed.n_trials == 5 and resumed.best_score >= first.best_score
    with pytest.raises(ParameterError, match="parameter 'study_name' must be a new name, or the arguments"):
        tune("ridge", X, y, task="regression", n_trials=5, cv=4, storage=url)
    with pytest.raises(ParameterError, match="parameter 'storage' must be a URL whose folder exists"):
        tune("ridge", X, y, task="regression", n_trials=1, storage=f"sqlite:///{tmp_path / 'no' / 'x.db'}")


def test_tune_is_quiet_unless_asked():
    import logging

    import optuna

    class Records(logging.Handler):
        messages: list[str] = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    X, y = free_fall(60, seed=6)
    before, handler = optuna.logging.get_verbosity(), Records()
    logging.getLogger("optuna").addHandler(handler)
    try:
        tune("tree", X, y, task="regression", n_trials=2, cv=3)
        assert not any("Trial 0 finished" in m for m in handler.messages)
        tune("tree", X, y, task="regression", n_trials=2, cv=3, verbose=True, study_name="loud")
        assert any("Trial 0 finished" in m for m in handler.messages)
    finally:
        logging.getLogger("optuna").removeHandler(handler)
    assert optuna.logging.get_verbosity() == before


def test_tune_arguments_are_checked():
    X, y = free_fall(30, seed=7)
    with pytest.raises(UnknownNameError, match="unknown model 'knn'"):
        tune("knn", X, y, task="regression", n_trials=2)
    with pytest.raises(ParameterError, match="parameter 'n_trials' must be an integer >= 1; got 0"):
        tune("tree", X, y, task="regression", n_trials=0)
    with pytest.raises(ParameterError, match="parameter 'fixed' must be hyper-parameters of 'tree'"):
        tune("tree", X, y, task="regression", n_trials=1, fixed={"alpha": 1.0})
    with pytest.raises(ParameterError, match="parameter 'storage' must be None \\(in memory\\) or a database URL"):
        tune("tree", X, y, task="regression", n_trials=1, storage="tune.db")
