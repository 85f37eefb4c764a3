"""Study ``bayes-conductivity``: a rod's thermal conductivity from noisy temperature sensors.

Forward model: ``physml.sim.heat_rod`` (central differences + Crank-Nicolson, tested against
Fourier-mode decay). Unknown: ``u = ln k`` with a Gaussian prior (k in W/(m K)); data:
``n_times x n_sensors`` readings with Gaussian noise of known std. Three posteriors:

* **linearised** (conjugate): the sensor model linearised at the prior mean,
  ``y ~ f(u0) + J (u - u0)``, then the closed-form linear-Gaussian update;
* **iterated** (conjugate, Gauss-Newton): re-linearised at the posterior mean until it
  stops moving (a Laplace approximation at the MAP);
* **MCMC** (emcee) on the full heat equation, with its convergence verdict.

Calibration: each method's 90 % credible interval is checked on ``n_problems`` problems
drawn from the prior (true k, fresh noise): the number containing the truth should lie in the
binomial acceptance band of ``physml.physics.audit.coverage_band`` (a calibrated method fails it
with probability <= 1 %). A method outside the band is reported as failing.
"""

from __future__ import annotations

import math
import time
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ..errors import ParameterError
from ..inverse import Gaussian, InverseProblem, MCMCResult, Prior, linear_gaussian_posterior, mcmc
from ..physics.audit import Audit, coverage_band
from ..result import StudyResult, new_figure
from ..sim import heat_rod as heat
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run", "METHODS"]

METHODS = ("linearised", "iterated", "mcmc")
LEVEL = 0.9
"""Credible level whose coverage is checked."""
ALPHA = 0.01
"""Chance that a perfectly calibrated method fails its coverage check (one parameter: no Bonferroni split)."""
Fit = namedtuple("Fit", "interval mean std seconds posterior")  # one method, one problem: 90 % interval, ln k


@dataclass(frozen=True)
class Config:
    """Configuration of ``bayes-conductivity``."""

    prior_median_k: float = 30.0
    """Prior median of k in W/(m K) (ln k is Gaussian)."""
    prior_std_ln_k: float = 0.5
    """Prior std of ln k."""
    noise_std_K: float = 0.5
    n_problems: int = 200
    """Simulated problems for the coverage check."""
    n_walkers: int = 8
    n_steps: int = 2000

    def __post_init__(self) -> None:
        if not (math.isfinite(self.prior_median_k) and self.prior_median_k > 0):
            raise ParameterError.invalid("prior_median_k", self.prior_median_k, "> 0 W/(m K)")
        if not (math.isfinite(self.prior_std_ln_k) and self.prior_std_ln_k > 0):
            raise ParameterError.invalid("prior_std_ln_k", self.prior_std_ln_k, "> 0 (a prior width)")
        if not (math.isfinite(self.noise_std_K) and self.noise_std_K > 0):
            raise ParameterError.invalid("noise_std_K", self.noise_std_K, "> 0 K")
        if self.n_problems < 2:
            raise ParameterError.invalid("n_problems", self.n_problems, "an integer >= 2")


QUICK = Config(n_problems=40, n_steps=1500)


def _problem(config: Config) -> tuple[InverseProblem, heat.HeatRodParams]:
    rod = heat.HeatRodParams(noise_std_K=config.noise_std_K)
    prior = Prior.normal([math.log(config.prior_median_k)], [config.prior_std_ln_k], names=["ln_k"])
    forward = lambda u: heat.sensor_temperatures(rod, np.exp(u[:, 0])).reshape(len(u), -1)  # noqa: E731
    return InverseProblem(forward, prior, config.noise_std_K, rod.n_observations, "heat-rod"), rod


def _linearised(problem: InverseProblem, y: np.ndarray, u0: float) -> Gaussian:
    """Conjugate update of the model linearised at ``u0`` (central-difference Jacobian)."""
    eps = 1e-5
    f0 = problem.forward(np.array([[u0]]))[0]
    J = (problem.forward(np.array([[u0 + eps]]))[0] - problem.forward(np.array([[u0 - eps]]))[0]) / (2 * eps)
    prior = Gaussian.independent(problem.prior.a, problem.prior.b)
    return linear_gaussian_posterior(prior, J[:, None], y - f0 + J * u0, problem.sigma)


def _iterated(problem: InverseProblem, y: np.ndarray, max_iter: int = 30) -> Gaussian:
    u = float(problem.prior.a[0])
    for _ in range(max_iter):
        post = _linearised(problem, y, u)
        new = float(post.mean[0])
        if abs(new - u) < 1e-10:
            break
        # damped Gauss-Newton: a step of at most one prior std keeps it from overshooting the nonlinearity
        u = u + float(np.clip(new - u, -problem.prior.b[0], problem.prior.b[0]))
    return post


def _posteriors(problem: InverseProblem, y: np.ndarray, config: Config, seed: int) -> tuple[dict, MCMCResult]:
    """The three posteriors of one observation (``None`` for an MCMC run that did not converge)."""
    t = time.perf_counter()
    lin = _linearised(problem, y, float(problem.prior.a[0]))
    out = {"linearised": Fit(lin.interval(LEVEL), float(lin.mean[0]), float(lin.std[0]), time.perf_counter() - t, lin)}
    t = time.perf_counter()
    it = _iterated(problem, y)
    out["iterated"] = Fit(it.interval(LEVEL), float(it.mean[0]), float(it.std[0]), time.perf_counter() - t, it)
    res = mcmc(problem, y, n_walkers=config.n_walkers, n_steps=config.n_steps, seed=seed)
    p = res.posterior() if res.converged else None  # posterior() refuses an unconverged run
    out["mcmc"] = None if p is None else Fit(p.interval(LEVEL), float(p.mean[0]), float(p.std[0]), res.seconds, p)
    return out, res


def run(config: Config, ctx: StudyContext) -> StudyResult:
    problem, rod = _problem(config)
    rng = ctx.rng()
    # simulate: problems drawn from the prior
    theta, Y = problem.simulate(config.n_problems, rng)
    # fit: three posteriors per problem; per method, truth inside the 90 % interval, its width, seconds
    hits, widths, seconds = ({m: [] for m in METHODS} for _ in range(3))
    n_unconverged, showcase = 0, None
    for i in tqdm(range(config.n_problems), disable=not ctx.progress, desc="problems"):
        out, res = _posteriors(problem, Y[i], config, int(rng.integers(2**31 - 1)))
        showcase = showcase or (out, res)
        for m, fit in out.items():
            if fit is not None:
                lo, hi = fit.interval
                hits[m].append(bool(lo[0] <= theta[i, 0] <= hi[0]))
                widths[m].append(float(hi[0] - lo[0]))
                seconds[m].append(fit.seconds)
        n_unconverged += out["mcmc"] is None
    result = ctx.result("Thermal conductivity of a rod from noisy sensors: conjugate updates vs MCMC")
    # evaluate and audit: coverage, width and cost per method; its coverage in the binomial band (and the table row)
    a, rows = Audit("conductivity posteriors"), []
    for m in METHODS:
        n = len(hits[m])
        c = float(np.mean(hits[m])) if n else math.nan
        low, high = coverage_band(n, LEVEL, alpha=ALPHA) if n else (math.nan, math.nan)
        if n:
            result.add_metric(f"coverage_90_{m}", c)
            result.add_metric(f"mean_width_90_ln_k_{m}", float(np.mean(widths[m])))
            result.add_metric(f"seconds_per_inversion_{m}", float(np.mean(seconds[m])))
            a.check(f"coverage_90_{m}_low", c, ">=", low,
                    f"{m}: 90 % intervals contain the truth in at least {round(low * n)} of {n} problems "
                    f"(binomial band, a calibrated method fails it with probability <= {ALPHA:g})")
            a.check(f"coverage_90_{m}_high", c, "<=", high,
                    f"{m}: ... and in at most {round(high * n)} of {n} (not needlessly wide)")
        rows.append((m, n, round(c, 3), f"{low:.3f}-{high:.3f}", round(float(np.mean(widths[m])), 4) if n else "",
                     f"{np.mean(seconds[m]):.3g}" if n else "",
                     "calibrated" if n and low <= c <= high else "FAILS the binomial band"))
    result.add_metric("mcmc_unconverged_problems", n_unconverged)
    a.check("mcmc_unconverged_fraction", n_unconverged / config.n_problems, "<=", 0.05,
            "MCMC runs that failed R-hat / tau / ESS checks (excluded from its coverage, never reported as results)")
    result.add_audit(a)
    # report
    result.add_table(f"Coverage of 90 % credible intervals for ln k over {config.n_problems} simulated problems "
                     f"(binomial std {math.sqrt(0.09 / config.n_problems):.3f}; band: a calibrated method falls "
                     f"outside with probability <= {ALPHA:g})",
                     ("method", "problems", "coverage", "band", "mean width (ln k)", "seconds / inversion",
                      "verdict"), rows)
    _figures(result, problem, rod, theta[0], Y[0], showcase)
    fails = [r[0] for r in rows if r[-1] != "calibrated"]
    result.summary = (
        f"Conductivity k of a {100 * rod.length_m:g} cm rod from {rod.n_observations} noisy readings "
        f"({config.noise_std_K} K noise). Coverage of 90 % intervals over {config.n_problems} problems: "
        + ", ".join(f"{r[0]} {r[2]}" for r in rows) + ". "
        + (f"Outside the binomial band: {', '.join(fails)}. " if fails else "All methods are calibrated. ")
        + "Linearising at the prior mean uses the slope of a curve far from the answer; re-linearising at the "
        "posterior mean (Gauss-Newton) and MCMC on the full model do not depend on that.")
    return result


def _figures(result, problem, rod, u_true, y, showcase) -> None:
    out, res = showcase
    fig = new_figure(figsize=(13, 4.6))
    axes = fig.subplots(1, 2)
    for j, x in enumerate(rod.sensor_positions):
        axes[0].plot(rod.times, y.reshape(rod.n_times, -1)[:, j], "o", ms=4, color=f"C{j}", label=f"sensor x/L = {x:g}")
        if out["mcmc"] is not None:
            axes[0].plot(rod.times, heat.sensor_temperatures(rod, math.exp(out["mcmc"].mean))[:, j], "-", color=f"C{j}")
    axes[0].set_xlabel("t (s)"), axes[0].set_ylabel("temperature rise (K)"), axes[0].legend(fontsize=8)
    axes[0].set_title("Noisy sensor data and the posterior-mean model")
    ax = axes[1]
    grid = np.linspace(problem.prior.a[0] - 3 * problem.prior.b[0], problem.prior.a[0] + 3 * problem.prior.b[0], 2000)
    pdf = lambda g, mu, s: np.exp(-0.5 * ((g - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))  # noqa: E731
    ax.plot(np.exp(grid), pdf(grid, problem.prior.a[0], problem.prior.b[0]), "k:", label="prior")
    inset = ax.inset_axes([0.55, 0.4, 0.42, 0.55])
    fine = np.linspace(min(v.mean - 6 * v.std for v in out.values() if v is not None),
                       max(v.mean + 6 * v.std for v in out.values() if v is not None), 400)
    for m, style in (("linearised", "C1--"), ("iterated", "C2-")):
        inset.plot(np.exp(fine), pdf(fine, out[m].mean, out[m].std), style, label=m)
    if out["mcmc"] is not None:
        samples = out["mcmc"].posterior.samples[:, 0]
        inset.hist(np.exp(samples), bins=60, density=False, alpha=0.4, color="C0",
                   weights=np.full(len(samples), 1.0 / (len(samples) * (fine[1] - fine[0]))), label="MCMC")
    inset.axvline(math.exp(u_true[0]), color="k", lw=1, label="truth")
    inset.set_title("posteriors (density in ln k)", fontsize=8), inset.legend(fontsize=7)
    inset.tick_params(labelsize=7)
    ax.axvline(math.exp(u_true[0]), color="k", lw=1)
    ax.set_xscale("log"), ax.set_xlabel("k (W/(m K))"), ax.set_ylabel("density in ln k"), ax.legend(fontsize=8)
    ax.set_title(f"Prior vs posterior (MCMC: {res.status}, R-hat {np.max(res.rhat):.4f}, ESS {np.min(res.ess):.0f})")
    result.add_figure("prior_posterior", fig, "Left: one problem's sensor readings and the posterior-mean model. "
                      "Right: the prior and, zoomed, the three posteriors of that problem with the true k.")
