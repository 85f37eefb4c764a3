"""The Burgers PINN of Raissi, Perdikaris & Karniadakis (2019), forward and inverse.

u_t + u u_x = ν u_xx on x ∈ [−1, 1], t ∈ [0, 1], u(x, 0) = −sin(πx), u(±1, t) = 0,
ν = 0.01/π in the benchmark. The initial and boundary conditions are built into the
network ("hard" constraints): u = −sin(πx) + t (1 − x²) N(x, t) satisfies both for
any N, so the only loss of the forward problem is the PDE residual at the
collocation points. The inverse problem learns ν (log-parametrised) together with
the network from noisy observations of u plus the residual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .pde import burgers_residual
from .pinn import AffineConstraint, History, PINNNet, PositiveParameter, TrainConfig, sample_points, train_pinn

__all__ = ["BURGERS_NU", "BURGERS_BOUNDS", "sine_constraint", "burgers_net", "refine_points", "ForwardFit",
           "InverseFit", "fit_forward", "fit_inverse", "predict_grid", "standard_grid"]

BURGERS_NU = 0.01 / math.pi
BURGERS_BOUNDS = ((-1.0, 1.0), (0.0, 1.0))


def _sine(points: torch.Tensor) -> torch.Tensor:
    return -torch.sin(math.pi * points[:, :1])


def _vanish(points: torch.Tensor) -> torch.Tensor:
    x, t = points[:, :1], points[:, 1:2]
    return t * (1.0 - x * x)


sine_constraint = AffineConstraint(_sine, _vanish)
"""u = −sin(πx) + t (1 − x²) raw: the exact initial condition and zero Dirichlet boundaries, built in."""


def burgers_net(width: int, depth: int, *, seed: int, dtype: torch.dtype = torch.float64) -> PINNNet:
    return PINNNet(2, 1, width=width, depth=depth, bounds=BURGERS_BOUNDS, constraint=sine_constraint, seed=seed,
                   dtype=dtype)


def standard_grid() -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's evaluation grid: x = 256 points on [−1, 1], t = 100 points on [0, 1] (both ends included)."""
    return np.linspace(-1.0, 1.0, 256), np.linspace(0.0, 1.0, 100)


def predict_grid(net: torch.nn.Module, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """u on the grid, shape (len(t), len(x))."""
    dtype = next(net.parameters()).dtype
    T, X = np.meshgrid(t, x, indexing="ij")
    pts = torch.tensor(np.column_stack([X.ravel(), T.ravel()]), dtype=dtype)
    with torch.no_grad():
        return net(pts).double().numpy().reshape(T.shape)


def refine_points(net: torch.nn.Module, nu: float, n_add: int, n_candidates: int,
                  seed: int | np.random.Generator) -> np.ndarray:
    """Residual-based adaptive refinement: of ``n_candidates`` points, the ``n_add`` with the largest |residual|."""
    dtype = next(net.parameters()).dtype
    cand = sample_points(n_candidates, BURGERS_BOUNDS, seed, method="uniform")
    res = []
    for chunk in np.array_split(cand, max(1, n_candidates // 8192)):
        r = burgers_residual(net, torch.tensor(chunk, dtype=dtype), nu)
        res.append(r.detach().abs().double().numpy().ravel())
    order = np.argsort(np.concatenate(res))[::-1][:n_add]
    return cand[order]


@dataclass
class ForwardFit:
    net: PINNNet
    history: History
    collocation: np.ndarray


@dataclass
class InverseFit:
    net: PINNNet
    nu: PositiveParameter
    history: History
    nu_history: list[float]


def fit_forward(*, nu: float = BURGERS_NU, width: int = 20, depth: int = 8, n_collocation: int = 10000,
                n_refine: int = 0, train: TrainConfig = TrainConfig(), seed: int = 0,
                dtype: torch.dtype = torch.float64, progress: bool = False, compile: bool = False) -> ForwardFit:
    """Forward PINN: Adam on Latin-hypercube collocation points; then, if ``n_refine``, add that many points
    where the residual is largest (out of 20 × as many candidates) and continue with L-BFGS.

    ``compile``: forward-propagated derivatives and ``train_pinn(compile=True)`` (the same losses to round-off;
    faster per iteration once compiled, see :func:`physml.physics.pinn.train_pinn`)."""
    method = "jet" if compile else "autograd"
    rng = np.random.default_rng(seed)
    net = burgers_net(width, depth, seed=int(rng.integers(2**31)), dtype=dtype)
    pts = sample_points(n_collocation, BURGERS_BOUNDS, rng)
    holder = {"pts": torch.tensor(pts, dtype=dtype)}

    def residual_loss() -> torch.Tensor:
        return burgers_residual(net, holder["pts"], nu, method=method).pow(2).mean()

    terms = {"pde": residual_loss}
    adam = TrainConfig(adam_steps=train.adam_steps, adam_lr=train.adam_lr, lbfgs_steps=0, log_every=train.log_every)
    hist = train_pinn(net.parameters(), terms, adam, progress=progress, compile=compile)
    if n_refine:
        pts = np.vstack([pts, refine_points(net, nu, n_refine, 20 * n_refine, rng)])
        holder["pts"] = torch.tensor(pts, dtype=dtype)
    lb = TrainConfig(adam_steps=0, lbfgs_steps=train.lbfgs_steps, lbfgs_history=train.lbfgs_history,
                     lbfgs_tolerance=train.lbfgs_tolerance, log_every=train.log_every)
    if train.lbfgs_steps:
        h2 = train_pinn(net.parameters(), terms, lb, progress=progress, compile=compile)
        _append(hist, h2, offset=train.adam_steps)
    return ForwardFit(net, hist, pts)


def _append(hist: History, more: History, offset: int) -> None:
    base = hist.seconds[-1] if hist.seconds else 0.0
    for i, it in enumerate(more.iteration):
        hist.record(it + offset, more.phase[i], more.loss[i], {k: v[i] for k, v in more.terms.items()},
                    base + more.seconds[i])
    hist.lbfgs_iterations += more.lbfgs_iterations
    hist.loss_evaluations += more.loss_evaluations


def fit_inverse(x_obs: np.ndarray, u_obs: np.ndarray, *, nu_initial: float, width: int = 20, depth: int = 8,
                n_collocation: int = 5000, train: TrainConfig = TrainConfig(), seed: int = 0,
                dtype: torch.dtype = torch.float64, progress: bool = False, compile: bool = False) -> InverseFit:
    """Inverse PINN: ν = exp(θ) and the network fitted together to observations ``u_obs`` at ``x_obs`` (N, 2)
    (data misfit) and to the Burgers residual at the observation and collocation points.

    The initial and boundary conditions are known and built in (hard constraints), as in the forward problem.
    ``compile``: as in :func:`fit_forward`.
    """
    method = "jet" if compile else "autograd"
    rng = np.random.default_rng(seed)
    net = burgers_net(width, depth, seed=int(rng.integers(2**31)), dtype=dtype)
    nu = PositiveParameter(nu_initial, dtype=dtype)
    pts = torch.tensor(np.vstack([sample_points(n_collocation, BURGERS_BOUNDS, rng), x_obs]), dtype=dtype)
    xo = torch.tensor(x_obs, dtype=dtype)
    uo = torch.tensor(np.asarray(u_obs, dtype=float).reshape(-1, 1), dtype=dtype)
    terms = {"data": lambda: (net(xo) - uo).pow(2).mean(),
             "pde": lambda: burgers_residual(net, pts, nu.value, method=method).pow(2).mean()}
    nu_hist: list[float] = []
    hist = train_pinn([*net.parameters(), nu.log_value], terms, train, progress=progress,
                      callback=lambda h: nu_hist.append(float(nu)), compile=compile)
    return InverseFit(net, nu, hist, nu_hist)
