"""Study ``pinn-continuity``: a 2D incompressible flow from sparse velocity data, with and without physics.

Kovasznay flow (Kovasznay 1948), an exact steady solution of the 2D incompressible
Navier–Stokes equations behind a grid of cylinders, at Reynolds number Re:
u = 1 − e^{λx} cos 2πy, v = λ/(2π) e^{λx} sin 2πy, p = (1 − e^{2λx})/2,
λ = Re/2 − √(Re²/4 + 4π²), on x ∈ [−0.5, 1], y ∈ [−0.5, 1.5]. The same network
learns the velocity from a few noisy samples three ways: data only; data plus the
continuity equation ∇·u = 0 at collocation points; data plus continuity and the
steady momentum equations (the network also outputs the pressure, which is never
observed). Reported for each: the ∇·u residual and the velocity error on a grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..physics.audit import Audit
from ..physics.pde import divergence, navier_stokes_residual, residual_rms
from ..physics.pinn import PINNNet, TrainConfig, sample_points, train_pinn
from ..result import StudyResult, new_figure
from ..sim.fluids.kovasznay import kovasznay
from ..validation import check_int, check_real
from ._runner import StudyContext

__all__ = ["Config", "QUICK", "run"]

THREADS = 1
"""Small dense networks, many small ops: one torch thread (what the former ``threads`` field set)."""
BOUNDS = ((-0.5, 1.0), (-0.5, 1.5))
VARIANTS = ("data only", "data + continuity", "data + continuity + momentum")
KEYS = dict(zip(VARIANTS, ("data_only", "continuity", "navier_stokes")))


@dataclass(frozen=True)
class Config:
    """Configuration of ``pinn-continuity``."""

    reynolds: float = 20.0
    n_data: int = 40
    """Velocity samples (Latin hypercube over the domain)."""
    noise: float = 0.01
    """Gaussian noise on each sampled velocity component, as a fraction of the speed's standard deviation."""
    n_collocation: int = 2000
    width: int = 32
    depth: int = 4
    adam_steps: int = 2000
    lbfgs_steps: int = 2000
    physics_weight: float = 1.0

    def __post_init__(self) -> None:
        check_real("reynolds", self.reynolds, 1.0, 100.0, "")
        check_int("n_data", self.n_data, 5)
        check_real("noise", self.noise, 0.0, 1.0, "(fraction of std)")
        for name, low in (("n_collocation", 10), ("width", 1), ("depth", 1), ("adam_steps", 0), ("lbfgs_steps", 0)):
            check_int(name, getattr(self, name), low)
        check_real("physics_weight", self.physics_weight, 0.0, 1e6, "")


QUICK = Config(n_collocation=600, width=24, depth=3, adam_steps=500, lbfgs_steps=300)


class _Steady(torch.nn.Module):
    """A network of (x, y) seen as a field of (x, y, t): ∂/∂t of the output is exactly zero."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.net(points[:, :2])


def _fit(variant: str, config: Config, x_data, uv_data, colloc, seed: int) -> PINNNet:
    n_out = 3 if "momentum" in variant else 2
    net = PINNNet(2, n_out, width=config.width, depth=config.depth, bounds=BOUNDS, seed=seed,
                  dtype=torch.float32)
    xd, ud = torch.tensor(x_data, dtype=torch.float32), torch.tensor(uv_data, dtype=torch.float32)
    pts = torch.tensor(colloc, dtype=torch.float32)
    pts3 = torch.cat([pts, torch.zeros_like(pts[:, :1])], 1)
    terms = {"data": lambda: (net(xd)[:, :2] - ud).pow(2).mean()}
    if "continuity" in variant and "momentum" not in variant:
        terms["continuity"] = lambda: divergence(net, pts).pow(2).mean()
    if "momentum" in variant:
        def physics() -> torch.Tensor:
            mx, my, cont = navier_stokes_residual(_Steady(net), pts3, 1.0 / config.reynolds)
            return mx.pow(2).mean() + my.pow(2).mean() + cont.pow(2).mean()
        terms["navier_stokes"] = physics
    weights = {k: config.physics_weight for k in terms if k != "data"}
    train_pinn(net.parameters(), terms, TrainConfig(adam_steps=config.adam_steps, adam_lr=1e-3,
                                                    lbfgs_steps=config.lbfgs_steps), weights=weights)
    return net


def run(config: Config, ctx: StudyContext) -> StudyResult:
    # simulate: noisy samples of the exact flow, collocation points, the evaluation grid
    # (small dense networks: they train on the CPU whatever the device)
    rng = ctx.rng()
    x_data = sample_points(config.n_data, BOUNDS, rng)
    u, v, _ = kovasznay(x_data[:, 0], x_data[:, 1], config.reynolds)
    uv = np.column_stack([u, v])
    uv = uv + config.noise * np.std(np.hypot(u, v)) * rng.standard_normal(uv.shape)
    colloc = sample_points(config.n_collocation, BOUNDS, rng)
    gx, gy = np.meshgrid(np.linspace(*BOUNDS[0], 76), np.linspace(*BOUNDS[1], 101))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    ue, ve, _ = kovasznay(grid[:, 0], grid[:, 1], config.reynolds)
    exact = np.column_stack([ue, ve])
    net_seed = int(rng.integers(2**31))
    # fit: the same initial weights for every variant
    nets = {variant: _fit(variant, config, x_data, uv, colloc, net_seed) for variant in VARIANTS}
    # evaluate: velocity error and divergence on the grid
    g = torch.tensor(grid, dtype=torch.float32)
    preds, stats = {}, {}
    for variant, net in nets.items():
        with torch.no_grad():
            preds[variant] = net(g)[:, :2].double().numpy()
        err = float(np.linalg.norm(preds[variant] - exact) / np.linalg.norm(exact))
        stats[variant] = (err, residual_rms(lambda p, n=net: divergence(n, p), g))
    speed_scale = float(np.sqrt(np.mean(ue ** 2 + ve ** 2)))
    result = ctx.result("Kovasznay flow from sparse velocity data: the continuity equation as a physics loss",
                        device="cpu")
    for variant, (err, div) in stats.items():
        result.add_metric(f"rel_l2_velocity_{KEYS[variant]}", err)
        result.add_metric(f"divergence_rms_{KEYS[variant]}", div)
    result.add_metric("velocity_rms", speed_scale)
    # audit
    for audit in _audits(stats, speed_scale):
        result.add_audit(audit)
    # report
    result.add_table("Velocity error and mass conservation on a 76 × 101 grid",
                     ("model", "relative L2 velocity error", "RMS ∇·u"),
                     [(variant, f"{err:.3e}", f"{div:.3e}") for variant, (err, div) in stats.items()])
    _figure(result, gx, gy, exact, nets, preds, x_data, config)
    (e0, d0), (e1, d1), (e2, d2) = (stats[v] for v in VARIANTS)
    result.summary = (
        f"From {config.n_data} noisy velocity samples of Kovasznay flow (Re = {config.reynolds:g}): data only, "
        f"relative L2 error {e0:.2e} and RMS ∇·u {d0:.2e}; with the continuity loss {e1:.2e} and {d1:.2e}; "
        f"with continuity and momentum {e2:.2e} and {d2:.2e}.")
    return result


def _audits(stats: dict, speed_scale: float) -> tuple[Audit, Audit]:
    (e0, d0), (e1, d1), (e2, d2) = (stats[v] for v in VARIANTS)
    a = Audit("continuity-informed velocity model")
    a.check("divergence_reduction", d0 / max(d1, 1e-300), ">=", 10.0,
            "RMS ∇·u of the data-only network over that of the continuity-informed one")
    a.check("rel_l2_no_worse", e1 / e0, "<=", 1.0, "the physics loss does not make the velocity error worse")
    b = Audit("Navier–Stokes-informed velocity model")
    b.check("divergence_rms", d2 / speed_scale, "<=", 0.05, "RMS ∇·u relative to the RMS speed (mass conservation)")
    b.check("rel_l2_vs_data_only", e2 / e0, "<=", 1.0, "error with the momentum equations vs data only")
    return a, b


def _figure(result, gx, gy, exact, nets, preds, x_data, config) -> None:
    shape = gx.shape
    fig = new_figure(figsize=(15, 7), layout="constrained")
    axes = fig.subplots(2, 4)
    speed = np.hypot(exact[:, 0], exact[:, 1]).reshape(shape)
    ext = (gx.min(), gx.max(), gy.min(), gy.max())
    axes[0, 0].imshow(speed, origin="lower", extent=ext, cmap="viridis")
    axes[0, 0].streamplot(gx, gy, exact[:, 0].reshape(shape), exact[:, 1].reshape(shape), color="w", density=0.8,
                          linewidth=0.6)
    axes[0, 0].plot(x_data[:, 0], x_data[:, 1], "r.", ms=5)
    axes[0, 0].set(title=f"exact speed, Re = {config.reynolds:g}, and the {len(x_data)} samples")
    axes[1, 0].axis("off")
    for j, variant in enumerate(VARIANTS, start=1):
        net, pred = nets[variant], preds[variant]
        err = np.hypot(*(pred - exact).T).reshape(shape)
        im = axes[0, j].imshow(err, origin="lower", extent=ext, cmap="magma")
        axes[0, j].set(title=f"|u − u_exact|: {variant}")
        fig.colorbar(im, ax=axes[0, j], shrink=0.8)
        pts = torch.tensor(np.column_stack([gx.ravel(), gy.ravel()]), dtype=torch.float32)
        div = divergence(net, pts).detach().double().numpy().reshape(shape)
        im = axes[1, j].imshow(np.abs(div), origin="lower", extent=ext, cmap="cividis")
        axes[1, j].set(title=f"|∇·u|: {variant}")
        fig.colorbar(im, ax=axes[1, j], shrink=0.8)
    result.add_figure("errors_and_divergence", fig, "Top: velocity error of each model; bottom: |∇·u| of each "
                      "(the exact flow is divergence-free).")
