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
from ..inverse import InverseProblem, NeuralInversion, NotConvergedError, Prior, coverage, mcmc, train_npe
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


@dataclass
class Method:
    """One inversion method's held-out results: per-parameter coverage over ``n`` problems and its costs."""

    label: str
    key: str
    coverage: np.ndarray
    n: int
    seconds_per_inversion: float
    seconds_training: float


def run(config: Config, ctx: StudyContext) -> StudyResult:
    problem, sp = make_problem(config)
    rng = ctx.rng()
    names = problem.prior.names
    # simulate: training and held-out problems from the prior
    theta_tr, Y_tr = problem.simulate(config.n_train, rng)
    theta_te, Y_te = problem.simulate(config.n_test, rng)
    # fit and evaluate: the three inversions
    nn, nn_mean, r2 = _neural(config, ctx, rng, Y_tr, theta_tr, Y_te, theta_te)
    npe, draws, npe_mean = _npe(config, problem, rng, Y_te, theta_te)
    mc, mc_sec, showcase = _mcmc(config, problem, rng, Y_te, theta_te, ctx.progress)
    result = ctx.result("Layer parameters from acoustic reflection: neural inversion vs MCMC vs NPE")
    _metrics(result, names, theta_te, r2, npe_mean, nn, npe, mc, mc_sec, config.n_mcmc_problems)
    # audit
    result.add_audit(_audit(names, r2, (nn, npe, mc)))
    # report
    _tables(result, names, (nn, npe, mc), config)
    _figures(result, sp, theta_te, Y_te, nn_mean, r2, draws, showcase, names)
    result.summary = (
        f"Held-out R² of the neural inversion: {', '.join(f'{n} {v:.4f}' for n, v in zip(names, r2))}. "
        f"90 % coverage: neural ensemble {nn.coverage.mean():.3f}, NPE {npe.coverage.mean():.3f}, MCMC "
        f"{np.mean(mc.coverage):.3f} ({mc.n}/{config.n_mcmc_problems} runs converged). One inversion costs "
        f"{nn.seconds_per_inversion * 1e3:.3g} ms by the network, {npe.seconds_per_inversion * 1e3:.3g} ms by NPE and "
        f"{mc_sec:.3g} s by MCMC ({mc_sec / nn.seconds_per_inversion:.3g} x the network), after "
        f"{nn.seconds_training:.0f} s and {npe.seconds_training:.0f} s of training.")
    return result


def make_problem(config: Config) -> tuple[InverseProblem, scattering.ScatteringParams]:
    sp = scattering.ScatteringParams(n_frequencies=config.n_frequencies, noise_std=config.noise_std)
    lo, hi = sp.bounds.T
    prior = Prior.uniform(lo, hi, names=scattering.PARAMETER_NAMES)
    return InverseProblem(lambda th: scattering.observe(sp, th), prior, config.noise_std, 2 * sp.n_frequencies,
                          "layered-medium"), sp


def _neural(config, ctx, rng, Y_tr, theta_tr, Y_te, theta_te):
    """The deep ensemble ``y -> theta``: held-out mean, per-parameter R^2 and interval coverage."""
    t = time.perf_counter()
    nn = NeuralInversion(n_members=config.nn_members, epochs=config.nn_epochs, seed=int(rng.integers(2**31 - 1)),
                         device=ctx.device).fit(Y_tr, theta_tr)
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    mean, _ = nn.predict_std(Y_te)
    per_s = (time.perf_counter() - t) / config.n_test
    r2 = np.array([r2_score(theta_te[:, j], mean[:, j]) for j in range(theta_te.shape[1])])
    lo, hi = nn.interval(Y_te, LEVEL)
    return Method("neural ensemble", "nn", coverage(lo, hi, theta_te), config.n_test, per_s, train_s), mean, r2


def _npe(config, problem, rng, Y_te, theta_te):
    """NPE trained once (amortised), then sampled for every held-out observation."""
    t = time.perf_counter()
    npe = train_npe(problem, config.n_npe, seed=int(rng.integers(2**31 - 1)))
    train_s = time.perf_counter() - t
    t = time.perf_counter()
    draws = npe.sample_batched(Y_te, 500, seed=int(rng.integers(2**31 - 1)))
    per_s = (time.perf_counter() - t) / config.n_test
    lo, hi = np.quantile(draws, [0.05, 0.95], axis=1)  # the central 90 % (LEVEL) interval
    method = Method("NPE (sbi, amortised)", "npe", coverage(lo, hi, theta_te), config.n_test, per_s, train_s)
    return method, draws, draws.mean(axis=1)


def _mcmc(config, problem, rng, Y_te, theta_te, progress):
    """One MCMC run per problem on the first ``n_mcmc_problems``; coverage over those that converged."""
    k = config.n_mcmc_problems
    lo, hi, sec, ok, showcase = [], [], [], [], None
    for i in tqdm(range(k), disable=not progress, desc="MCMC"):
        res = mcmc(problem, Y_te[i], n_walkers=32, n_steps=config.mcmc_steps, seed=int(rng.integers(2**31 - 1)))
        sec.append(res.seconds)
        try:
            post = res.posterior()
        except NotConvergedError:
            ok.append(False)
            continue
        ok.append(True)
        a, b = post.interval(LEVEL)
        lo.append(a), hi.append(b)
        if showcase is None:
            showcase = (i, post)
    ok = np.array(ok)
    cov = coverage(np.array(lo), np.array(hi), theta_te[:k][ok]) if ok.any() else np.full(theta_te.shape[1], np.nan)
    mean_s = float(np.mean(sec))
    return Method("MCMC (emcee)", "mcmc", cov, int(ok.sum()), mean_s, 0.0), mean_s, showcase


def _metrics(result, names, theta_te, r2, npe_mean, nn, npe, mc, mc_sec, k) -> None:
    m_ = result.add_metric
    m_("r2_min_nn", r2.min())
    for j, n in enumerate(names):
        m_(f"r2_nn_{n}", r2[j])
        m_(f"r2_npe_{n}", r2_score(theta_te[:, j], npe_mean[:, j]))
    m_("coverage_90_nn", nn.coverage.mean())
    m_("coverage_90_npe", npe.coverage.mean())
    if mc.n:
        m_("coverage_90_mcmc", mc.coverage.mean())
    m_("mcmc_converged_fraction", mc.n / k)
    m_("mcmc_refused_problems", k - mc.n)
    m_("seconds_per_inversion_nn", nn.seconds_per_inversion)
    m_("seconds_per_inversion_npe", npe.seconds_per_inversion)
    m_("seconds_per_inversion_mcmc", mc_sec)
    m_("mcmc_over_nn_cost", mc_sec / nn.seconds_per_inversion)
    m_("mcmc_over_npe_cost", mc_sec / npe.seconds_per_inversion)
    m_("seconds_training_nn", nn.seconds_training)
    m_("seconds_training_npe", npe.seconds_training)


def _band(method: Method) -> tuple[float, float]:
    """Binomial band for each parameter's coverage over ``method.n`` problems, Bonferroni over the parameters."""
    return coverage_band(method.n, LEVEL, alpha=ALPHA / len(method.coverage))


def _audit(names, r2, methods) -> Audit:
    a = Audit("scattering inversions")
    for j, n in enumerate(names):
        a.check(f"r2_nn_{n.lower()}", r2[j], ">=", 0.95, f"neural inversion's held-out R² for {n}")
    for method in methods:
        if method.n == 0:
            continue
        low, high = _band(method)
        a.check(f"coverage_90_{method.key}_low", float(method.coverage.min()), ">=", low,
                f"{method.label}: every parameter's 90 % intervals contain the truth in at least "
                f"{round(low * method.n)} of {method.n} problems (binomial band; a calibrated method fails it "
                f"with probability <= {ALPHA:g})")
        a.check(f"coverage_90_{method.key}_high", float(method.coverage.max()), "<=", high,
                f"{method.label}: ... and in at most {round(high * method.n)} of {method.n} (not needlessly wide)")
    return a


def _tables(result, names, methods, config) -> None:
    rows = []
    for method in methods:
        c = float(np.mean(method.coverage))
        if method.n:
            low, high = _band(method)
            ok = bool(np.all((method.coverage >= low) & (method.coverage <= high)))
            band, verdict = f"{low:.3f}-{high:.3f}", "calibrated" if ok else "FAILS the binomial band"
        else:
            band, verdict = "", "no converged run"
        rows.append((method.label, method.n, *(round(float(v), 3) for v in method.coverage), round(c, 3), band,
                     f"{method.seconds_per_inversion:.3g}", f"{method.seconds_training:.3g}", verdict))
    result.add_table("Coverage of 90 % intervals per parameter, and cost (seconds per inversion; training is paid "
                     "once); band: each parameter's acceptance band", ("method", "problems", *names, "mean", "band",
                                                                      "s / inversion", "training s", "verdict"), rows)
    mc = methods[-1]
    k = config.n_mcmc_problems
    result.add_table("Note", ("",), [(f"MCMC coverage is measured on the {mc.n} of {k} problems whose chains "
                                      f"converged ({k - mc.n} refused as not converged; binomial std "
                                      f"{math.sqrt(0.09 / max(mc.n, 1)):.3f}); the neural ensemble and NPE on "
                                      f"{config.n_test}.",)])


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
