"""physml.inverse against exact posteriors; every bad input is a clear error or an explicit 'not converged'."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import single_threaded
from physml import inverse as inv
from physml.errors import DataError, ParameterError

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def _linear_problem(seed=0, n_obs=12, dim=4):
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n_obs, dim))
    prior = inv.Gaussian(rng.standard_normal(dim), np.diag(rng.uniform(0.5, 2.0, dim)))
    theta = prior.sample(1, rng)[0]
    sigma = rng.uniform(0.1, 0.5, n_obs)
    y = G @ theta + sigma * rng.standard_normal(n_obs)
    return prior, G, y, sigma


@pytest.mark.parametrize("block", [1, 3, 5])
def test_sequential_update_equals_batch_posterior(block):
    prior, G, y, sigma = _linear_problem()
    batch = inv.linear_gaussian_posterior(prior, G, y, sigma)
    seq = inv.sequential_update(prior, G, y, sigma, block=block)
    # both are exact algebra on O(1)-conditioned 4x4 matrices: agreement to rounding, far below 1e-10
    np.testing.assert_allclose(seq.mean, batch.mean, atol=1e-10, rtol=0)
    np.testing.assert_allclose(seq.cov, batch.cov, atol=1e-10, rtol=0)


def test_batch_posterior_is_the_conjugate_formula_in_one_dimension():
    prior = inv.Gaussian.independent([1.0], [2.0])
    post = inv.linear_gaussian_posterior(prior, [[1.0], [1.0]], [3.0, 5.0], 1.0)
    precision = 1 / 4 + 2  # prior precision + two unit-variance measurements
    assert post.cov[0, 0] == pytest.approx(1 / precision, rel=1e-14)
    assert post.mean[0] == pytest.approx((1.0 / 4 + 3.0 + 5.0) / precision, rel=1e-14)


def test_mcmc_matches_the_exact_gaussian_posterior():
    p = inv.gaussian_linear(3)
    _, Y = p.simulate(1, 5)
    exact = inv.gaussian_linear_exact(p, Y[0])
    post = inv.mcmc(p, Y[0], n_walkers=16, n_steps=5000, seed=1).posterior()
    # ESS >= 400 per parameter: the mean's Monte-Carlo error is <= std/20 (5 %, 3 sigma 15 %) and
    # the std's ~1/sqrt(2 ESS) <= 3.5 %; thresholds at ~3 Monte-Carlo sigmas
    assert np.all(np.abs(post.mean - exact.mean) / exact.std < 0.15)
    assert np.all(np.abs(post.std / exact.std - 1) < 0.1)


def test_unconverged_chain_is_not_reported_as_a_result():
    p = inv.gaussian_linear(3)
    _, Y = p.simulate(1, 5)
    result = inv.mcmc(p, Y[0], n_walkers=8, n_steps=40, seed=1)
    assert result.status == "not converged" and not result.converged
    assert "tau" in result.reason or "R-hat" in result.reason or "ESS" in result.reason
    with pytest.raises(inv.NotConvergedError, match="not converged"):
        result.posterior()
    with pytest.raises(inv.NotConvergedError):
        inv.infer(p, Y[0], method="mcmc", n_walkers=8, n_steps=40)


def test_split_rhat_flags_chains_that_disagree():
    rng = np.random.default_rng(0)
    good = rng.standard_normal((8, 1000, 1))
    bad = good + np.arange(8)[:, None, None]  # every chain stuck in its own place
    assert inv.split_rhat(good)[0] < 1.01
    assert inv.split_rhat(bad)[0] > 1.5


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_data_is_a_data_error(value):
    p = inv.gaussian_linear(3)
    y = np.array([0.1, value, 0.2])
    with pytest.raises(DataError, match="non-finite"):
        inv.mcmc(p, y)
    prior, G, yy, sigma = _linear_problem()
    yy[0] = value
    with pytest.raises(DataError, match="non-finite"):
        inv.linear_gaussian_posterior(prior, G, yy, sigma)


@pytest.mark.parametrize("width", [0.0, -1.0])
def test_prior_with_zero_or_negative_width_is_a_parameter_error(width):
    with pytest.raises(ParameterError, match="width"):
        inv.Prior.normal([0.0, 0.0], [1.0, width])
    with pytest.raises(ParameterError, match="width"):
        inv.Prior.uniform([0.0, 1.0], [1.0, 1.0 + width])
    with pytest.raises(ParameterError, match="std"):
        inv.Gaussian.independent([0.0], [width])


def test_fewer_measurements_than_the_model_needs_is_a_data_error():
    p = inv.gaussian_linear(3)
    with pytest.raises(DataError, match="needs 3"):
        inv.mcmc(p, np.zeros(2))
    prior, G, y, sigma = _linear_problem()
    with pytest.raises(DataError, match="needs 12"):
        inv.linear_gaussian_posterior(prior, G, y[:5], sigma)
    with pytest.raises(DataError, match="needs"):
        inv.tikhonov(G, y[:5], 0.1)


def test_tikhonov_weight_meets_the_discrepancy_principle_and_recovers_a_smooth_initial_profile():
    """Backward heat problem: the initial profile from a noisy later profile (severely ill-posed)."""
    from physml.sim import heat_rod as heat

    p = heat.HeatRodParams(n_nodes=40)
    steps = 20
    A = np.column_stack([heat._evolve(p, 40.0, e, p.nodes, np.array([steps]), p.dt)[0] for e in np.eye(40)])
    x_true = 10 * np.sin(np.pi * p.nodes / p.length_m) + 4 * np.sin(2 * np.pi * p.nodes / p.length_m)
    rng = np.random.default_rng(0)
    sigma = 0.05
    b = A @ x_true + sigma * rng.standard_normal(40)
    res = inv.tikhonov(A, b, sigma)
    assert res.rule == "discrepancy"
    assert res.residual_norm == pytest.approx(res.target_residual, rel=1e-6)  # the rule, solved
    naive = np.linalg.solve(A, b)
    err = np.linalg.norm(res.x - x_true) / np.linalg.norm(x_true)
    assert err < 0.1 < np.linalg.norm(naive - x_true) / np.linalg.norm(x_true)  # regularised beats the inverse


def test_coverage_and_sbc_of_the_exact_posterior_are_calibrated():
    p = inv.gaussian_linear(2)
    theta, Y = p.simulate(400, 3)
    rng = np.random.default_rng(4)
    lows, highs, samples = [], [], []
    for y in Y:
        post = inv.gaussian_linear_exact(p, y)
        lo, hi = post.interval(0.9)
        lows.append(lo), highs.append(hi), samples.append(post.sample(99, rng))
    cov = inv.coverage(np.array(lows), np.array(highs), theta)
    assert np.all(np.abs(cov - 0.9) < 0.05)  # binomial std sqrt(0.09/400) = 0.015: 3.3 sigma
    ranks = inv.sbc_ranks(np.array(samples), theta)
    assert np.all(inv.sbc_uniformity_pvalues(ranks, 99) > 1e-3)
    # and a posterior that is too narrow is caught
    cov_narrow = inv.coverage(np.array(lows) * 0.5 + np.array(highs) * 0.5 - 0.01, np.array(highs) * 0.5
                              + np.array(lows) * 0.5 + 0.01, theta)
    assert np.all(cov_narrow < 0.2)


def test_c2st_tells_identical_from_different_distributions():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((500, 2)), rng.standard_normal((500, 2))
    assert inv.c2st(a, b, classifier="hgb") < 0.56  # same law: 0.5 +- 0.016 (1000 points), 3.7 sigma
    assert inv.c2st(a, b + 1.5, classifier="hgb") > 0.7  # shifted by 1.5 sigma: Bayes accuracy Phi(0.75) = 0.77


def test_npe_is_amortised_calibrated_and_leaves_global_rng_alone():
    """NPE on a 2-d Gaussian-linear problem: posterior means near the exact ones, same seed same numbers.

    The conftest fixture fails this test if sbi's training or sampling changed torch's or numpy's global RNG.
    """
    p = inv.gaussian_linear(2)
    npe = inv.train_npe(p, 2000, seed=0, max_epochs=100)
    theta, Y = p.simulate(30, 9)
    draws = npe.sample_batched(Y, 300, seed=1)
    exact_means = np.array([inv.gaussian_linear_exact(p, y).mean for y in Y])
    exact_std = inv.gaussian_linear_exact(p, Y[0]).std  # the same for every y
    # a 2000-simulation flow is not exact: its means within 0.35 posterior std (sampling error alone 0.06)
    assert np.all(np.abs(draws.mean(axis=1) - exact_means) / exact_std < 0.35)
    assert np.all(np.abs(draws.std(axis=1).mean(axis=0) / exact_std - 1) < 0.25)
    a = npe.sample(Y[0], 50, seed=3).samples
    np.testing.assert_array_equal(a, npe.sample(Y[0], 50, seed=3).samples)
    with pytest.raises(DataError, match="non-finite"):
        npe.sample(np.array([np.nan, 0.0]), 10, seed=0)


def test_neural_inversion_ensemble_recovers_parameters_with_calibrated_intervals():
    p = inv.gaussian_linear(2)
    theta, Y = p.simulate(1500, 0)
    nn = inv.NeuralInversion(n_members=3, hidden=(32,), epochs=60, seed=0).fit(Y, theta)
    t_test, Y_test = p.simulate(300, 1)
    mean, std = nn.predict_std(Y_test)
    exact = np.array([inv.gaussian_linear_exact(p, y).mean for y in Y_test])
    # the exact posterior mean is linear in y: the ensemble learns it to a small fraction of the posterior std
    assert np.sqrt(np.mean((mean - exact) ** 2)) < 0.05
    lo, hi = nn.interval(Y_test, 0.9)
    assert np.all(np.abs(inv.coverage(lo, hi, t_test) - 0.9) < 0.06)  # binomial std 0.017 (300 problems)
    with pytest.raises(DataError, match="needs 2"):
        nn.predict(np.zeros((1, 1)))


def test_learned_reconstruction_rejects_bad_images_and_keeps_the_global_rng():
    rec = inv.LearnedReconstruction(steps=3, batch_size=2, patch=16, channels=4, seed=1)
    good = np.zeros((2, 16, 16))
    with pytest.raises(DataError, match="not fitted"):
        rec.predict(good)
    bad = good.copy()
    bad[0, 3, 3] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        rec.fit(bad, good)
    with pytest.raises(DataError, match="same shape"):
        rec.fit(good, good[:, :8])
    with pytest.raises(ParameterError, match="steps"):
        inv.LearnedReconstruction(steps=0).fit(good, good)
    out = rec.fit(good + 0.1, good).predict(good[0])  # the autouse fixture checks torch's global RNG is untouched
    assert out.shape == (16, 16) and np.all(np.isfinite(out))
    again = inv.LearnedReconstruction(steps=3, batch_size=2, patch=16, channels=4, seed=1).fit(good + 0.1, good)
    np.testing.assert_array_equal(again.predict(good[0]), out)  # same seed, same network


@pytest.mark.parametrize("kw, name", [({"channels": True}, "channels"), ({"patch": 0}, "patch"),
                                      ({"dilations": (1, True)}, "dilations"), ({"dilations": ()}, "dilations"),
                                      ({"lr": float("nan")}, "lr"), ({"seed": -1}, "seed")])
def test_learned_reconstruction_bad_parameters(kw, name):
    good = np.zeros((2, 16, 16))
    with pytest.raises(ParameterError, match=rf"^parameter '{name}' must be "):
        inv.LearnedReconstruction(**kw).fit(good, good)


@pytest.mark.parametrize("kw, name", [({"n_members": True}, "n_members"), ({"n_members": 0}, "n_members"),
                                      ({"calibration_fraction": 0.5}, "calibration_fraction"),
                                      ({"calibration_fraction": "0.1"}, "calibration_fraction")])
def test_neural_inversion_bad_parameters(kw, name):
    Y, theta = np.zeros((30, 2)), np.zeros((30, 1))
    with pytest.raises(ParameterError, match=rf"^parameter '{name}' must be "):
        inv.NeuralInversion(**kw).fit(Y, theta)


@pytest.mark.parametrize("name", ["physml.inverse", "physml.sim.scattering", "physml.sim.heat_rod",
                                  "physml.sim.tomography", "physml.cli.simulate"])
def test_all_is_consistent(name):
    from test_api import test_all_is_consistent as check

    check(name)
