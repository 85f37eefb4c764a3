"""The inverse-problem studies run end to end and report what the issue asks for (small presets)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import single_threaded
from physml.studies import run_study

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def test_tomography_regularised_and_learned_beat_fbp():
    r = run_study("tomography", overrides=dict(size=64, n_iter=30, n_bisect=5, n_train_phantoms=24, n_test_phantoms=4,
                                               learned_steps=80), progress=False)
    assert r.metrics["psnr_regularized"] - r.metrics["psnr_fbp"] >= 3.0  # the must-show (30 angles, 1 %), 64 px
    assert r.metrics["ssim_regularized"] > r.metrics["ssim_fbp"]
    # the discrepancy rule was met: bisection on log(weight) ends within ~10 % of the noise level
    assert abs(r.metrics["residual_over_noise_level"] - 1) < 0.1
    # even 80 steps of training on 24 random phantoms remove some streaks: better than the FBP it starts from,
    # on the Shepp-Logan phantom it never saw and on held-out random phantoms
    assert r.metrics["psnr_learned"] > r.metrics["psnr_fbp"]
    assert r.metrics["psnr_learned_heldout_phantoms"] > r.metrics["psnr_fbp_heldout_phantoms"]
    assert {f.name for f in r.figures} == {"reconstructions"}


def test_bayes_conductivity_small_run_reports_coverage_of_every_method():
    r = run_study("bayes-conductivity", overrides={"n_problems": 4, "n_steps": 1500}, progress=False)
    for m in ("linearised", "iterated", "mcmc"):
        assert 0.0 <= r.metrics[f"coverage_90_{m}"] <= 1.0
    # same posterior by Gauss-Newton/Laplace and by MCMC: the 90 % widths agree to ~10 % (MCMC's ESS >= 400
    # gives a ~4 % quantile error; the model is nearly linear over the posterior's width of ~3 % in k)
    assert math.isclose(r.metrics["mean_width_90_ln_k_iterated"], r.metrics["mean_width_90_ln_k_mcmc"], rel_tol=0.1)
    assert r.metrics["mcmc_unconverged_problems"] <= 1


@pytest.mark.slow
def test_inverse_scattering_tiny_run_reports_every_method():
    r = run_study("inverse-scattering", overrides=dict(n_train=800, n_test=200, nn_members=2, nn_epochs=40, n_npe=500,
                                                        n_mcmc_problems=1, mcmc_steps=2000), progress=False)
    for key in ("r2_min_nn", "coverage_90_nn", "coverage_90_npe", "seconds_per_inversion_mcmc",
                "seconds_per_inversion_nn", "mcmc_over_nn_cost"):
        assert np.isfinite(r.metrics[key]), key
    assert r.metrics["r2_min_nn"] > 0.5  # 800 simulations, 40 epochs: far from the 0.95 of the full study
    assert r.metrics["mcmc_over_nn_cost"] > 1  # one MCMC run costs more than one network evaluation


@pytest.mark.slow
def test_inverse_calibration_tiny_run_checks_mcmc_and_npe_against_the_exact_posterior():
    r = run_study("inverse-calibration", overrides=dict(dim=2, n_npe=500, n_c2st_observations=1, n_c2st_samples=300,
                                                         n_problems=40, n_mcmc_problems=2, mcmc_steps=4000,
                                                         ensemble_members=2, ensemble_epochs=40),
                  progress=False)
    assert r.metrics["closed_form_sequential_vs_batch_max_abs_diff"] <= 1e-10
    assert r.metrics["mcmc_max_std_rel_error"] < 0.1  # 2-d, ESS >= 400: std error ~ 1/sqrt(2 ESS) < 4 %
    assert r.metrics["c2st_mcmc"] < 0.6  # 600 points: C2ST's std ~ 0.02 around 0.5
    assert abs(r.metrics["coverage_90_exact"] - 0.9) < 0.15  # 40 problems x 2 parameters, binomial
    # every Bayesian method reports its coverage; the ensemble (500 simulations) is loose, not absent
    for m in ("npe", "mcmc", "ensemble"):
        assert 0.0 <= r.metrics[f"coverage_90_{m}"] <= 1.0, m
    assert r.metrics["mcmc_refused_problems"] == 0  # 2-d, 4000 steps: every run passes R-hat/tau/ESS
