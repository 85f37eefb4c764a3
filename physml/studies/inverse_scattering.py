"""Study ``inverse-scattering``: a sediment layer and the rock beneath it from noisy acoustic reflection data.

Forward model: ``physml.sim.scattering`` (transfer matrix; tested against the single
interface, the quarter-wave layer and energy conservation). Unknown: the layer's impedance
and thickness and the substrate's impedance, uniform prior box; data: Re and Im of the
reflection coefficient at ``n_frequencies`` frequencies with Gaussian noise. Three inversions:

* **neural inversion**: a deep ensemble of MLPs ``y -> theta`` trained on simulations
  (``physml.inverse.NeuralInversion``); accuracy as held-out R^2 per parameter;
* **MCMC** (emcee) on the exact likelihood, one run per observation, with its verdict;
* **NPE** (``sbi``), amortised: trained once on simulations, then sampled for any observation.

For each: accuracy, 90 % interval coverage over simulated problems (each parameter's count of
covering intervals in the binomial band of ``physml.physics.audit.coverage_band``, Bonferroni over
the three parameters: a calibrated method fails with probability <= 1 %), and the cost of one
inversion (training costs are reported separately: they are paid once).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import r2_score
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..inverse import InverseProblem, NeuralInversion, Prior, coverage, mcmc, train_npe
from ..physics.audit import Audit, coverage_band
from ..result import StudyResult, new_figure
from ..sim import scattering
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "make_problem"]

LEVEL = 0.9
"""Credible level whose coverage is checked."""
ALPHA = 0.01
"""Chance that a perfectly calibrated method fails its coverage check (split over the parameters)."""


@dataclass(frozen=True)
class Config:
    """Configuration of ``inverse-scattering``."""

    noise_std: float = 0.02
    n_frequencies: int = 24
    n_train: int = 20000
    """Simulations for the neural inversion (a calibration split is taken from them)."""
    n_test: int = 2000
    """Held-out simulations: R^2 and coverage of the neural inversion and NPE."""
    nn_members: int = 5
    nn_epochs: int = 300
    n_npe: int = 10000
    """Simulations for NPE."""
    n_mcmc_problems: int = 200
    """Held-out problems also inverted by MCMC (one run each, ~2 s: the expensive method); 200 for coverage."""
    mcmc_steps: int = 2500

    def __post_init__(self) -> None:
        scattering.ScatteringParams(n_frequencies=self.n_frequencies, noise_std=self.noise_std)
        if self.noise_std <= 0:
            raise ParameterError.invalid("noise_std", self.noise_std, "> 0 (a likelihood needs noise)")
        for name in ("n_train", "n_test", "n_npe"):
            if getattr(self, name) < 200:
                raise ParameterError.invalid(name, getattr(self, name), "an integer >= 200")
        if not 1 <= self.n_mcmc_problems <= self.n_test:
            raise ParameterError.invalid("n_mcmc_problems", self.n_mcmc_problems, f"in [1, n_test = {self.n_test}]")


QUICK = Config(n_train=4000, n_test=400, nn_members=2, nn_epochs=100, n_npe=2000, n_mcmc_problems=4, mcmc_steps=2000)


def run(config: Config, ctx: StudyContext) -> StudyResult:
    problem, sp = make_problem(config)
    rng = ctx.rng()
    names = problem.prior.names
    # simulate: training and held-out problems from the prior
    theta_tr, Y_tr = problem.simulate(config.n_train, rng)
    theta_te, Y_te = problem.simulate(config.n_test, rng)
    # fit and evaluate: the deep ensemble ``y -> theta`` (held-out mean, per-parameter R^2, interval coverage)
    t = time.perf_counter()
    nn = NeuralInversion(n_members=config.nn_members, epochs=config.nn_epochs, seed=int(rng.integers(2**31 - 1)),
                         device=ctx.device).fit(Y_tr, theta_tr)
    nn_train_s = time.perf_counter() - t
    t = time.perf_counter()
    nn_mean, _ = nn.predict_std(Y_te)
    nn_s = (time.perf_counter() - t) / config.n_test
    r2 = np.array([r2_score(theta_te[:, j], nn_mean[:, j]) for j in range(theta_te.shape[1])])
    nn_cov = coverage(*nn.interval(Y_te, LEVEL), theta_te)
    # ... NPE, trained once (amortised), then sampled for every held-out observation
    t = time.perf_counter()
    npe = train_npe(problem, config.n_npe, seed=int(rng.integers(2**31 - 1)))
    npe_train_s = time.perf_counter() - t
    t = time.perf_counter()
    draws = npe.sample_batched(Y_te, 500, seed=int(rng.integers(2**31 - 1)))
    npe_s = (time.perf_counter() - t) / config.n_test
    npe_cov = coverage(*np.quantile(draws, [0.05, 0.95], axis=1), theta_te)  # the central 90 % (LEVEL) interval
    npe_mean = draws.mean(axis=1)
    # ... and one MCMC run per problem on the first ``n_mcmc_problems``; coverage over those that converged
    k = config.n_mcmc_problems
    lo, hi, sec, ok, showcase = [], [], [], [], None
    for i in tqdm(range(k), disable=not ctx.progress, desc="MCMC"):
        res = mcmc(problem, Y_te[i], n_walkers=32, n_steps=config.mcmc_steps, seed=int(rng.integers(2**31 - 1)))
        sec.append(res.seconds), ok.append(res.converged)
        if res.converged:
            post = res.posterior()
            post_lo, post_hi = post.interval(LEVEL)
            lo.append(post_lo), hi.append(post_hi)
            showcase = showcase or (i, post)
    ok = np.array(ok)
    mc_cov = coverage(np.array(lo), np.array(hi), theta_te[:k][ok]) if ok.any() else np.full(theta_te.shape[1], np.nan)
    mc_n, mc_sec = int(ok.sum()), float(np.mean(sec))
    # per method: label, key, per-parameter coverage over n problems, seconds per inversion, training seconds
    methods = (("neural ensemble", "nn", nn_cov, config.n_test, nn_s, nn_train_s),
               ("NPE (sbi, amortised)", "npe", npe_cov, config.n_test, npe_s, npe_train_s),
               ("MCMC (emcee)", "mcmc", mc_cov, mc_n, mc_sec, 0.0))
    result = ctx.result("Layer parameters from acoustic reflection: neural inversion vs MCMC vs NPE")
    m_ = result.add_metric
    m_("r2_min_nn", r2.min())
    for j, n in enumerate(names):
        m_(f"r2_nn_{n}", r2[j])
        m_(f"r2_npe_{n}", r2_score(theta_te[:, j], npe_mean[:, j]))
    for _, key, cov, n, _, _ in methods:
        if n:
            m_(f"coverage_90_{key}", cov.mean())
    m_("mcmc_converged_fraction", mc_n / k)
    m_("mcmc_refused_problems", k - mc_n)
    for _, key, _, _, per_s, _ in methods:
        m_(f"seconds_per_inversion_{key}", per_s)
    m_("mcmc_over_nn_cost", mc_sec / nn_s)
    m_("mcmc_over_npe_cost", mc_sec / npe_s)
    m_("seconds_training_nn", nn_train_s)
    m_("seconds_training_npe", npe_train_s)
    # audit: R² per parameter; coverage per parameter in the binomial band, Bonferroni over the parameters
    a, rows = Audit("scattering inversions"), []
    for j, n in enumerate(names):
        a.check(f"r2_nn_{n.lower()}", r2[j], ">=", 0.95, f"neural inversion's held-out R² for {n}")
    for label, key, cov, n, per_s, train_s in methods:
        band, verdict = "", "no converged run"
        if n:
            low, high = coverage_band(n, LEVEL, alpha=ALPHA / len(cov))
            a.check(f"coverage_90_{key}_low", float(cov.min()), ">=", low,
                    f"{label}: every parameter's 90 % intervals contain the truth in at least "
                    f"{round(low * n)} of {n} problems (binomial band; a calibrated method fails it "
                    f"with probability <= {ALPHA:g})")
            a.check(f"coverage_90_{key}_high", float(cov.max()), "<=", high,
                    f"{label}: ... and in at most {round(high * n)} of {n} (not needlessly wide)")
            ok = bool(np.all((cov >= low) & (cov <= high)))
            band, verdict = f"{low:.3f}-{high:.3f}", "calibrated" if ok else "FAILS the binomial band"
        rows.append((label, n, *(round(float(v), 3) for v in cov), round(float(np.mean(cov)), 3), band,
                     f"{per_s:.3g}", f"{train_s:.3g}", verdict))
    result.add_audit(a)
    # report
    result.add_table("Coverage of 90 % intervals per parameter, and cost (seconds per inversion; training is paid "
                     "once); band: each parameter's acceptance band", ("method", "problems", *names, "mean", "band",
                                                                      "s / inversion", "training s", "verdict"), rows)
    result.add_table("Note", ("",), [(f"MCMC coverage is measured on the {mc_n} of {k} problems whose chains "
                                      f"converged ({k - mc_n} refused as not converged; binomial std "
                                      f"{math.sqrt(0.09 / max(mc_n, 1)):.3f}); the neural ensemble and NPE on "
                                      f"{config.n_test}.",)])
    _figures(result, sp, theta_te, Y_te, nn_mean, r2, draws, showcase, names)
    result.summary = (
        f"Held-out R² of the neural inversion: {', '.join(f'{n} {v:.4f}' for n, v in zip(names, r2))}. "
        f"90 % coverage: neural ensemble {nn_cov.mean():.3f}, NPE {npe_cov.mean():.3f}, MCMC "
        f"{np.mean(mc_cov):.3f} ({mc_n}/{config.n_mcmc_problems} runs converged). One inversion costs "
        f"{nn_s * 1e3:.3g} ms by the network, {npe_s * 1e3:.3g} ms by NPE and "
        f"{mc_sec:.3g} s by MCMC ({mc_sec / nn_s:.3g} x the network), after "
        f"{nn_train_s:.0f} s and {npe_train_s:.0f} s of training.")
    return result


def make_problem(config: Config) -> tuple[InverseProblem, scattering.ScatteringParams]:
    sp = scattering.ScatteringParams(n_frequencies=config.n_frequencies, noise_std=config.noise_std)
    lo, hi = sp.bounds.T
    prior = Prior.uniform(lo, hi, names=scattering.PARAMETER_NAMES)
    return InverseProblem(lambda th: scattering.observe(sp, th), prior, config.noise_std, 2 * sp.n_frequencies,
                          "layered-medium"), sp


def _figures(result, sp, theta, Y, nn_mean, r2, draws, showcase, names) -> None:
    fig = new_figure(figsize=(14, 4.2))
    axes = fig.subplots(1, 3)
    for j, ax in enumerate(axes):
        ax.plot(theta[:, j], nn_mean[:, j], ".", ms=2, alpha=0.5)
        lims = [theta[:, j].min(), theta[:, j].max()]
        ax.plot(lims, lims, "k--", lw=1)
        ax.set_xlabel(f"true {names[j]}"), ax.set_ylabel("neural inversion"), ax.set_title(f"R² = {r2[j]:.4f}")
    result.add_figure("nn_parity", fig, "Held-out parity of the neural inversion (ensemble mean) per parameter.")
    if showcase is None:
        return
    i, post = showcase
    fig = new_figure(figsize=(17, 4))
    axes = fig.subplots(1, 4)
    F = sp.n_frequencies
    axes[0].plot(sp.frequencies, Y[i, :F], "o", ms=3, label="Re R (data)")
    axes[0].plot(sp.frequencies, Y[i, F:], "s", ms=3, label="Im R (data)")
    fit = scattering.observe(sp, post.mean)
    axes[0].plot(sp.frequencies, fit[:F], "C0-"), axes[0].plot(sp.frequencies, fit[F:], "C1-")
    axes[0].set_xlabel("f (Hz)"), axes[0].legend(fontsize=8), axes[0].set_title("data and MCMC posterior-mean model")
    for j in range(3):
        ax = axes[j + 1]
        ax.hist(post.samples[:, j], bins=50, density=True, alpha=0.5, label="MCMC")
        ax.hist(draws[i, :, j], bins=50, density=True, alpha=0.5, label="NPE")
        ax.axvline(theta[i, j], color="k", label="truth")
        ax.axvline(nn_mean[i, j], color="C3", ls="--", label="neural")
        ax.set_xlabel(names[j]), ax.legend(fontsize=7)
    result.add_figure("posteriors", fig, "One held-out problem: data, MCMC fit, and the MCMC and NPE posterior "
                      "marginals against the truth and the network's estimate.")
