"""The inverse-problem studies against exact answers, and the binomial coverage band their audits use.

Each study test runs the study through ``run_study`` at a size that fits ~30 s on one core, checks that its
audits exist by name and pass, and holds every learned model to a quality floor over a trivial baseline
(margins measured over seeds 0-2 at the test size; each is stated where it is asserted).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from conftest import single_threaded
from physml.physics.audit import coverage_band
from physml.studies import run_study

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def audit_checks(result, subject: str) -> dict[str, bool]:
    """``{check name: passed}`` of the audit on ``subject`` (the audit must exist)."""
    (audit,) = [a for a in result.audits if a.subject == subject]
    return {c.name: c.passed for c in audit.checks}


def assert_audit(result, subject: str, names: list[str], *, may_fail: tuple[str, ...] = ()) -> dict[str, bool]:
    checks = audit_checks(result, subject)
    assert set(names) <= set(checks), sorted(set(names) - set(checks))
    failed = [n for n in names if not checks[n] and n not in may_fail]
    assert failed == [], failed
    # and every check reached metrics.json through the runner
    for n in names:
        assert any(k.endswith(f"_{n}_passed") for k in result.metrics), n
    return checks


# ---------------------------------------------------------------------------- coverage_band


@pytest.mark.parametrize("n", [1, 4, 12, 40, 100, 200, 1000])
@pytest.mark.parametrize("level", [0.5, 0.9, 0.95])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.01 / 3])
def test_coverage_band_is_the_central_binomial_acceptance_interval(n, level, alpha):
    low, high = coverage_band(n, level, alpha=alpha)
    k_low, k_high = round(low * n), round(high * n)
    assert (k_low / n, k_high / n) == (low, high)  # counts over n, exactly
    assert 0 <= k_low <= k_high <= n
    # each tail outside the band holds at most alpha/2 (exact binomial sums) ...
    assert binom.cdf(k_low - 1, n, level) <= alpha / 2
    assert binom.sf(k_high, n, level) <= alpha / 2
    # ... and the band is the narrowest such: one more count off either end would exceed alpha/2
    if k_low < n:
        assert binom.cdf(k_low, n, level) > alpha / 2
    if k_high > 0:
        assert binom.sf(k_high - 1, n, level) > alpha / 2
    # so a perfectly calibrated method fails with probability <= alpha
    assert binom.cdf(k_low - 1, n, level) + binom.sf(k_high, n, level) <= alpha


def test_coverage_band_rejects_calibrated_counts_at_rate_at_most_alpha():
    rng = np.random.default_rng(0)
    for n in (12, 40, 200):
        low, high = coverage_band(n, 0.9)
        frac = rng.binomial(n, 0.9, size=200_000) / n  # Bernoulli(0.9) hits of n problems, 200k repetitions
        outside = np.mean((frac < low) | (frac > high))
        assert outside <= 0.01 + 3 * math.sqrt(0.01 * 0.99 / 200_000), (n, outside)
    # the fixed 85-95 % band it replaces rejects a calibrated method ~18 % of the time at n = 40
    k = np.arange(41)
    fixed = binom.pmf(k, 40, 0.9)[(k / 40 < 0.85) | (k / 40 > 0.95)].sum()
    assert 0.17 < fixed < 0.19


def test_coverage_band_fails_a_miscalibrated_method_at_large_n():
    for n in (500, 2000):
        low, high = coverage_band(n, 0.9)
        # intervals that cover 70 % instead of 90 %: probability of landing inside the band (exact)
        p_inside = binom.cdf(round(high * n), n, 0.7) - binom.cdf(round(low * n) - 1, n, 0.7)
        assert p_inside < 1e-12
        assert binom.sf(round(high * n), n, 0.7) + binom.cdf(round(low * n) - 1, n, 0.7) > 1 - 1e-12
    # over-wide intervals (99 % instead of 90 %) fail the upper edge
    low, high = coverage_band(1000, 0.9)
    assert binom.cdf(round(high * 1000), 1000, 0.99) < 1e-12


def test_coverage_band_validates():
    for bad in [dict(n=0, level=0.9), dict(n=10, level=1.0), dict(n=10, level=0.0), dict(n=2.5, level=0.9),
                dict(n=True, level=0.9)]:
        with pytest.raises(ValueError):
            coverage_band(**bad)
    with pytest.raises(ValueError):
        coverage_band(10, 0.9, alpha=0.0)


# ---------------------------------------------------------------------------- bayes-conductivity


def _exact_posterior_1d(problem, y, centre: float, scale: float, n: int = 4001):
    """The 1-d posterior of ln k by quadrature on a fine grid (+-10 std around ``centre``): mean, std, 90 % interval."""
    u = np.linspace(centre - 10 * scale, centre + 10 * scale, n)
    lp = problem.log_posterior(u[:, None], y)
    p = np.exp(lp - lp.max())
    cdf = np.cumsum(p) / p.sum()
    mean = float(np.sum(u * p) / p.sum())
    std = float(np.sqrt(np.sum((u - mean) ** 2 * p) / p.sum()))
    lo, hi = np.interp([0.05, 0.95], cdf, u)
    return mean, std, lo, hi


def test_bayes_conductivity_posteriors_against_the_exact_one_by_quadrature():
    from physml.studies import bayes_conductivity as bc

    problem, _ = bc._problem(bc.QUICK)
    theta, Y = problem.simulate(4, np.random.default_rng(7))
    for i in range(len(Y)):
        out, res = bc._posteriors(problem, Y[i], bc.QUICK, seed=i)
        it = out["iterated"]
        mean, std, lo, hi = _exact_posterior_1d(problem, Y[i], it.mean, it.std)
        # Gauss-Newton/Laplace: the model is nearly linear over the posterior's ~1 % width in k; measured
        # endpoint errors <= 0.015 std, asserted 0.05 std
        assert abs(it.interval[0][0] - lo) < 0.05 * std and abs(it.interval[1][0] - hi) < 0.05 * std
        assert abs(it.mean - mean) < 0.05 * std and abs(it.std / std - 1) < 0.05
        # MCMC: a 5 % quantile from ESS samples has std sqrt(0.05 * 0.95 / ESS) / phi(1.645) posterior stds
        assert out["mcmc"] is not None, res.reason
        tol = 4 * math.sqrt(0.05 * 0.95 / float(np.min(res.ess))) / 0.1031
        assert abs(out["mcmc"].interval[0][0] - lo) < tol * std and abs(out["mcmc"].interval[1][0] - hi) < tol * std
        assert abs(out["mcmc"].mean - mean) < 4 * std / math.sqrt(float(np.min(res.ess)))


def test_bayes_conductivity_study_coverage_in_the_binomial_band():
    r = run_study("bayes-conductivity", quick=True, seed=0, progress=False, device="cpu",
                  overrides={"n_problems": 12})
    names = [f"coverage_90_{m}_{side}" for m in ("linearised", "iterated", "mcmc") for side in ("low", "high")]
    # the linearised update is the study's counter-example (biased by up to ~0.2 posterior std by linearising at
    # the prior mean): its checks must exist, and may fail
    assert_audit(r, "conductivity posteriors", names + ["mcmc_unconverged_fraction"],
                 may_fail=("coverage_90_linearised_low", "coverage_90_linearised_high"))
    low, high = coverage_band(12 - int(r.metrics["mcmc_unconverged_problems"]), 0.9)
    assert low <= r.metrics["coverage_90_mcmc"] <= high
    # the same posterior by Gauss-Newton/Laplace and by MCMC: 90 % widths agree to ~10 % (MCMC's ESS >= 400 gives
    # a ~4 % quantile error, the Laplace one is < 1 %)
    assert math.isclose(r.metrics["mean_width_90_ln_k_iterated"], r.metrics["mean_width_90_ln_k_mcmc"], rel_tol=0.1)


# ---------------------------------------------------------------------------- tomography


def test_tomography_tv_and_learned_beat_fbp():
    r = run_study("tomography", quick=True, seed=0, progress=False, device="cpu",
                  overrides=dict(size=64, n_iter=30, n_bisect=5, n_train_phantoms=24, n_test_phantoms=4,
                                 learned_steps=200))
    m = r.metrics
    # TV beats FBP by >= 3 dB (the audit; seeds 0-2 at 64 px: 4.8 dB), SSIM by 0.1 (measured 0.19-0.20), and the
    # discrepancy rule ends within 10 % of the noise level
    assert_audit(r, "tv reconstruction", ["psnr_gain_db", "discrepancy_mismatch", "min_value"])
    assert m["psnr_regularized"] - m["psnr_fbp"] >= 3.0
    assert m["ssim_regularized"] - m["ssim_fbp"] >= 0.1
    # the learned reconstruction (200 steps on 24 random phantoms) cleans the FBP it starts from: >= 1.5 dB better on
    # the Shepp-Logan phantom it never saw and on held-out random phantoms (seeds 0-2: +2.1 to +4.8 dB and +2.0 to
    # +4.7 dB; with 80 steps the gain fell to +0.1 dB on seed 2, too few to learn the streaks reliably)
    assert m["psnr_learned"] - m["psnr_fbp"] >= 1.5
    assert m["psnr_learned_heldout_phantoms"] - m["psnr_fbp_heldout_phantoms"] >= 1.5
    assert {f.name for f in r.figures} == {"reconstructions"}


# ---------------------------------------------------------------------------- inverse-calibration


@pytest.mark.slow
def test_inverse_calibration_against_the_exact_posterior():
    r = run_study("inverse-calibration", quick=True, seed=0, progress=False, device="cpu",
                  overrides=dict(dim=2, n_npe=500, n_c2st_observations=1, n_c2st_samples=300, n_problems=40,
                                 n_mcmc_problems=2, mcmc_steps=4000, ensemble_members=2, ensemble_epochs=40))
    m = r.metrics
    coverage_checks = [f"coverage_90_{name}_{side}" for name in ("exact", "npe", "ensemble", "mcmc")
                       for side in ("low", "high")]
    # c2st_npe <= 0.60 is the full study's check at 10^4 simulations; at 500 it may fail (seed 0: 0.615), so NPE is
    # held below to a looser floor and to the coverage band
    assert_audit(r, "inverse methods", ["closed_form_sequential_vs_batch", "mcmc_mean_error", "mcmc_std_error",
                                        "c2st_mcmc", "c2st_npe"] + coverage_checks, may_fail=("c2st_npe",))
    assert m["closed_form_sequential_vs_batch_max_abs_diff"] <= 1e-10
    assert m["mcmc_refused_problems"] == 0  # 2-d, 4000 steps: every run passes R-hat/tau/ESS
    # the exact posterior's own intervals: 2 parameters x 40 problems in the band (Bonferroni over the 2)
    low, high = coverage_band(40, 0.9, alpha=0.005)
    assert low <= m["coverage_90_exact"] <= high
    # SBC of the exact posterior: ranks uniform (chi-square p-value; a false alarm below 1e-3 has probability 2e-3)
    assert m["sbc_min_pvalue_exact"] > 1e-3
    # NPE on 500 simulations: distinguishable from the exact posterior (seed 0: 0.615), but closer to it than the
    # prior is (the Bayes-optimal classifier tells prior from posterior with accuracy 0.73 on average, 0.65 at the
    # 10th percentile of observations); floor 0.68
    assert m["c2st_npe"] <= 0.68
    # the deep ensemble's mean against the exact posterior mean, in posterior stds: predicting the prior mean (0)
    # scores sqrt(E[(y/2)^2]) / sqrt(0.05) = 1 here; seed 0 gives 0.135, floor 0.5
    assert m["ensemble_rmse_mean_over_posterior_std"] <= 0.5


# ---------------------------------------------------------------------------- inverse-scattering


@pytest.mark.slow
def test_inverse_scattering_tiny_run_beats_the_prior_mean_and_is_calibrated():
    r = run_study("inverse-scattering", quick=True, seed=0, progress=False, device="cpu",
                  overrides=dict(n_train=800, n_test=200, nn_members=2, nn_epochs=40, n_npe=500, n_mcmc_problems=3,
                                 mcmc_steps=2000))
    m = r.metrics
    coverage_checks = [f"coverage_90_{key}_{side}" for key in ("nn", "npe", "mcmc") for side in ("low", "high")]
    names = ("layer_impedance_MRayl", "layer_thickness_m", "substrate_impedance_MRayl")
    r2_checks = [f"r2_nn_{n.lower()}" for n in names]
    # at 800 simulations the ensemble's intervals are too wide for one parameter (seed 0: 97 % of 200 problems
    # covered, above the band's 95.5 %): over-coverage is allowed here, under-coverage is not
    assert_audit(r, "scattering inversions", r2_checks + coverage_checks, may_fail=("coverage_90_nn_high",))
    # neural inversion and NPE against the prior mean (held-out R² 0): floor 0.9 (seed 0: nn >= 0.984, NPE >= 0.962)
    for name in names:
        assert m[f"r2_nn_{name}"] >= 0.9, name
        assert m[f"r2_npe_{name}"] >= 0.9, name
    assert m["mcmc_over_nn_cost"] > 1  # one MCMC run costs more than one network evaluation
