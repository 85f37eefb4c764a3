"""Study ``inverse-scattering``: a sediment layer and the rock beneath it from noisy acoustic reflection data.

Forward model: ``physml.sim.scattering`` (transfer matrix; tested against the single
interface, the quarter-wave layer and energy conservation). Unknown: the layer's impedance
and thickness and the substrate's impedance, uniform prior box; data: Re and Im of the
reflection coefficient at ``n_frequencies`` frequencies with Gaussian noise. Three inversions:

* **neural inversion**: a deep ensemble of MLPs ``y -> theta`` trained on simulations
  (``physml.inverse.NeuralInversion``); accuracy as held-out R^2 per parameter;
* **MCMC** (emcee) on the exact likelihood, one run per observation, with its verdict;
* **NPE** (``sbi``), amortised: trained once on simulations, then sampled for any observation.

For each: accuracy, 90 % interval coverage over simulated problems, and the cost of one
inversion (training costs are reported separately: they are paid once).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from ..errors import ParameterError  # noqa: E402
from ..inverse import InverseProblem, NeuralInversion, NotConvergedError, Prior, coverage, mcmc, train_npe  # noqa: E402
from ..physics.audit import Audit  # noqa: E402
from ..result import StudyResult, Table  # noqa: E402
from ..sim import scattering  # noqa: E402

__all__ = ["Config", "QUICK", "run", "make_problem"]


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


def make_problem(config: Config) -> tuple[InverseProblem, scattering.ScatteringParams]:
    sp = scattering.ScatteringParams(n_frequencies=config.n_frequencies, noise_std=config.noise_std)
    lo, hi = sp.bounds.T
    prior = Prior.uniform(lo, hi, names=scattering.PARAMETER_NAMES)
    return InverseProblem(lambda th: scattering.observe(sp, th), prior, config.noise_std, 2 * sp.n_frequencies,
                          "layered-medium"), sp


def run(config: Config, *, seed: int = 0, progress: bool = True, device: str = "auto") -> StudyResult:
    t_start = time.perf_counter()
    problem, sp = make_problem(config)
    rng = np.random.default_rng(seed)
    names = problem.prior.names
    theta_tr, Y_tr = problem.simulate(config.n_train, rng)
    theta_te, Y_te = problem.simulate(config.n_test, rng)

    # -- neural inversion ------------------------------------------------------------------------
    t = time.perf_counter()
    nn = NeuralInversion(n_members=config.nn_members, epochs=config.nn_epochs, seed=int(rng.integers(2**31 - 1)),
                         device="cpu" if device == "auto" else device).fit(Y_tr, theta_tr)
    nn_train_s = time.perf_counter() - t
    t = time.perf_counter()
    nn_mean, nn_std = nn.predict_std(Y_te)
    nn_s = (time.perf_counter() - t) / config.n_test
    r2 = np.array([r2_score(theta_te[:, j], nn_mean[:, j]) for j in range(3)])
    nn_lo, nn_hi = nn.interval(Y_te, 0.9)
    cov_nn = coverage(nn_lo, nn_hi, theta_te)

    # -- NPE, amortised --------------------------------------------------------------------------
    t = time.perf_counter()
    npe = train_npe(problem, config.n_npe, seed=int(rng.integers(2**31 - 1)))
    npe_train_s = time.perf_counter() - t
    t = time.perf_counter()
    draws = npe.sample_batched(Y_te, 500, seed=int(rng.integers(2**31 - 1)))
    npe_s = (time.perf_counter() - t) / config.n_test
    npe_lo, npe_hi = np.quantile(draws, [0.05, 0.95], axis=1)
    cov_npe = coverage(npe_lo, npe_hi, theta_te)
    npe_mean = draws.mean(axis=1)

    # -- MCMC on the first n_mcmc_problems held-out problems -------------------------------------
    k = config.n_mcmc_problems
    mc_lo, mc_hi, mc_mean, mc_sec, mc_ok, showcase = [], [], [], [], [], None
    for i in tqdm(range(k), disable=not progress, desc="MCMC"):
        res = mcmc(problem, Y_te[i], n_walkers=32, n_steps=config.mcmc_steps, seed=int(rng.integers(2**31 - 1)))
        mc_sec.append(res.seconds)
        try:
            post = res.posterior()
        except NotConvergedError:
            mc_ok.append(False)
            continue
        mc_ok.append(True)
        lo, hi = post.interval(0.9)
        mc_lo.append(lo), mc_hi.append(hi), mc_mean.append(post.mean)
        if showcase is None:
            showcase = (i, post)
    ok = np.array(mc_ok)
    cov_mc = coverage(np.array(mc_lo), np.array(mc_hi), theta_te[:k][ok]) if ok.any() else np.full(3, np.nan)

    # -- report ----------------------------------------------------------------------------------
    result = StudyResult("inverse-scattering", {**asdict(config), "seed": seed, "device": device},
                         title="Layer parameters from acoustic reflection: neural inversion vs MCMC vs NPE")
    m_ = result.add_metric
    m_("r2_min_nn", r2.min())
    for j, n in enumerate(names):
        m_(f"r2_nn_{n}", r2[j])
        m_(f"r2_npe_{n}", r2_score(theta_te[:, j], npe_mean[:, j]))
    m_("coverage_90_nn", cov_nn.mean())
    m_("coverage_90_npe", cov_npe.mean())
    if ok.any():
        m_("coverage_90_mcmc", cov_mc.mean())
    m_("mcmc_converged_fraction", ok.mean())
    m_("mcmc_refused_problems", int(k - ok.sum()))
    m_("seconds_per_inversion_nn", nn_s)
    m_("seconds_per_inversion_npe", npe_s)
    m_("seconds_per_inversion_mcmc", float(np.mean(mc_sec)))
    m_("mcmc_over_nn_cost", float(np.mean(mc_sec)) / nn_s)
    m_("mcmc_over_npe_cost", float(np.mean(mc_sec)) / npe_s)
    m_("seconds_training_nn", nn_train_s)
    m_("seconds_training_npe", npe_train_s)
    a = Audit("scattering inversions")
    for j, n in enumerate(names):
        a.check(f"r2_nn_{n.lower()}", r2[j], ">=", 0.95, f"neural inversion's held-out R² for {n}")
    rows = []
    for label, cov, n_prob, sec, train in (("neural ensemble", cov_nn, config.n_test, nn_s, nn_train_s),
                                           ("NPE (sbi, amortised)", cov_npe, config.n_test, npe_s, npe_train_s),
                                           ("MCMC (emcee)", cov_mc, int(ok.sum()), float(np.mean(mc_sec)), 0.0)):
        c = float(np.mean(cov))
        verdict = "calibrated" if 0.85 <= c <= 0.95 else "FAILS the 85-95 % band"
        rows.append((label, n_prob, *(round(float(v), 3) for v in cov), round(c, 3), f"{sec:.3g}",
                     f"{train:.3g}", verdict))
        key = label.split()[0].lower().replace("neural", "nn")
        if math.isfinite(c):
            a.check(f"coverage_90_{key}_in_band", float(0.85 <= c <= 0.95), ">=", 1.0,
                    f"{label}: 90 % intervals contain the truth in 85-95 % of problems (measured {c:.3f})")
    result.audits.append(a)
    result.metrics.update(a.to_metrics())
    result.tables.append(Table("Coverage of 90 % intervals per parameter, and cost (seconds per inversion; "
                               "training is paid once)", ("method", "problems", *names, "mean", "s / inversion",
                                                          "training s", "verdict"), tuple(rows)))
    result.tables.append(Table("Note", ("",), ((f"MCMC coverage is measured on the {int(ok.sum())} of {k} problems "
                                                 f"whose chains converged ({k - int(ok.sum())} refused as not "
                                                 f"converged; binomial std {math.sqrt(0.09 / max(ok.sum(), 1)):.3f}); "
                                                 f"the neural ensemble and NPE on {config.n_test}.",),)))
    _figures(result, sp, theta_te, Y_te, nn_mean, r2, draws, showcase, names)
    result.summary = (
        f"Held-out R² of the neural inversion: {', '.join(f'{n} {v:.4f}' for n, v in zip(names, r2))}. "
        f"90 % coverage: neural ensemble {cov_nn.mean():.3f}, NPE {cov_npe.mean():.3f}, MCMC "
        f"{np.mean(cov_mc):.3f} ({int(ok.sum())}/{k} runs converged). One inversion costs "
        f"{nn_s * 1e3:.3g} ms by the network, {npe_s * 1e3:.3g} ms by NPE and {np.mean(mc_sec):.3g} s by MCMC "
        f"({np.mean(mc_sec) / nn_s:.3g} x the network), after {nn_train_s:.0f} s and {npe_train_s:.0f} s of training.")
    m_("study_seconds", time.perf_counter() - t_start)
    return result


def _figures(result, sp, theta, Y, nn_mean, r2, draws, showcase, names) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for j, ax in enumerate(axes):
        ax.plot(theta[:, j], nn_mean[:, j], ".", ms=2, alpha=0.5)
        lims = [theta[:, j].min(), theta[:, j].max()]
        ax.plot(lims, lims, "k--", lw=1)
        ax.set_xlabel(f"true {names[j]}"), ax.set_ylabel("neural inversion"), ax.set_title(f"R² = {r2[j]:.4f}")
    result.add_figure("nn_parity", fig, "Held-out parity of the neural inversion (ensemble mean) per parameter.")
    if showcase is None:
        return
    i, post = showcase
    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
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
