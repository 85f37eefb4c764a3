"""Study ``pinn-burgers``: the Burgers benchmark of Raissi, Perdikaris & Karniadakis (2019), forward and inverse.

u_t + u u_x = ν u_xx, x ∈ [−1, 1], t ∈ [0, 1], u(x, 0) = −sin(πx), u(±1, t) = 0, ν = 0.01/π:
a shock forms at x = 0 by t ≈ 0.3 and steepens to a width of ~ν. Forward: a tanh
PINN learns u from the equation alone (the initial and boundary conditions are
built into the network, :mod:`physml.physics.burgers_pinn`), compared with the
exact Cole–Hopf solution (:func:`physml.sim.fluids.burgers.burgers_exact_sine`) on
the benchmark's 256 × 100 grid (the paper's error: 6.7e-4). Inverse: ν unknown,
identified (log-parametrised) together with a second PINN from noisy samples
of the exact solution (Raissi's 1 % noise: Gaussian with 0.01 × std(u)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..data import provenance, write_array, write_hdf5
from ..physics.audit import Audit
from ..physics.burgers_pinn import BURGERS_NU, fit_forward, fit_inverse, predict_grid, standard_grid
from ..physics.pde import burgers_residual, residual_rms
from ..physics.pinn import TrainConfig
from ..result import StudyResult, new_figure
from ..sim.fluids.burgers import burgers_exact_sine
from ..validation import check_int, check_real
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

THREADS = 1
"""A 20-wide network gains little from more torch threads (what the former ``threads`` field set)."""


@dataclass(frozen=True)
class Config:
    """Configuration of ``pinn-burgers`` (forward and inverse PINN)."""

    width: int = 20
    """Neurons per hidden layer (tanh)."""
    depth: int = 8
    """Hidden layers."""
    n_collocation: int = 10000
    """Latin-hypercube collocation points of the forward PINN."""
    n_refine: int = 0
    """Extra points where the residual is largest after Adam (residual-based adaptive refinement)."""
    adam_steps: int = 2000
    adam_lr: float = 1e-3
    lbfgs_steps: int = 10000
    """L-BFGS iterations at most; in float32 it stops earlier, when a step no longer lowers the loss."""
    float64: bool = False
    """Train in float64 (slower per iteration on a CPU) instead of float32."""
    inverse_observations: int = 2000
    """Noisy samples of u, drawn at random from the 256 × 100 grid."""
    inverse_noise: float = 0.01
    """Gaussian noise, as a fraction of the standard deviation of u."""
    inverse_collocation: int = 2000
    inverse_adam_steps: int = 1000
    inverse_lbfgs_steps: int = 5000
    inverse_nu_initial: float = 0.01
    """Starting guess of ν (the truth is 0.01/π ≈ 0.00318)."""

    def __post_init__(self) -> None:
        for name, low in (("width", 1), ("depth", 1), ("n_collocation", 10), ("n_refine", 0), ("adam_steps", 0),
                          ("lbfgs_steps", 0), ("inverse_observations", 10), ("inverse_collocation", 0),
                          ("inverse_adam_steps", 0), ("inverse_lbfgs_steps", 0)):
            check_int(name, getattr(self, name), low)
        check_real("adam_lr", self.adam_lr, 1e-6, 1.0, "")
        check_real("inverse_noise", self.inverse_noise, 0.0, 1.0, "(fraction of std(u))")
        check_real("inverse_nu_initial", self.inverse_nu_initial, 1e-5, 1.0, "")
        if self.inverse_observations > 25600:
            check_int("inverse_observations", self.inverse_observations, 10**9)  # more than the grid holds


QUICK = Config(n_collocation=2000, n_refine=1000, adam_steps=1500, lbfgs_steps=1500, inverse_observations=1000,
               inverse_collocation=1000, inverse_adam_steps=1000, inverse_lbfgs_steps=1500)
"""Measured (seed 0, 1 thread, loaded machine): 92 s CPU, relative L2 4.9e-3, ν 1.5 % off. Without the 1,000
refinement points, 2,500 uniform points let the network settle on a wrong shock (relative L2 0.13)."""


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: the exact solution on the benchmark grid, noisy samples of it for the inverse problem
    # (the PINNs train on the CPU whatever the device: small dense nets, many small ops)
    dtype = torch.float64 if config.float64 else torch.float32
    x, t = standard_grid()
    exact = burgers_exact_sine(x[None, :], t[:, None], BURGERS_NU)
    seeds = ctx.rng().integers(2**31, size=3)
    T, X = np.meshgrid(t, x, indexing="ij")
    obs = np.random.default_rng(seeds[1]).choice(X.size, config.inverse_observations, replace=False)
    x_obs = np.column_stack([X.ravel()[obs], T.ravel()[obs]])
    u_clean = exact.ravel()[obs]
    u_obs = u_clean + config.inverse_noise * np.std(u_clean) * np.random.default_rng(seeds[2]).standard_normal(
        u_clean.size)
    # fit: forward (the equation alone) and inverse (ν from the noisy samples)
    fwd = fit_forward(width=config.width, depth=config.depth, n_collocation=config.n_collocation,
                      n_refine=config.n_refine, seed=int(seeds[0]), dtype=dtype, progress=ctx.progress,
                      train=TrainConfig(adam_steps=config.adam_steps, adam_lr=config.adam_lr,
                                        lbfgs_steps=config.lbfgs_steps, log_every=100))
    inv = fit_inverse(x_obs, u_obs, nu_initial=config.inverse_nu_initial, width=config.width,
                      depth=config.depth, n_collocation=config.inverse_collocation, seed=int(seeds[0]),
                      dtype=dtype, progress=ctx.progress,
                      train=TrainConfig(adam_steps=config.inverse_adam_steps, adam_lr=config.adam_lr,
                                        lbfgs_steps=config.inverse_lbfgs_steps, log_every=100))
    # evaluate: against Cole–Hopf on the grid, the residual there, the identified ν
    pred = predict_grid(fwd.net, x, t)
    grid_pts = torch.tensor(np.column_stack([X.ravel(), T.ravel()]), dtype=dtype)
    res_rms = residual_rms(lambda p: burgers_residual(fwd.net, p, BURGERS_NU), grid_pts)
    rel_l2 = float(np.linalg.norm(pred - exact) / np.linalg.norm(exact))
    nu_id = float(inv.nu)
    nu_err = abs(nu_id - BURGERS_NU) / BURGERS_NU
    result = ctx.result("Physics-informed neural network for Burgers' equation (ν = 0.01/π)", device="cpu",
                        nu=BURGERS_NU)
    m = result.add_metric
    m("rel_l2_forward", rel_l2)
    m("max_abs_error_forward", float(np.max(np.abs(pred - exact))))
    m("residual_rms_forward", res_rms)
    m("nu_true", BURGERS_NU)
    m("nu_identified", nu_id)
    m("nu_rel_error", nu_err)
    m("forward_lbfgs_iterations", fwd.history.lbfgs_iterations)
    m("forward_loss_evaluations", fwd.history.loss_evaluations)
    m("forward_final_loss", fwd.history.final_loss)
    # audit
    a = Audit("forward Burgers PINN")
    a.check("rel_l2_vs_exact", rel_l2, "<=", 1e-3, "relative L2 error vs Cole–Hopf on the 256×100 grid "
            "(paper: 6.7e-4)")
    a.check("initial_condition_error", float(np.max(np.abs(pred[0] - exact[0]))), "<=", 1e-6,
            "u(x, 0) = −sin(πx), built into the network (round-off only)")
    a.check("boundary_error", float(np.max(np.abs(pred[:, [0, -1]]))), "<=", 1e-6, "u(±1, t) = 0, built in")
    a.check("residual_rms_grid", res_rms, "<=", 0.05, "RMS Burgers residual on the evaluation grid "
            "(the training points are different points)")
    result.add_audit(a)
    b = Audit("inverse Burgers PINN")
    b.check("nu_rel_error", nu_err, "<=", 0.01, f"ν identified from {config.inverse_observations} samples "
            f"with {config.inverse_noise:.0%} noise, within 1 % of 0.01/π")
    result.add_audit(b)
    # report
    result.add_table("Forward and inverse PINN", ("quantity", "value"), (
        ("relative L2 error (forward)", f"{rel_l2:.3e}"), ("paper (Raissi et al. 2019)", "6.7e-04"),
        ("ν identified", f"{nu_id:.6f}"), ("ν true", f"{BURGERS_NU:.6f}"), ("ν relative error", f"{nu_err:.2e}"),
        ("forward Adam + L-BFGS iterations", f"{fwd.history.adam_iterations} + {fwd.history.lbfgs_iterations}")))
    _figures(result, x, t, exact, pred, fwd.history, inv)
    result.artifacts["prediction.h5"] = lambda path: _write_prediction(path, x, t, pred, config, ctx.seed)
    result.summary = (
        f"Forward PINN: relative L2 error {rel_l2:.2e} against the exact solution on the 256×100 grid "
        f"(paper 6.7e-4), {fwd.history.adam_iterations} Adam + {fwd.history.lbfgs_iterations} L-BFGS iterations. "
        f"Inverse PINN: ν = {nu_id:.6f} vs {BURGERS_NU:.6f} "
        f"({nu_err:.2%} off) from {config.inverse_observations} samples with {config.inverse_noise:.0%} noise.")
    return result


def _write_prediction(path, x, t, u, config: Config, seed: int) -> None:
    def fill(f) -> None:
        for name, arr, unit in (("x", x, "1"), ("t", t, "1"), ("u", u, "1")):
            write_array(f, name, arr, unit, compression=None)
        f["u"].attrs["axes"] = "t, x"
        for k, v in provenance("pinn-burgers", asdict(config), seed).items():
            f.attrs[k] = v

    write_hdf5(path, fill)


def _figures(result: StudyResult, x, t, exact, pred, hist, inv) -> None:
    ext = (x[0], x[-1], t[0], t[-1])
    fig = new_figure(figsize=(13, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, data, title in ((axes[0], exact, "exact (Cole–Hopf)"), (axes[1], pred, "PINN")):
        im = ax.imshow(data, origin="lower", aspect="auto", extent=ext, cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set(title=title, xlabel="x", ylabel="t")
    fig.colorbar(im, ax=axes[:2], label="u")
    err = np.abs(pred - exact)
    im = axes[2].imshow(err, origin="lower", aspect="auto", extent=ext, cmap="magma")
    axes[2].set(title="|PINN − exact|", xlabel="x", ylabel="t")
    fig.colorbar(im, ax=axes[2])
    result.add_figure("prediction_vs_exact", fig, "Exact solution, forward PINN prediction and their absolute "
                      "difference: the error sits at the shock (x = 0).")
    fig = new_figure(figsize=(12, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    for ax, ts in zip(axes, (0.25, 0.5, 0.75)):
        i = int(np.argmin(np.abs(t - ts)))
        ax.plot(x, exact[i], "k-", lw=2, label="exact")
        ax.plot(x, pred[i], "r--", lw=1.5, label="PINN")
        ax.set(title=f"t = {t[i]:.2f}", xlabel="x")
    axes[0].set_ylabel("u")
    axes[0].legend()
    result.add_figure("slices", fig, "Slices at t ≈ 0.25, 0.5, 0.75 (nearest grid times): PINN against exact.")
    fig = new_figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    axes[0].semilogy(hist.iteration, hist.loss, label="forward (residual)")
    axes[0].semilogy(inv.history.iteration, inv.history.loss, label="inverse (data + residual)")
    n_adam = hist.adam_iterations
    axes[0].axvline(n_adam, color="grey", ls=":", label="Adam → L-BFGS (forward)")
    axes[0].set(xlabel="iteration", ylabel="loss", title="Loss history")
    axes[0].legend()
    axes[1].plot(inv.history.iteration, inv.nu_history, "b-")
    axes[1].axhline(BURGERS_NU, color="k", ls="--", label="true ν = 0.01/π")
    axes[1].set(xlabel="iteration", ylabel="ν", yscale="log", title="Inverse PINN: identified ν")
    axes[1].legend()
    result.add_figure("loss_history", fig, "Training loss (Adam, then L-BFGS) and the viscosity identified by the "
                      "inverse PINN along training.")
