"""Training a sampler with exact ``log q`` by the reverse Kullback-Leibler divergence to ``exp(-beta E) / Z``.

``KL(q || p) = E_q[beta E + log q] + ln Z``: minimising the variational free energy ``beta F_q = E_q[beta E +
log q]`` needs no samples of the target. A flow's samples are differentiable functions of its parameters
(the reparametrisation gradient, :func:`train_flow`); discrete spins are not, so the autoregressive network
uses the score-function gradient ``E_q[(f - <f>) grad log q]`` with ``f = beta E + log q`` and the batch mean
as baseline (Wu, Wang & Zhang 2019, :func:`train_autoregressive`). Both anneal beta linearly from
``beta_start`` to the target over the first ``anneal`` fraction of the steps, which keeps reverse KL from
locking onto one mode early, and decay the learning rate on a cosine.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

__all__ = ["train_flow", "train_autoregressive"]


def _beta_at(step: int, steps: int, beta: float, beta_start: float, anneal: float) -> float:
    ramp = max(anneal * steps, 1.0)
    return beta * min(1.0, beta_start + (1.0 - beta_start) * step / ramp)


def _check_finite(value: float, step: int, what: str) -> None:
    if not math.isfinite(value):
        raise FloatingPointError(f"{what}: the variational free energy became {value} at step {step}; "
                                 "try a smaller learning rate")


def train_flow(flow: torch.nn.Module, energy: Callable[[torch.Tensor], torch.Tensor], *, beta: float = 1.0,
               steps: int = 1000, batch: int = 512, lr: float = 1e-3, beta_start: float = 0.2, anneal: float = 0.3,
               clip: float = 10.0, generator: torch.Generator | None = None) -> np.ndarray:
    """Train ``flow`` (``sample(n, generator) -> (x, log q)``, differentiable) towards ``exp(-beta energy)``.

    Returns ``beta F_q`` per step (at that step's beta) as a NumPy array.
    """
    opt = torch.optim.Adam(flow.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = np.empty(steps)
    for step in range(steps):
        b = _beta_at(step, steps, beta, beta_start, anneal)
        x, log_q = flow.sample(batch, generator)
        loss = (b * energy(x) + log_q).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(flow.parameters(), clip)
        opt.step()
        sched.step()
        history[step] = loss.item()
        _check_finite(history[step], step, "flow training")
    return history


def train_autoregressive(model: torch.nn.Module, energy: Callable[[torch.Tensor], torch.Tensor], *, beta: float,
                         steps: int = 1500, batch: int = 512, lr: float = 3e-3, beta_start: float = 0.2,
                         anneal: float = 0.5, generator: torch.Generator | None = None) -> np.ndarray:
    """Train an autoregressive ``model`` (``sample`` without gradients, ``log_prob``) by the score-function
    gradient of reverse KL. Returns ``beta F_q`` per step (at that step's beta)."""
    opt = torch.optim.Adam(model.parameters(), lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = np.empty(steps)
    for step in range(steps):
        b = _beta_at(step, steps, beta, beta_start, anneal)
        s, _ = model.sample(batch, generator)
        log_q = model.log_prob(s)
        with torch.no_grad():
            f = b * energy(s) + log_q
            advantage = f - f.mean()
        loss = (advantage * log_q).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        history[step] = f.mean().item()
        _check_finite(history[step], step, "autoregressive training")
    return history
