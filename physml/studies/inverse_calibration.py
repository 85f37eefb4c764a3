"""Study ``inverse-calibration``: are the posteriors right where the exact answer is known?

The problem is sbibm's ``gaussian_linear`` task (Lueckmann et al. 2021): 10 parameters,
``theta ~ N(0, 0.1 I)``, ``y | theta ~ N(theta, 0.1 I)``, whose posterior is Gaussian and
exact (``physml.inverse.gaussian_linear_exact``). Checks:

* the closed-form sequential (Kalman) update equals the batch posterior (to 1e-10) on a
  random linear-Gaussian problem;
* MCMC (emcee) matches the exact posterior mean and std (within 3 % of the posterior std)
  and is indistinguishable by C2ST (<= 0.55);
* NPE (``sbi``) trained on ``n_npe`` = 10^4 simulations reaches C2ST <= 0.60 (sbibm reports
  0.552 +- 0.032 for NPE on this task at 10^4, with 10^4 samples per side in the C2ST);
* 90 % credible intervals of every method contain the truth, for every parameter, in a number of
  the ``n_problems`` simulated problems inside the binomial band of
  ``physml.physics.audit.coverage_band`` (Bonferroni over the parameters: a calibrated method fails
  with probability <= 1 %): the exact (closed-form) posterior, MCMC, NPE and a deep ensemble
  (``physml.inverse.NeuralInversion``, trained on the same ``n_npe`` simulations as NPE,
  Gaussian intervals); SBC rank histograms. A method outside the band is reported as failing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..inverse import (
    Gaussian,
    NeuralInversion,
    c2st,
    coverage,
    gaussian_linear,
    gaussian_linear_exact,
    linear_gaussian_posterior,
    mcmc,
    sbc_ranks,
    sbc_uniformity_pvalues,
    sequential_update,
    train_npe,
)
from ..physics.audit import Audit, coverage_band
from ..result import StudyResult, new_figure
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

LEVEL = 0.9
"""Credible level whose coverage is checked."""
ALPHA = 0.01
"""Chance that a perfectly calibrated method fails its coverage check (split over the parameters)."""


@dataclass(frozen=True)
class Config:
    """Configuration of ``inverse-calibration``."""

    dim: int = 10
    """Parameters (and measurements) of the Gaussian-linear task; sbibm's is 10."""
    n_npe: int = 10000
    """Simulations NPE is trained on."""
    n_c2st_observations: int = 3
    """Observations on which MCMC and NPE are compared with the exact posterior by C2ST."""
    n_c2st_samples: int = 2000
    """Samples per side in each C2ST (sbibm: 10000; fewer widen C2ST's scatter around 0.5: std ~ 0.5/sqrt(2n))."""
    n_problems: int = 200
    """Simulated problems for coverage of the exact posterior and NPE."""
    n_mcmc_problems: int = 200
    """Of those, how many MCMC also inverts (one ~10-d run each: the expensive part)."""
    mcmc_steps: int = 8000
    ensemble_members: int = 5
    """Members of the deep ensemble (trained on the ``n_npe`` simulations)."""
    ensemble_epochs: int = 200

    def __post_init__(self) -> None:
        if self.dim < 1:
            raise ParameterError.invalid("dim", self.dim, "an integer >= 1")
        if not 1 <= self.n_mcmc_problems <= self.n_problems:
            raise ParameterError.invalid("n_mcmc_problems", self.n_mcmc_problems, "in [1, n_problems]")
        if self.n_c2st_samples < 100:
            raise ParameterError.invalid("n_c2st_samples", self.n_c2st_samples, ">= 100")
        if self.ensemble_members < 1 or self.ensemble_epochs < 1:
            raise ParameterError.invalid("ensemble_members/epochs", (self.ensemble_members, self.ensemble_epochs),
                                         "integers >= 1")


QUICK = Config(dim=10, n_npe=3000, n_c2st_observations=1, n_c2st_samples=1000, n_problems=100, n_mcmc_problems=10,
               mcmc_steps=8000, ensemble_members=2, ensemble_epochs=60)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    rng = ctx.rng()
    result = ctx.result(f"Calibration on the {config.dim}-d Gaussian-linear task (exact posterior known)")
    m_, a = result.add_metric, Audit("inverse methods")
    # 1. closed form: batch vs one-at-a-time (Kalman) updates on a random linear-Gaussian problem
    G = rng.standard_normal((3 * config.dim, config.dim))
    prior_g = Gaussian(rng.standard_normal(config.dim), np.diag(rng.uniform(0.5, 2.0, config.dim)))
    sig = rng.uniform(0.1, 0.5, 3 * config.dim)
    y_g = G @ prior_g.sample(1, rng)[0] + sig * rng.standard_normal(3 * config.dim)
    batch, seq = linear_gaussian_posterior(prior_g, G, y_g, sig), sequential_update(prior_g, G, y_g, sig)
    diff = max(np.abs(batch.mean - seq.mean).max(), np.abs(batch.cov - seq.cov).max())
    m_("closed_form_sequential_vs_batch_max_abs_diff", diff)
    a.check("closed_form_sequential_vs_batch", diff, "<=", 1e-10, "one-at-a-time Kalman updates = batch posterior")
    # 2. fit: NPE and the deep ensemble on simulations of the same size
    problem = gaussian_linear(config.dim)
    t = time.perf_counter()
    npe = train_npe(problem, config.n_npe, seed=int(rng.integers(2**31 - 1)))
    npe_train_s = time.perf_counter() - t
    theta_sim, y_sim = problem.simulate(config.n_npe, rng)  # the ensemble's own draws from the prior
    ens = NeuralInversion(n_members=config.ensemble_members, epochs=config.ensemble_epochs,
                          seed=int(rng.integers(2**31 - 1)), device=ctx.device).fit(y_sim, theta_sim)
    # 3. evaluate: MCMC and NPE against the exact posterior (C2ST) on ``n_c2st_observations`` observations
    rows, c2_mc, c2_npe, mean_err, std_err, showcase = [], [], [], [], [], None
    _, Y_obs = problem.simulate(config.n_c2st_observations, rng)
    for j, y in enumerate(Y_obs):
        exact = gaussian_linear_exact(problem, y)
        ref = exact.sample(config.n_c2st_samples, rng)
        res = mcmc(problem, y, n_walkers=4 * config.dim, n_steps=config.mcmc_steps, seed=int(rng.integers(2**31 - 1)))
        npe_s = npe.sample(y, config.n_c2st_samples, seed=int(rng.integers(2**31 - 1))).samples
        c2_npe.append(c_npe := c2st(ref, npe_s, seed=j))
        if not res.converged:
            rows.append((j, res.status + ": " + res.reason, "", "", "", round(c_npe, 4)))
            continue
        post = res.posterior()
        me, se = np.max(np.abs(post.mean - exact.mean) / exact.std), np.max(np.abs(post.std / exact.std - 1))
        c_mc = c2st(ref, post.samples[rng.choice(len(post.samples), config.n_c2st_samples, replace=False)], seed=j)
        c2_mc.append(c_mc), mean_err.append(me), std_err.append(se)
        showcase = showcase or (exact, post.samples, npe_s)
        rows.append((j, res.status, round(me, 4), round(se, 4), round(c_mc, 4), round(c_npe, 4)))
    # 4. evaluate: 90 % intervals (exact, NPE, MCMC on the first n_mcmc_problems, ensemble) and SBC ranks
    theta, Y = problem.simulate(config.n_problems, rng)
    exs = [gaussian_linear_exact(problem, y) for y in Y]
    ex_draws = [ex.sample(99, rng) for ex in exs]
    npe_draws = npe.sample_batched(Y, 999, seed=int(rng.integers(2**31 - 1)))
    mc_lo, mc_hi, mc_idx, mc_sec = [], [], [], []
    for i in tqdm(range(config.n_mcmc_problems), disable=not ctx.progress, desc="MCMC coverage"):
        res = mcmc(problem, Y[i], n_walkers=4 * config.dim, n_steps=config.mcmc_steps,
                   seed=int(rng.integers(2**31 - 1)))
        mc_sec.append(res.seconds)
        if res.converged:
            lo, hi = res.posterior().interval(LEVEL)
            mc_lo.append(lo), mc_hi.append(hi), mc_idx.append(i)
    covs = {"exact": (coverage(*zip(*(ex.interval(LEVEL) for ex in exs)), theta), config.n_problems),
            "npe": (coverage(*np.quantile(npe_draws, [0.05, 0.95], axis=1), theta), config.n_problems),  # central 90 %
            "ensemble": (coverage(*ens.interval(Y, LEVEL), theta), config.n_problems)}
    if mc_idx:
        covs["mcmc"] = (coverage(mc_lo, mc_hi, theta[mc_idx]), len(mc_idx))
    ranks = {"exact": sbc_ranks(np.array(ex_draws), theta), "npe": sbc_ranks(npe_draws[:, :99], theta)}
    # metrics, with the audit's checks alongside
    if c2_mc:
        m_("mcmc_max_mean_error_over_std", max(mean_err))
        m_("mcmc_max_std_rel_error", max(std_err))
        m_("c2st_mcmc", float(np.mean(c2_mc)))
        a.check("mcmc_mean_error", max(mean_err), "<=", 0.03, "MCMC mean within 3 % of the exact posterior std")
        a.check("mcmc_std_error", max(std_err), "<=", 0.03, "MCMC std within 3 % of the exact posterior std")
        a.check("c2st_mcmc", float(np.mean(c2_mc)), "<=", 0.55, "MCMC samples indistinguishable from exact ones")
    m_("c2st_npe", float(np.mean(c2_npe)))
    a.check("c2st_npe", float(np.mean(c2_npe)), "<=", 0.60, f"NPE ({config.n_npe} simulations) vs the exact posterior")
    m_("npe_simulations", config.n_npe)
    m_("seconds_training_npe", npe_train_s)
    m_("mcmc_converged_fraction", len(mc_idx) / config.n_mcmc_problems)
    m_("mcmc_refused_problems", config.n_mcmc_problems - len(mc_idx))
    m_("seconds_training_ensemble", ens.fit_seconds_)
    # the ensemble's mean estimates the posterior mean (y / 2 here): its error relative to the posterior std
    m_("ensemble_rmse_mean_over_posterior_std",
       float(np.sqrt(np.mean((ens.predict(Y[:50]) - np.array([ex.mean for ex in exs[:50]])) ** 2)) / exs[0].std.mean()))
    m_("seconds_per_inversion_mcmc", float(np.mean(mc_sec)))
    cov_rows = []  # every parameter's coverage in its binomial band
    for name, (cov, n) in covs.items():
        m_(f"coverage_90_{name}", float(cov.mean()))
        low, high = coverage_band(n, LEVEL, alpha=ALPHA / config.dim)  # Bonferroni over the parameters
        a.check(f"coverage_90_{name}_low", float(cov.min()), ">=", low,
                f"{name}: every parameter's 90 % intervals contain the truth in at least {round(low * n)} of {n} "
                f"problems (binomial band; a calibrated method fails with probability <= {ALPHA:g})")
        a.check(f"coverage_90_{name}_high", float(cov.max()), "<=", high,
                f"{name}: ... and in at most {round(high * n)} of {n} (not needlessly wide)")
        ok = bool(np.all((cov >= low) & (cov <= high)))
        cov_rows.append((name, n, round(float(cov.mean()), 3), round(float(cov.min()), 3), round(float(cov.max()), 3),
                         f"{low:.3f}-{high:.3f}", "calibrated" if ok else "FAILS the binomial band"))
    for name, r in ranks.items():
        m_(f"sbc_min_pvalue_{name}", float(sbc_uniformity_pvalues(r, 99).min()))
    result.add_audit(a)
    # report
    result.add_table(f"Against the exact posterior ({config.n_c2st_samples} samples per side in C2ST; "
                     "errors relative to the posterior std)",
                     ("observation", "MCMC status", "MCMC max |mean error|/std", "MCMC max |std error|/std",
                      "C2ST MCMC", f"C2ST NPE ({config.n_npe} sims)"), rows)
    result.add_table("Coverage of 90 % credible intervals (mean, min and max over the parameters; binomial "
                     f"std of the mean over {config.dim} parameters x {config.n_problems} problems "
                     f"~ {math.sqrt(0.09 / (config.dim * config.n_problems)):.3f}; band: each parameter's "
                     "acceptance band)", ("method", "problems", "coverage", "min", "max", "band", "verdict"), cov_rows)
    k, n_ok = config.n_mcmc_problems, len(mc_idx)
    if n_ok and n_ok < k:
        result.add_table("Note", ("",), [(f"MCMC refused {k - n_ok} of {k} problems (not converged); its coverage "
                                          "is over the converged ones only.",)])
    fig = new_figure(figsize=(15, 4))
    axes = fig.subplots(1, len(ranks) + 1)
    for ax, (name, r) in zip(axes, ranks.items()):
        ax.hist(r.ravel(), bins=20, range=(0, 100), alpha=0.7)
        ax.axhline(r.size / 20, color="k", ls="--", label="uniform")
        ax.set_title(f"SBC ranks, {name} (all parameters)"), ax.set_xlabel("rank of truth among 99 draws")
        ax.legend(fontsize=8)
    if showcase is not None:
        exact, mc, npe_s = showcase
        ax = axes[-1]
        g = np.linspace(exact.mean[0] - 4 * exact.std[0], exact.mean[0] + 4 * exact.std[0], 200)
        ax.plot(g, np.exp(-0.5 * ((g - exact.mean[0]) / exact.std[0]) ** 2) / (exact.std[0] * math.sqrt(2 * math.pi)),
                "k-", label="exact")
        ax.hist(mc[:, 0], bins=60, density=True, alpha=0.4, label="MCMC")
        ax.hist(npe_s[:, 0], bins=60, density=True, alpha=0.4, label="NPE")
        ax.set_title("posterior of theta_0, one observation"), ax.legend(fontsize=8)
    result.add_figure("calibration", fig, "Simulation-based calibration ranks (flat if the posteriors are right) "
                      "and one marginal: exact, MCMC and NPE.")
    result.summary = (
        f"Closed form: sequential vs batch differ by {diff:.2e}. "
        + (f"MCMC: mean error {max(mean_err):.3f} std, std error {max(std_err):.3f}, "
           f"C2ST {np.mean(c2_mc):.3f}. " if c2_mc else "MCMC did not converge on the C2ST observations. ")
        + f"NPE ({config.n_npe} simulations): C2ST {np.mean(c2_npe):.3f} (sbibm: 0.552 +- 0.032 at 10^4 "
        "with 10^4 C2ST samples). Coverage: "
        + ", ".join(f"{name} {float(cov.mean()):.3f} ({n} problems)" for name, (cov, n) in covs.items()) + ".")
    return result
