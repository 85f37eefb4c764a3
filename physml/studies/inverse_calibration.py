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
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..inverse import (
    Gaussian,
    InverseProblem,
    NeuralInversion,
    NotConvergedError,
    NPEPosterior,
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


@dataclass
class ExactComparison:
    """MCMC and NPE against the exact posterior on ``n_c2st_observations`` observations."""

    rows: list[tuple] = field(default_factory=list)
    c2st_mcmc: list[float] = field(default_factory=list)
    c2st_npe: list[float] = field(default_factory=list)
    mean_error: list[float] = field(default_factory=list)
    std_error: list[float] = field(default_factory=list)
    showcase: tuple | None = None


@dataclass
class Calibration:
    """Per method, per-parameter coverage and the number of problems; SBC ranks; MCMC's refusals and cost."""

    coverage: dict[str, tuple[np.ndarray, int]]
    ranks: dict[str, np.ndarray]
    mcmc_converged: int
    mcmc_seconds: float


def run(config: Config, ctx: StudyContext) -> StudyResult:
    rng = ctx.rng()
    result = ctx.result(f"Calibration on the {config.dim}-d Gaussian-linear task (exact posterior known)")
    # 1. closed form: sequential = batch
    diff = _closed_form_difference(config.dim, rng)
    result.add_metric("closed_form_sequential_vs_batch_max_abs_diff", diff)
    # 2. fit: NPE and the deep ensemble on simulations of the same size
    problem = gaussian_linear(config.dim)
    t = time.perf_counter()
    npe = train_npe(problem, config.n_npe, seed=int(rng.integers(2**31 - 1)))
    npe_train_s = time.perf_counter() - t
    theta_sim, y_sim = problem.simulate(config.n_npe, rng)  # the ensemble's own draws from the prior
    ens = NeuralInversion(n_members=config.ensemble_members, epochs=config.ensemble_epochs,
                          seed=int(rng.integers(2**31 - 1)), device=ctx.device).fit(y_sim, theta_sim)
    # 3. evaluate: MCMC and NPE against the exact posterior (C2ST)
    exact_cmp = _against_exact(config, problem, npe, rng)
    # 4. evaluate: coverage and SBC over simulated problems
    theta, Y = problem.simulate(config.n_problems, rng)
    cal = _calibration(config, problem, npe, ens, theta, Y, rng, ctx.progress)
    _metrics(result, config, exact_cmp, cal, npe_train_s, ens, problem, Y)
    # audit
    result.add_audit(_audit(config, diff, exact_cmp, cal))
    # report
    _tables(result, config, exact_cmp, cal)
    _figures(result, cal.ranks, exact_cmp.showcase)
    c2_mc = exact_cmp.c2st_mcmc
    result.summary = (
        f"Closed form: sequential vs batch differ by {diff:.2e}. "
        + (f"MCMC: mean error {max(exact_cmp.mean_error):.3f} std, std error {max(exact_cmp.std_error):.3f}, "
           f"C2ST {np.mean(c2_mc):.3f}. " if c2_mc else "MCMC did not converge on the C2ST observations. ")
        + f"NPE ({config.n_npe} simulations): C2ST {np.mean(exact_cmp.c2st_npe):.3f} (sbibm: 0.552 +- 0.032 at 10^4 "
        "with 10^4 C2ST samples). Coverage: "
        + ", ".join(f"{name} {float(cov.mean()):.3f} ({n} problems)" for name, (cov, n) in cal.coverage.items()) + ".")
    return result


def _closed_form_difference(dim: int, rng: np.random.Generator) -> float:
    """Largest difference between batch and one-at-a-time (Kalman) updates on a random linear-Gaussian problem."""
    G = rng.standard_normal((3 * dim, dim))
    prior_g = Gaussian(rng.standard_normal(dim), np.diag(rng.uniform(0.5, 2.0, dim)))
    sig = rng.uniform(0.1, 0.5, 3 * dim)
    y_g = G @ prior_g.sample(1, rng)[0] + sig * rng.standard_normal(3 * dim)
    batch, seq = linear_gaussian_posterior(prior_g, G, y_g, sig), sequential_update(prior_g, G, y_g, sig)
    return max(np.abs(batch.mean - seq.mean).max(), np.abs(batch.cov - seq.cov).max())


def _against_exact(config: Config, problem: InverseProblem, npe: NPEPosterior,
                   rng: np.random.Generator) -> ExactComparison:
    out = ExactComparison()
    _, Y_obs = problem.simulate(config.n_c2st_observations, rng)
    for j, y in enumerate(Y_obs):
        exact = gaussian_linear_exact(problem, y)
        ref = exact.sample(config.n_c2st_samples, rng)
        res = mcmc(problem, y, n_walkers=4 * config.dim, n_steps=config.mcmc_steps, seed=int(rng.integers(2**31 - 1)))
        npe_s = npe.sample(y, config.n_c2st_samples, seed=int(rng.integers(2**31 - 1))).samples
        c_npe = c2st(ref, npe_s, seed=j)
        out.c2st_npe.append(c_npe)
        if not res.converged:
            out.rows.append((j, res.status + ": " + res.reason, "", "", "", round(c_npe, 4)))
            continue
        post = res.posterior()
        me = np.max(np.abs(post.mean - exact.mean) / exact.std)
        se = np.max(np.abs(post.std / exact.std - 1))
        sub = post.samples[rng.choice(len(post.samples), config.n_c2st_samples, replace=False)]
        c_mc = c2st(ref, sub, seed=j)
        out.c2st_mcmc.append(c_mc), out.mean_error.append(me), out.std_error.append(se)
        out.showcase = out.showcase or (exact, post.samples, npe_s)
        out.rows.append((j, res.status, round(me, 4), round(se, 4), round(c_mc, 4), round(c_npe, 4)))
    return out


def _calibration(config, problem, npe, ens, theta, Y, rng, progress) -> Calibration:
    """90 % intervals of the exact posterior, NPE, MCMC (first ``n_mcmc_problems``) and the ensemble; SBC ranks."""
    ex_lo, ex_hi, ex_draws = [], [], []
    for y in Y:
        ex = gaussian_linear_exact(problem, y)
        lo, hi = ex.interval(LEVEL)
        ex_lo.append(lo), ex_hi.append(hi), ex_draws.append(ex.sample(99, rng))
    npe_draws = npe.sample_batched(Y, 999, seed=int(rng.integers(2**31 - 1)))
    n_lo, n_hi = np.quantile(npe_draws, [0.05, 0.95], axis=1)  # the central 90 % (LEVEL) interval
    mc_lo, mc_hi, mc_idx, mc_sec = [], [], [], []
    for i in tqdm(range(config.n_mcmc_problems), disable=not progress, desc="MCMC coverage"):
        res = mcmc(problem, Y[i], n_walkers=4 * config.dim, n_steps=config.mcmc_steps,
                   seed=int(rng.integers(2**31 - 1)))
        mc_sec.append(res.seconds)
        try:
            lo, hi = res.posterior().interval(LEVEL)
        except NotConvergedError:
            continue
        mc_lo.append(lo), mc_hi.append(hi), mc_idx.append(i)
    e_lo, e_hi = ens.interval(Y, LEVEL)
    covs = {"exact": (coverage(ex_lo, ex_hi, theta), config.n_problems),
            "npe": (coverage(n_lo, n_hi, theta), config.n_problems),
            "ensemble": (coverage(e_lo, e_hi, theta), config.n_problems)}
    if mc_idx:
        covs["mcmc"] = (coverage(mc_lo, mc_hi, theta[mc_idx]), len(mc_idx))
    ranks = {"exact": sbc_ranks(np.array(ex_draws), theta), "npe": sbc_ranks(npe_draws[:, :99], theta)}
    return Calibration(covs, ranks, len(mc_idx), float(np.mean(mc_sec)))


def _metrics(result, config, exact_cmp: ExactComparison, cal: Calibration, npe_train_s, ens, problem, Y) -> None:
    m_ = result.add_metric
    if exact_cmp.c2st_mcmc:
        m_("mcmc_max_mean_error_over_std", max(exact_cmp.mean_error))
        m_("mcmc_max_std_rel_error", max(exact_cmp.std_error))
        m_("c2st_mcmc", float(np.mean(exact_cmp.c2st_mcmc)))
    m_("c2st_npe", float(np.mean(exact_cmp.c2st_npe)))
    m_("npe_simulations", config.n_npe)
    m_("seconds_training_npe", npe_train_s)
    m_("mcmc_converged_fraction", cal.mcmc_converged / config.n_mcmc_problems)
    m_("mcmc_refused_problems", config.n_mcmc_problems - cal.mcmc_converged)
    m_("seconds_training_ensemble", ens.fit_seconds_)
    # the ensemble's mean estimates the posterior mean (y / 2 here): its error relative to the posterior std
    ex_mean = np.array([gaussian_linear_exact(problem, y).mean for y in Y[:50]])
    m_("ensemble_rmse_mean_over_posterior_std", float(np.sqrt(np.mean((ens.predict(Y[:50]) - ex_mean) ** 2))
                                                      / gaussian_linear_exact(problem, Y[0]).std.mean()))
    m_("seconds_per_inversion_mcmc", cal.mcmc_seconds)
    for name, (cov, _) in cal.coverage.items():
        m_(f"coverage_90_{name}", float(cov.mean()))
    for name, r in cal.ranks.items():
        m_(f"sbc_min_pvalue_{name}", float(sbc_uniformity_pvalues(r, 99).min()))


def _band(config: Config, n: int) -> tuple[float, float]:
    """Binomial band for each parameter's coverage over ``n`` problems, Bonferroni over the ``dim`` parameters."""
    return coverage_band(n, LEVEL, alpha=ALPHA / config.dim)


def _audit(config: Config, diff: float, exact_cmp: ExactComparison, cal: Calibration) -> Audit:
    a = Audit("inverse methods")
    a.check("closed_form_sequential_vs_batch", diff, "<=", 1e-10, "one-at-a-time Kalman updates = batch posterior")
    if exact_cmp.c2st_mcmc:
        a.check("mcmc_mean_error", max(exact_cmp.mean_error), "<=", 0.03,
                "MCMC mean within 3 % of the exact posterior std")
        a.check("mcmc_std_error", max(exact_cmp.std_error), "<=", 0.03,
                "MCMC std within 3 % of the exact posterior std")
        a.check("c2st_mcmc", float(np.mean(exact_cmp.c2st_mcmc)), "<=", 0.55,
                "MCMC samples indistinguishable from exact ones")
    a.check("c2st_npe", float(np.mean(exact_cmp.c2st_npe)), "<=", 0.60,
            f"NPE ({config.n_npe} simulations) vs the exact posterior")
    for name, (cov, n) in cal.coverage.items():
        low, high = _band(config, n)
        a.check(f"coverage_90_{name}_low", float(cov.min()), ">=", low,
                f"{name}: every parameter's 90 % intervals contain the truth in at least {round(low * n)} of {n} "
                f"problems (binomial band; a calibrated method fails with probability <= {ALPHA:g})")
        a.check(f"coverage_90_{name}_high", float(cov.max()), "<=", high,
                f"{name}: ... and in at most {round(high * n)} of {n} (not needlessly wide)")
    return a


def _tables(result, config: Config, exact_cmp: ExactComparison, cal: Calibration) -> None:
    result.add_table(f"Against the exact posterior ({config.n_c2st_samples} samples per side in C2ST; "
                     "errors relative to the posterior std)",
                     ("observation", "MCMC status", "MCMC max |mean error|/std", "MCMC max |std error|/std",
                      "C2ST MCMC", f"C2ST NPE ({config.n_npe} sims)"), exact_cmp.rows)
    rows = []
    for name, (cov, n) in cal.coverage.items():
        low, high = _band(config, n)
        ok = bool(np.all((cov >= low) & (cov <= high)))
        rows.append((name, n, round(float(cov.mean()), 3), round(float(cov.min()), 3), round(float(cov.max()), 3),
                     f"{low:.3f}-{high:.3f}", "calibrated" if ok else "FAILS the binomial band"))
    result.add_table("Coverage of 90 % credible intervals (mean, min and max over the parameters; binomial "
                     f"std of the mean over {config.dim} parameters x {config.n_problems} problems "
                     f"~ {math.sqrt(0.09 / (config.dim * config.n_problems)):.3f}; band: each parameter's "
                     "acceptance band)", ("method", "problems", "coverage", "min", "max", "band", "verdict"), rows)
    k, n_ok = config.n_mcmc_problems, cal.mcmc_converged
    if n_ok and n_ok < k:
        result.add_table("Note", ("",), [(f"MCMC refused {k - n_ok} of {k} problems (not converged); its coverage "
                                          "is over the converged ones only.",)])


def _figures(result, ranks, showcase) -> None:
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
