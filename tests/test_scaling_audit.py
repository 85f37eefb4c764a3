"""Transition location (crossing, finite-size scaling), audits and baselines."""

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.explain import alignment
from physml.learn import ThresholdClassifier
from physml.physics import Audit, crossing_point, finite_size_extrapolation, invariance_error


def test_crossing_recovers_a_logistic_step():
    T = np.linspace(1.5, 3.0, 31)
    p = 1 / (1 + np.exp((T - 2.3) / 0.07))
    c = crossing_point(T, p)
    assert c.value == pytest.approx(2.3, abs=1e-6) and c.width == pytest.approx(0.07, rel=1e-4)


def test_crossing_rejects_a_curve_that_never_crosses():
    with pytest.raises(ParameterError, match="crosses 1/2"):
        crossing_point(np.array([1.0, 2.0, 3.0]), np.array([0.9, 0.8, 0.7]))


def test_finite_size_extrapolation_recovers_intercept_and_error():
    L = np.array([16, 24, 32, 48], float)
    rng = np.random.default_rng(3)
    estimates = []
    for _ in range(400):
        t = 2.269 + 0.8 / L + rng.normal(0, 0.004, L.size)
        estimates.append(finite_size_extrapolation(L, t, np.full(L.size, 0.004)))
    tcs = np.array([f.tc for f in estimates])
    assert abs(tcs.mean() - 2.269) < 4 * tcs.std() / np.sqrt(len(tcs))
    # the reported standard error matches the scatter of the estimates (within 20 %)
    assert np.median([f.tc_stderr for f in estimates]) == pytest.approx(tcs.std(), rel=0.2)


def test_audit_verdicts_and_metrics():
    a = Audit("CNN (L=16)")
    a.check("small", 0.01, "<=", 0.02, "ok")
    a.check("large", 0.5, ">=", 0.9, "not ok")
    assert not a.passed and a["small"].passed and not a["large"].passed
    m = a.to_metrics()
    assert m["audit_cnn_l_16_small_passed"] == 1.0 and m["audit_cnn_l_16_passed"] == 0.0
    a2 = Audit("x")
    a2.check("nan", float("nan"), "<=", 1.0, "NaN never passes")
    assert not a2.passed
    with pytest.raises(ValueError):
        a2.check("x", 1.0, "<", 1.0, "bad comparison")


def test_invariance_error_detects_a_non_invariant_model():
    X = np.random.default_rng(0).choice([-1.0, 1.0], size=(50, 8, 8))
    even = lambda A: A.reshape(len(A), -1).mean(1) ** 2  # noqa: E731
    odd = lambda A: A.reshape(len(A), -1).mean(1)  # noqa: E731
    assert invariance_error(even, X, [lambda A: -A]) == 0.0
    assert invariance_error(odd, X, [lambda A: -A]) > 0.05


def test_threshold_classifier_finds_max_margin_cut():
    x = np.array([[0.1], [0.2], [0.3], [0.8], [0.9]])
    y = np.array([0, 0, 0, 1, 1])
    clf = ThresholdClassifier().fit(x, y)
    assert clf.threshold_ == pytest.approx(0.55) and clf.positive_above_
    assert np.array_equal(clf.predict(x), y)
    assert np.array_equal(ThresholdClassifier().fit(x, 1 - y).predict(x), 1 - y)


def test_alignment():
    ref = np.ones(16)
    assert alignment(np.ones((2, 4, 4)), ref) == pytest.approx([1.0, 1.0])
    assert alignment(-np.ones((1, 16)), ref) == pytest.approx([-1.0])
    assert alignment(np.zeros((1, 16)), ref) == pytest.approx([0.0])


def test_crossing_of_an_asymmetric_step_is_local():
    """Widths 0.03 below and 0.06 above the crossing at 2.3: the windowed fit stays within half the
    width difference and beats a global fit, whose saturated tails (tiny error bars) pull it away."""
    T = np.arange(1.0, 3.5001, 0.025)
    width = np.where(T < 2.3, 0.03, 0.06)
    p = 1 / (1 + np.exp((T - 2.3) / width))
    sigma = np.sqrt(p * (1 - p) / 200) + 1e-4
    local = crossing_point(T, p, sigma).value
    global_fit = crossing_point(T, p, sigma, window=(0.0, 1.0)).value
    assert abs(local - 2.3) <= 0.015
    assert abs(local - 2.3) < abs(global_fit - 2.3)
