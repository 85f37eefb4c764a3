"""RealNVP: a normalising flow of affine coupling layers (Dinh, Sohl-Dickstein & Bengio 2017), in PyTorch.

``x = f(z)``, ``z ~ N(0, I)``: each coupling keeps half of the coordinates (``mask``) and moves the other
half by ``x_b -> x_b * exp(s(x_a)) + t(x_a)``, so the Jacobian is triangular and
``log q(x) = log N(z) - sum log|det df|`` is exact. ``s`` is bounded by ``tanh`` times a learned scale,
which keeps early training from exploding.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["RealNVP"]


class _Coupling(nn.Module):
    def __init__(self, mask: torch.Tensor, hidden: int):
        super().__init__()
        d = mask.numel()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, 2 * d))
        nn.init.zeros_(self.net[-1].weight)  # starts as the identity
        nn.init.zeros_(self.net[-1].bias)
        self.scale = nn.Parameter(torch.ones(d))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keep = self.mask
        s, t = self.net(x * keep).chunk(2, dim=-1)
        s = self.scale * torch.tanh(s) * (1 - keep)
        t = t * (1 - keep)
        return x * keep + (1 - keep) * (x * torch.exp(s) + t), s.sum(-1)


class RealNVP(nn.Module):
    """A RealNVP flow on ``R^dim`` with ``n_layers`` affine couplings (alternating halves) of ``hidden`` units.

    :meth:`sample` returns ``(x, log q(x))``; :meth:`log_prob` evaluates ``log q`` at given points by
    inverting the couplings.
    """

    def __init__(self, dim: int = 2, n_layers: int = 8, hidden: int = 64):
        super().__init__()
        if dim < 2:
            raise ValueError("RealNVP needs dim >= 2")
        self.dim = int(dim)
        masks = []
        for k in range(n_layers):
            m = torch.zeros(dim)
            m[(k % 2)::2] = 1.0
            masks.append(m)
        self.layers = nn.ModuleList(_Coupling(m, hidden) for m in masks)

    def _base_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return -0.5 * (z * z).sum(-1) - 0.5 * self.dim * math.log(2 * math.pi)

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        p = next(self.parameters())
        z = torch.randn(n, self.dim, generator=generator, device=p.device, dtype=p.dtype)
        log_q = self._base_log_prob(z)
        x = z
        for layer in self.layers:
            x, log_det = layer(x)
            log_q = log_q - log_det
        return x, log_q

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        log_det_total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for layer in reversed(self.layers):
            keep = layer.mask
            s, t = layer.net(x * keep).chunk(2, dim=-1)
            s = layer.scale * torch.tanh(s) * (1 - keep)
            x = x * keep + (1 - keep) * (x - t * (1 - keep)) * torch.exp(-s)
            log_det_total = log_det_total + s.sum(-1)
        return self._base_log_prob(x) - log_det_total
