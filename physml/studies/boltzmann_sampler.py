"""Study ``boltzmann-sampler``: generative models that sample a Boltzmann distribution, judged by exact free energies.

Two samplers with an exact ``log q``, both trained by reverse KL (no samples of the target), both judged by
importance weights ``w = exp(-beta E) / q``:

* a normalising flow (rational-quadratic spline couplings, :class:`physml.generative.NeuralSplineFlow`, or
  affine ones, :class:`physml.generative.RealNVP`) on a tilted 2D double well: the normalised effective
  sample size and the free-energy difference between the wells, ``-ln(sum_{x>0} w / sum_{x<0} w)``, against
  quadrature;
* a variational autoregressive network (Wu, Wang & Zhang 2019; :class:`physml.generative.AutoregressiveIsing`,
  symmetric under the global spin flip) on the periodic L x L Ising model at several beta: the variational free
  energy per spin ``F_q`` (an upper bound) and the importance-reweighted one against Kaufman's exact finite-lattice
  value (:func:`physml.sim.ising.kaufman_free_energy`); the reweighted energy against Kaufman's exact energy,
  and energy and ``|m|`` against physml's Monte Carlo (Wolff / Metropolis, block-averaged errors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..generative import DoubleWell, importance_summary, ising_energy, reweighted_mean, seeded
from ..physics.audit import Audit
from ..result import StudyResult, new_figure
from ..sim import ising
from ..validation import Int, OneOf, Real, validate_fields
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]


@dataclass(frozen=True)
class Config:
    """Configuration of ``boltzmann-sampler``."""

    well_barrier: float = 2.5
    """Double well: barrier height at x = 0 in k_B T."""
    well_tilt: float = 0.5
    """Double well: tilt in k_B T per unit x (the right well is lower)."""
    flow: str = "spline"
    """Flow: 'spline' (rational-quadratic spline couplings, Durkan et al. 2019) or 'realnvp' (affine couplings,
    Dinh et al. 2017; 8 layers or more advised: one affine coupling cannot split a mode in two)."""
    flow_layers: int = 4
    """Coupling layers of the flow."""
    flow_hidden: int = 32
    """Hidden units of each coupling's network (two hidden layers)."""
    flow_bins: int = 8
    """Spline bins per coordinate on [-4, 4] (spline flow only)."""
    flow_steps: int = 800
    """Reverse-KL training steps of the flow."""
    flow_batch: int = 512
    """Samples per flow training step."""
    flow_lr: float = 3e-3
    """Adam learning rate of the flow (cosine decay)."""
    flow_samples: int = 200_000
    """Flow samples drawn for the importance-weighted estimates."""
    L: int = 8
    """Ising lattice side (periodic L x L)."""
    betas: tuple[float, ...] = (0.3, 0.44, 0.6)
    """Inverse temperatures (J = k_B = 1) at which an autoregressive network is trained."""
    van_depth: int = 0
    """Hidden masked layers of the autoregressive network (0: one masked dense layer, Wu et al.'s 'dense')."""
    van_width: int = 2
    """Hidden units per site of each hidden masked layer (used when van_depth > 0)."""
    van_steps: int = 1500
    """Reverse-KL (score-function) training steps per beta."""
    van_batch: int = 512
    """Configurations per training step."""
    van_lr: float = 3e-3
    """Adam learning rate of the autoregressive network (cosine decay)."""
    van_samples: int = 100_000
    """Configurations drawn per beta for the reweighted estimates."""
    mc_samples: int = 4000
    """Monte Carlo configurations per beta (10 sweeps apart) for the reference observables."""

    def __post_init__(self) -> None:
        validate_fields(self, {
            "well_barrier": Real(0.0, 20.0, closed="right"), "well_tilt": Real(0.0, 5.0),
            "flow": OneOf("spline", "realnvp"), "flow_layers": Int(2, 64), "flow_bins": Int(2, 64),
            "flow_lr": Real(0.0, 1.0, closed="right"), "flow_hidden": Int(4, 4096), "flow_steps": Int(1),
            "flow_batch": Int(8),
            "flow_samples": Int(1000), "L": Int(4, 16), "van_depth": Int(0, 8), "van_width": Int(1, 64),
            "van_steps": Int(1), "van_batch": Int(8), "van_lr": Real(0.0, 1.0, closed="right"),
            "van_samples": Int(1000), "mc_samples": Int(100)})
        if self.L % 2:
            raise ParameterError.invalid("L", self.L, "an even integer in [4, 16]")
        b = self.betas
        if isinstance(b, (str, bytes)) or not hasattr(b, "__iter__") or not len(tuple(b)) or any(
                isinstance(x, bool) or not isinstance(x, (int, float)) or not 0.05 <= x <= 2.0 for x in b):
            raise ParameterError.invalid("betas", b, "a non-empty list of inverse temperatures in [0.05, 2]")
        object.__setattr__(self, "betas", tuple(float(x) for x in b))


QUICK = Config(flow_steps=400, flow_batch=256, flow_samples=50_000, van_steps=1000, van_batch=256,
               van_samples=30_000, mc_samples=1000)

#: the issue's "must show" thresholds
MIN_ESS, MAX_DF_ERR, MAX_REWEIGHTED_REL, MAX_VARIATIONAL_REL = 0.5, 0.05, 1e-3, 1e-2


# ------------------------------------------------------------------------------------------------ double well
def _double_well(config: Config, ctx: StudyContext) -> dict:
    import torch

    from ..generative import NeuralSplineFlow, RealNVP, train_flow

    well = DoubleWell(config.well_barrier, config.well_tilt)
    if config.flow == "spline":
        def build():
            return NeuralSplineFlow(2, config.flow_layers, config.flow_hidden, config.flow_bins)
    else:
        def build():
            return RealNVP(2, config.flow_layers, config.flow_hidden)
    flow = seeded(build, ctx.seed).to(ctx.device)
    gen = ctx.torch_generator(1)
    history = train_flow(flow, well.energy, steps=config.flow_steps, batch=config.flow_batch, lr=config.flow_lr,
                         generator=gen)
    xs, log_w = [], []
    with torch.no_grad():
        for start in range(0, config.flow_samples, 50_000):
            x, log_q = flow.sample(min(50_000, config.flow_samples - start), gen)
            xs.append(x.double().cpu().numpy())
            log_w.append((-well.energy(x.double()) - log_q.double()).cpu().numpy())
    x, log_w = np.concatenate(xs), np.concatenate(log_w)
    summary = importance_summary(log_w)
    right = x[:, 0] > 0
    lw_r, lw_l = log_w[right], log_w[~right]
    from scipy.special import logsumexp

    dF = -(logsumexp(lw_r) - logsumexp(lw_l))
    # delta method: relative errors of the two partial sums of weights, which are correlated only through n
    p = np.exp(log_w - log_w.max())
    n = len(p)
    rel = [math.sqrt(max(n * np.sum(q * q) / np.sum(q) ** 2 - 1.0, 0.0) / n) for q in (p[right], p[~right])]
    exact = well.free_energy_difference()
    return {"well": well, "x": x, "log_w": log_w, "summary": summary, "dF": dF, "dF_stderr": math.hypot(*rel),
            "dF_exact": exact, "log_z_exact": well.log_partition(), "history": history}


# ------------------------------------------------------------------------------------------------ Ising
def _block_stderr(a: np.ndarray, blocks: int = 20) -> float:
    """Standard error of the mean from ``blocks`` consecutive block means (autocorrelated chains)."""
    k = len(a) // blocks
    means = a[: k * blocks].reshape(blocks, k).mean(axis=1)
    return float(means.std(ddof=1) / math.sqrt(blocks))


def _monte_carlo(config: Config, ctx: StudyContext) -> dict[float, dict[str, float]]:
    params = ising.IsingParams(L=config.L, temperatures=tuple(1.0 / b for b in config.betas),
                               samples=config.mc_samples, equilibration_sweeps=1000, decorrelation_sweeps=10)
    ds = ising.simulate(params, seed=ctx.rng(2))
    out = {}
    for k, beta in enumerate(config.betas):
        sl = slice(k * config.mc_samples, (k + 1) * config.mc_samples)
        e, m = ds["energy"][sl], np.abs(ds["magnetization"][sl])
        out[beta] = {"e": float(e.mean()), "e_se": _block_stderr(e), "m": float(m.mean()), "m_se": _block_stderr(m)}
    return out


def _autoregressive(config: Config, ctx: StudyContext, k: int, beta: float) -> dict:
    import torch

    from ..generative import AutoregressiveIsing, train_autoregressive

    L, N = config.L, config.L**2
    model = seeded(lambda: AutoregressiveIsing(N, depth=config.van_depth, width=config.van_width),
                   ctx.seed * 1000 + k).to(ctx.device)
    gen = ctx.torch_generator(10 + k)

    def energy(s):
        return ising_energy(s, L)

    history = train_autoregressive(model, energy, beta=beta, steps=config.van_steps, batch=config.van_batch,
                                   lr=config.van_lr, generator=gen)
    log_w, e, m = [], [], []
    with torch.no_grad():
        for start in range(0, config.van_samples, 10_000):
            s, log_q = model.sample(min(10_000, config.van_samples - start), gen)
            E = energy(s).double()
            log_w.append((-beta * E - log_q.double()).cpu().numpy())
            e.append((E / N).cpu().numpy())
            m.append(s.double().mean(1).abs().cpu().numpy())
    log_w, e, m = np.concatenate(log_w), np.concatenate(e), np.concatenate(m)
    summary = importance_summary(log_w)
    T = 1.0 / beta
    exact_f = ising.kaufman_free_energy(L, T)
    e_rw, e_se = reweighted_mean(e, log_w)
    m_rw, m_se = reweighted_mean(m, log_w)
    return {"beta": beta, "history": history / beta / N, "ess": summary.ess,
            "f_var": summary.variational * T / N, "f_rw": -summary.log_z * T / N,
            "f_rw_se": summary.log_z_stderr * T / N, "f_exact": exact_f,
            "e_rw": e_rw, "e_rw_se": e_se, "e_exact": ising.kaufman_energy(L, T), "m_rw": m_rw, "m_rw_se": m_se}


# ------------------------------------------------------------------------------------------------ study
def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate + fit: the flow on the double well, the autoregressive network at each beta, Monte Carlo references
    dw = _double_well(config, ctx)
    mc = _monte_carlo(config, ctx)
    vans = [_autoregressive(config, ctx, k, beta) for k, beta in enumerate(config.betas)]
    # evaluate and audit
    result = ctx.result("Boltzmann samplers: a flow on a double well, an autoregressive network on the Ising model")
    audit = Audit("normalising flow on the tilted double well")
    dF_err = abs(dw["dF"] - dw["dF_exact"])
    audit.check("double_well_ess", dw["summary"].ess, ">=", MIN_ESS, "normalised effective sample size of the flow")
    audit.check("double_well_df_abs_err", dF_err, "<=", MAX_DF_ERR,
                "|F_right - F_left from importance weights - quadrature| in k_B T")
    result.add_audit(audit)
    for name, v in (("double_well_df", dw["dF"]), ("double_well_df_exact", dw["dF_exact"]),
                    ("double_well_df_stderr", dw["dF_stderr"]),
                    ("double_well_kl", dw["summary"].variational + dw["log_z_exact"])):
        result.add_metric(name, v)
    van_audit = Audit(f"autoregressive network on the {config.L}x{config.L} Ising model")
    rows = []
    for v in vans:
        tag = f"b{round(v['beta'] * 100):03d}"
        rel_rw = abs(v["f_rw"] - v["f_exact"]) / abs(v["f_exact"])
        rel_var = (v["f_var"] - v["f_exact"]) / abs(v["f_exact"])
        ref = mc[v["beta"]]
        z_e_exact = abs(v["e_rw"] - v["e_exact"]) / v["e_rw_se"]
        z_e = abs(v["e_rw"] - ref["e"]) / math.hypot(v["e_rw_se"], ref["e_se"])
        z_m = abs(v["m_rw"] - ref["m"]) / math.hypot(v["m_rw_se"], ref["m_se"])
        van_audit.check(f"{tag}_f_reweighted_rel_err", rel_rw, "<=", MAX_REWEIGHTED_REL,
                        f"|reweighted F/N - Kaufman| / |Kaufman| at beta = {v['beta']:g}")
        van_audit.check(f"{tag}_f_variational_rel_err", rel_var, "<=", MAX_VARIATIONAL_REL,
                        f"(F_q/N - Kaufman) / |Kaufman| at beta = {v['beta']:g} (>= 0: a variational bound)")
        van_audit.check(f"{tag}_f_variational_bound", rel_var, ">=", -4 * v["f_rw_se"] / abs(v["f_exact"]) - 1e-12,
                        "F_q is not below the exact F (beyond sampling noise)")
        van_audit.check(f"{tag}_energy_vs_exact_z", z_e_exact, "<=", 4.0,
                        "|reweighted <e> - Kaufman's exact <e>| in standard errors")
        van_audit.check(f"{tag}_energy_vs_mc_z", z_e, "<=", 4.0,
                        "|reweighted <e> - Monte Carlo <e>| in standard errors")
        van_audit.check(f"{tag}_abs_m_vs_mc_z", z_m, "<=", 4.0,
                        "|reweighted <|m|> - Monte Carlo <|m|>| in standard errors")
        for key in ("ess", "f_var", "f_rw", "f_exact", "e_rw", "m_rw"):
            result.add_metric(f"{tag}_{key}", v[key])
        result.add_metric(f"{tag}_mc_e", ref["e"])
        result.add_metric(f"{tag}_mc_abs_m", ref["m"])
        rows.append((f"{v['beta']:g}", f"{v['f_exact']:.6f}", f"{v['f_var']:.6f}", f"{rel_var:.2e}",
                     f"{v['f_rw']:.6f} ± {v['f_rw_se']:.1e}", f"{rel_rw:.2e}", f"{v['ess']:.3f}",
                     f"{v['e_rw']:.4f} ± {v['e_rw_se']:.4f}", f"{v['e_exact']:.4f}",
                     f"{ref['e']:.4f} ± {ref['e_se']:.4f}",
                     f"{v['m_rw']:.4f} ± {v['m_rw_se']:.4f}", f"{ref['m']:.4f} ± {ref['m_se']:.4f}"))
    result.add_audit(van_audit)
    # report
    result.add_table(f"Ising {config.L}x{config.L}: free energy per spin and observables",
                     ("beta", "F/N exact (Kaufman)", "F_q/N variational", "rel. err", "F/N reweighted", "rel. err",
                      "ESS", "<e> reweighted", "<e> exact", "<e> MC", "<|m|> reweighted", "<|m|> MC"), rows)
    result.add_table("Double well", ("quantity", "value"), [
        ("barrier, tilt (k_B T)", f"{config.well_barrier:g}, {config.well_tilt:g}"),
        ("normalised ESS", f"{dw['summary'].ess:.3f}"),
        ("dF reweighted (k_B T)", f"{dw['dF']:.4f} ± {dw['dF_stderr']:.4f}"),
        ("dF quadrature (k_B T)", f"{dw['dF_exact']:.4f}"),
        ("KL(q||p) (nats)", f"{dw['summary'].variational + dw['log_z_exact']:.4f}")])
    _figures(result, config, dw, vans)
    result.summary = (f"Flow on the double well: ESS {dw['summary'].ess:.2f}, dF {dw['dF']:.3f} vs "
                      f"{dw['dF_exact']:.3f} k_B T (quadrature). Autoregressive network, Ising "
                      f"{config.L}x{config.L}: " + "; ".join(
                          f"beta {v['beta']:g}: F_q {100 * (v['f_var'] - v['f_exact']) / abs(v['f_exact']):.2f} %, "
                          f"reweighted {100 * (v['f_rw'] - v['f_exact']) / abs(v['f_exact']):+.3f} % of Kaufman"
                          for v in vans) + ".")
    return result


def _figures(result: StudyResult, config: Config, dw: dict, vans: list[dict]) -> None:
    fig = new_figure(figsize=(10, 3.5))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    x = dw["x"][:5000]
    grid = np.linspace(-2.2, 2.2, 200)
    gx, gy = np.meshgrid(grid, np.linspace(-3, 3, 150))
    U = dw["well"].energy(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax1.contour(gx, gy, U, levels=np.arange(-1, 8), colors="0.6", linewidths=0.7)
    ax1.plot(x[:, 0], x[:, 1], ".", ms=1, alpha=0.4)
    ax1.set(xlabel="x", ylabel="y", title="flow samples on beta U contours")
    w = np.exp(dw["log_w"] - dw["log_w"].max())
    ax2.hist(dw["x"][:, 0], bins=120, range=(-2.2, 2.2), density=True, histtype="step", label="flow q")
    ax2.hist(dw["x"][:, 0], bins=120, range=(-2.2, 2.2), weights=w, density=True, histtype="step",
             label="reweighted")
    ax2.plot(grid, dw["well"].x_density(grid), "k--", lw=1, label="exact")
    ax2.set(xlabel="x", ylabel="density")
    ax2.legend(fontsize=7)
    ax3.plot(dw["history"])
    ax3.set(xlabel="step", ylabel="beta F_q (at the annealed beta)", title="flow training")
    result.add_figure("double_well", fig, f"{config.flow} flow on the tilted double well: samples, the x marginal "
                      "before and after reweighting against the exact one, and the reverse-KL training curve.")
    fig = new_figure(figsize=(5, 3.5))
    ax = fig.subplots()
    for v in vans:
        h = v["history"]
        tail = slice(len(h) // 2, None)  # after annealing: the variational free energy at the target beta
        steps = np.arange(len(h))[tail]
        ax.plot(steps, (h[tail] - v["f_exact"]) / abs(v["f_exact"]), lw=0.8, label=f"beta = {v['beta']:g}")
    ax.axhline(MAX_VARIATIONAL_REL, color="k", ls=":", lw=1, label="1 % threshold")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set(yscale="symlog", xlabel="step", ylabel="(F_q - F_exact) / |F_exact|")
    ax.legend(fontsize=7)
    result.add_figure("van_training", fig, f"Autoregressive network on the {config.L}x{config.L} Ising model: "
                      "relative excess of the batch's variational free energy over Kaufman's exact value, "
                      "after the beta anneal.")
