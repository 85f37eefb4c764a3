"""physml.transfer: frozen layers stay frozen, curves are reproducible, CORAL matches moments, bad input refused.

The domains are a physical pair with an exact answer: the period of a pendulum of length l and
amplitude theta0, T = 4 sqrt(l / g) K(sin^2(theta0 / 2)) (complete elliptic integral), on the Earth
(source, g = 9.81 m/s^2) and on the Moon (target, g = 1.62 m/s^2). The Moon's periods are the Earth's
times sqrt(9.81 / 1.62) = 2.46: a shift a fine-tuned output layer can absorb exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.special
import torch

from conftest import single_threaded  # noqa: E402
from physml.errors import DataError, ParameterError
from physml.models import MLPFactory, TorchRegressor
from physml.transfer import CoralAdapted, CoralAligner, DANNClassifier, FineTuner, GradientReversal, efficiency_curve

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)

G_EARTH, G_MOON = 9.81, 1.62


def period(length, theta0, g):
    """Exact period of the simple pendulum (s)."""
    return 4.0 * np.sqrt(length / g) * scipy.special.ellipk(np.sin(theta0 / 2.0) ** 2)


def pendulum(n, g, seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0.2, 2.0, n), rng.uniform(0.05, 2.5, n)])  # l in m, theta0 in rad
    return X, period(X[:, 0], X[:, 1], g)


def test_exact_period_has_the_small_amplitude_limit():
    # K(0) = pi / 2, so T -> 2 pi sqrt(l / g): the reference the tests rely on is right
    assert period(1.0, 1e-8, G_EARTH) == pytest.approx(2 * np.pi * np.sqrt(1.0 / G_EARTH), rel=1e-12)


@pytest.fixture(scope="module")
def source():
    X, y = pendulum(400, G_EARTH, seed=1)
    return TorchRegressor(MLPFactory((32, 32)), epochs=150, batch_size=64, lr=3e-3, seed=0).fit(X, y)


def _state(est):
    return {k: v.detach().clone() for k, v in est.module_.named_parameters()}


@pytest.mark.parametrize("mode, freeze", [("last_layer", None), ("linear_probe", None), ("full", ("1.",))])
def test_frozen_parameters_are_bit_identical_after_fine_tuning(source, mode, freeze):
    before = _state(source)
    X, y = pendulum(20, G_MOON, seed=2)
    ft = FineTuner(source, mode=mode, freeze=freeze, epochs=40, seed=0).fit(X, y)
    after = _state(ft.estimator_)
    assert ft.frozen_ and ft.trainable_
    for name in ft.frozen_:
        assert torch.equal(before[name], after[name]), name  # bit-identical, not merely close
    for name in ft.trainable_:
        assert not torch.equal(before[name], after[name]), name  # trained ones did move
    assert all(torch.equal(v, _state(source)[k]) for k, v in before.items())  # the source itself is untouched


def test_modes_freeze_what_they_say(source):
    X, y = pendulum(10, G_MOON, seed=2)
    head = ("5.weight", "5.bias")  # Flatten, Linear, Tanh, Linear, Tanh, Linear: the output layer is module 5
    assert FineTuner(source, mode="last_layer", epochs=2).fit(X, y).trainable_ == head
    assert FineTuner(source, mode="linear_probe", epochs=2).fit(X, y).trainable_ == head
    full = FineTuner(source, mode="full", epochs=2).fit(X, y)
    assert full.frozen_ == () and len(full.trainable_) == 6


def test_last_layer_fine_tuning_learns_the_moon_from_few_points(source):
    X, y = pendulum(20, G_MOON, seed=3)
    Xt, yt = pendulum(300, G_MOON, seed=4)
    ft = FineTuner(source, mode="last_layer", epochs=300, lr=1e-2, seed=0).fit(X, y)
    before = np.sqrt(np.mean((source.predict(Xt) - yt) ** 2))
    after = np.sqrt(np.mean((ft.predict(Xt) - yt) ** 2))
    # the unadapted Earth model is off by the factor 2.46 (error ~ 1.46 x the mean period ~ 3 s); the
    # Moon's periods are that factor times the Earth's, which a linear output layer represents exactly,
    # so what remains is the source network's own error (a few % of the period)
    assert before > 2.0
    assert after < 0.1 * before


def _curve(source, seed):
    Xp, yp = pendulum(60, G_MOON, seed=5)
    Xt, yt = pendulum(100, G_MOON, seed=6)

    def transfer(X, y, s):
        return FineTuner(source, mode="last_layer", epochs=30, lr=1e-2, seed=s).fit(X, y)

    def scratch(X, y, s):
        return TorchRegressor(MLPFactory((32, 32)), epochs=30, lr=3e-3, validation_fraction=0.0, seed=s).fit(X, y)

    return efficiency_curve(transfer, scratch, Xp, yp, Xt, yt, sizes=(5, 20), repeats=2, seed=seed)


def test_same_seed_gives_the_same_curve(source):
    a, b, c = _curve(source, 7), _curve(source, 7), _curve(source, 8)
    np.testing.assert_array_equal(a.transfer, b.transfer)
    np.testing.assert_array_equal(a.scratch, b.scratch)
    assert not np.array_equal(a.transfer, c.transfer)


def test_curve_bookkeeping():
    from physml.transfer import TransferCurve

    # scratch errors halve with each doubling of n; transfer is flat at 0.25: scratch matches it at n = 16
    curve = TransferCurve((4, 8, 16, 32), np.array([[0.25, 0.25, 0.25, 0.25]]), np.array([[1.0, 0.5, 0.25, 0.125]]))
    assert curve.samples_to_reach(0.25) == pytest.approx(16.0)
    assert curve.samples_saved(4) == pytest.approx(12.0)
    assert curve.negative_transfer == (32,)
    assert curve.crossover == 16


def test_coral_aligns_the_target_to_the_source_second_moments():
    # source: pendulums of 0.2-2 m swinging up to 2.5 rad; target: longer, smaller swings, with the amplitude
    # correlated with the length (a different covariance); features (l, theta0, T)
    Xs, ys = pendulum(500, G_EARTH, seed=10)
    rng = np.random.default_rng(11)
    lt = rng.uniform(1.0, 3.0, 400)
    tt = 0.3 * lt + rng.uniform(0.0, 0.5, 400)
    Xt = np.column_stack([lt, tt, period(lt, tt, G_MOON)])
    Xs = np.column_stack([Xs, ys])
    aligned = CoralAligner(eps=0.0).fit(Xt, X_source=Xs).transform(Xt)
    # exact algebra: cov(A^T x) = A^T C_t A = C_s^{1/2} C_t^{-1/2} C_t C_t^{-1/2} C_s^{1/2} = C_s; only rounding
    # (eigen-decompositions of 3x3 matrices with condition number ~1e3: ~1e-12 relative) separates them
    np.testing.assert_allclose(np.cov(aligned, rowvar=False), np.cov(Xs, rowvar=False), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(aligned.mean(axis=0), Xs.mean(axis=0), rtol=1e-12, atol=1e-12)
    assert not np.allclose(np.cov(Xt, rowvar=False), np.cov(Xs, rowvar=False), rtol=0.1)


def test_coral_with_eps_matches_regularised_moments():
    Xs, _ = pendulum(300, G_EARTH, seed=12)
    Xt, _ = pendulum(300, G_MOON, seed=13)
    Xt = Xt * [1.5, 0.5]
    eps = 0.1
    aligned = CoralAligner(eps=eps).fit(Xt, X_source=Xs).transform(Xt)
    eye = np.eye(2)
    # (C_t + eps)^{-1/2}-whitened, (C_s + eps)^{1/2}-coloured: cov(aligned) + eps A^T A = C_s + eps I exactly
    A = CoralAligner(eps=eps).fit(Xt, X_source=Xs).matrix_
    np.testing.assert_allclose(np.cov(aligned, rowvar=False) + eps * A.T @ A, np.cov(Xs, rowvar=False) + eps * eye,
                               rtol=1e-10, atol=1e-12)


def test_coral_adapted_delegates_to_the_source(source):
    Xs, _ = pendulum(400, G_EARTH, seed=1)
    adapted = CoralAdapted(source).fit(Xs, X_source=Xs)  # same domain: the map is the identity
    np.testing.assert_allclose(adapted.aligner_.matrix_, np.eye(2), atol=1e-10)
    np.testing.assert_allclose(adapted.predict(Xs[:10]), source.predict(Xs[:10]), rtol=1e-5)


def test_gradient_reversal_flips_and_scales_the_gradient():
    layer = GradientReversal()
    layer.lam = 0.7
    x = torch.linspace(-1, 1, 5, requires_grad=True)
    y = layer(x)
    assert torch.equal(y, x)
    (y**2).sum().backward()
    torch.testing.assert_close(x.grad, -0.7 * 2 * x.detach())


def test_dann_is_deterministic_and_learns_the_source_task():
    # source: is the Earth pendulum's period longer than 2 s?  target: the same pendulums' features, unlabelled
    Xs, ys = pendulum(300, G_EARTH, seed=14)
    Xt, _ = pendulum(300, G_EARTH, seed=15)
    Xt = Xt * [1.3, 0.8]
    kw = dict(hidden=(32,), epochs=40, seed=3)
    a = DANNClassifier(**kw).fit(Xs, ys > 2.0, X_target=Xt)
    b = DANNClassifier(**kw).fit(Xs, ys > 2.0, X_target=Xt)
    np.testing.assert_array_equal(a.predict_proba(Xt), b.predict_proba(Xt))
    assert a.score(Xs, ys > 2.0) > 0.9
    assert len(a.domain_loss_curve_) == 40 and all(np.isfinite(a.domain_loss_curve_))


def test_dann_without_target_needs_adaptation_zero():
    Xs, ys = pendulum(50, G_EARTH, seed=14)
    with pytest.raises(ParameterError, match="X_target"):
        DANNClassifier(epochs=1).fit(Xs, ys > 2.0)
    DANNClassifier(epochs=1, adaptation=0.0).fit(Xs, ys > 2.0)


# ---------------------------------------------------------------------------- bad input (library)
def test_target_with_other_features_is_refused(source):
    X, y = pendulum(20, G_MOON, seed=2)
    with pytest.raises(DataError, match="3 features"):
        FineTuner(source).fit(np.column_stack([X, y]), y)


def test_target_with_other_feature_names_is_refused():
    X, y = pendulum(100, G_EARTH, seed=1)
    src = TorchRegressor(MLPFactory((8,)), epochs=2).fit(pd.DataFrame(X, columns=["length_m", "theta0_rad"]), y)
    Xt = pd.DataFrame(X[:10], columns=["length_m", "theta0_deg"])
    with pytest.raises(DataError, match="theta0_deg"):
        FineTuner(src, epochs=1).fit(Xt, y[:10])


def test_target_with_other_units_is_refused(source):
    X, y = pendulum(20, G_MOON, seed=2)
    with pytest.raises(DataError, match="'deg'"):  # declared units
        FineTuner(source, source_units=("m", "rad")).fit(X, y, units=("m", "deg"))
    with pytest.raises(DataError, match="other units"):  # undeclared: lengths in cm lie ~200 sd from the source's
        FineTuner(source).fit(X * [100.0, 1.0], y)


def test_zero_target_samples_are_refused(source):
    with pytest.raises(DataError, match="no labelled target samples"):
        FineTuner(source).fit(np.zeros((0, 2)), np.zeros(0))


def test_nan_in_target_is_refused(source):
    X, y = pendulum(20, G_MOON, seed=2)
    X[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        FineTuner(source).fit(X, y)
    X[3, 1] = 1.0
    y[0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        FineTuner(source).fit(X, y)


@pytest.mark.parametrize("kw, name", [({"mode": "everything"}, "mode"), ({"epochs": 0}, "epochs"),
                                      ({"lr": -1.0}, "lr"), ({"freeze": "1."}, "freeze"), ({"epochs": True}, "epochs"),
                                      ({"lr": float("inf")}, "lr"), ({"alpha": 0.0}, "alpha"),
                                      ({"solver": "lbfgs"}, "solver"), ({"seed": 1.5}, "seed"),
                                      ({"validation_fraction": 1.0}, "validation_fraction")])
def test_bad_fine_tune_parameters(source, kw, name):
    X, y = pendulum(5, G_MOON, seed=2)
    with pytest.raises(ParameterError, match=rf"^parameter '{name}' must be "):
        FineTuner(source, **kw).fit(X, y)


@pytest.mark.parametrize("kw, name", [({"hidden": ()}, "hidden"), ({"hidden": (8, True)}, "hidden"),
                                      ({"domain_hidden": 0}, "domain_hidden"), ({"adaptation": -1.0}, "adaptation"),
                                      ({"batch_size": True}, "batch_size"), ({"lr": 0.0}, "lr"),
                                      ({"device": "tpu"}, "device"), ({"standardize": "no"}, "standardize")])
def test_bad_dann_parameters(kw, name):
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ParameterError, match=rf"^parameter '{name}' must be "):
        DANNClassifier(**kw).fit(X, X[:, 0] > 0, X_target=X)


def test_unfitted_source_is_refused():
    X, y = pendulum(5, G_MOON, seed=2)
    with pytest.raises(ParameterError, match="source"):
        FineTuner(None).fit(X, y)
