"""Neural spline flow: coupling layers of monotone rational-quadratic splines (Durkan et al. 2019), in PyTorch.

Each coupling keeps half of the coordinates and maps every other coordinate through a monotone rational-quadratic
spline on ``[-bound, bound]`` (the identity outside), whose ``n_bins`` widths, heights and knot derivatives a
small network computes from the kept half. Unlike an affine coupling, one spline can turn a unimodal coordinate
into a bimodal one, which is what a double well asks of a flow; ``log q`` stays exact (the Jacobian is triangular
and each spline's derivative is closed-form) and the inverse is the root of a quadratic.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["NeuralSplineFlow", "rq_spline"]

_MIN = 1e-3  # smallest bin width / height fraction and knot derivative


def rq_spline(x: torch.Tensor, w: torch.Tensor, h: torch.Tensor, d: torch.Tensor, bound: float, *,
              inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the spline elementwise; ``w``, ``h`` (``(..., K)``, unnormalised) and ``d`` (``(..., K - 1)``,
    unconstrained) parametrise it. Returns ``(y, log |dy/dx|)`` (forward) or ``(x, log |dx/dy|)`` (inverse)."""
    K = w.shape[-1]
    widths = _MIN + (1 - _MIN * K) * F.softmax(w, -1)
    heights = _MIN + (1 - _MIN * K) * F.softmax(h, -1)
    knots_x = F.pad(torch.cumsum(widths, -1), (1, 0)) * 2 * bound - bound
    knots_y = F.pad(torch.cumsum(heights, -1), (1, 0)) * 2 * bound - bound
    knots_x[..., -1] = bound
    knots_y[..., -1] = bound
    deriv = F.pad(_MIN + F.softplus(d + math.log(math.e - 1)), (1, 1), value=1.0)  # 1 at the ends: C1 with identity
    inside = (x > -bound) & (x < bound)
    xc = x.clamp(-bound + 1e-9, bound - 1e-9)
    knots = knots_y if inverse else knots_x
    k = (torch.searchsorted(knots[..., 1:].contiguous(), xc.unsqueeze(-1)).squeeze(-1)).clamp(max=K - 1)
    g = lambda a: a.gather(-1, k.unsqueeze(-1)).squeeze(-1)  # noqa: E731
    x0, y0 = g(knots_x), g(knots_y)
    bw, bh = g(knots_x[..., 1:] - knots_x[..., :-1]), g(knots_y[..., 1:] - knots_y[..., :-1])
    d0, d1 = g(deriv[..., :-1]), g(deriv[..., 1:])
    s = bh / bw
    if inverse:
        dy = xc - y0
        a = bh * (s - d0) + dy * (d1 + d0 - 2 * s)
        b = bh * d0 - dy * (d1 + d0 - 2 * s)
        c = -s * dy
        xi = (2 * c) / (-b - torch.sqrt((b * b - 4 * a * c).clamp(min=0)))
    else:
        xi = (xc - x0) / bw
    t = xi * (1 - xi)
    denom = s + (d1 + d0 - 2 * s) * t
    log_det = 2 * torch.log(s) + torch.log(d1 * xi * xi + 2 * s * t + d0 * (1 - xi) ** 2) - 2 * torch.log(denom)
    if inverse:
        out = x0 + xi * bw
        log_det = -log_det
    else:
        out = y0 + bh * (s * xi * xi + d0 * t) / denom
    return torch.where(inside, out, x), torch.where(inside, log_det, torch.zeros_like(log_det))


class _SplineCoupling(nn.Module):
    def __init__(self, mask: torch.Tensor, hidden: int, n_bins: int, bound: float):
        super().__init__()
        self.register_buffer("mask", mask)
        d = mask.numel()
        self.n_bins, self.bound = n_bins, bound
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, d * (3 * n_bins - 1)))
        nn.init.zeros_(self.net[-1].weight)  # uniform bins, unit derivatives: starts as the identity
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x: torch.Tensor, inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        K = self.n_bins
        p = self.net(x * self.mask).reshape(*x.shape, 3 * K - 1)
        y, log_det = rq_spline(x, p[..., :K], p[..., K:2 * K], p[..., 2 * K:], self.bound, inverse=inverse)
        move = 1 - self.mask
        return x * self.mask + y * move, (log_det * move).sum(-1)


class NeuralSplineFlow(nn.Module):
    """A flow on ``R^dim`` of ``n_layers`` rational-quadratic spline couplings (alternating halves), each with a
    conditioner of ``hidden`` units and ``n_bins`` bins on ``[-bound, bound]``. Same interface as
    :class:`RealNVP`: :meth:`sample` returns ``(x, log q(x))``, :meth:`log_prob` inverts the couplings."""

    def __init__(self, dim: int = 2, n_layers: int = 4, hidden: int = 64, n_bins: int = 8, bound: float = 4.0):
        super().__init__()
        if dim < 2:
            raise ValueError("NeuralSplineFlow needs dim >= 2")
        self.dim = int(dim)
        masks = []
        for k in range(n_layers):
            m = torch.zeros(dim)
            m[(k % 2)::2] = 1.0
            masks.append(m)
        self.layers = nn.ModuleList(_SplineCoupling(m, hidden, n_bins, bound) for m in masks)

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
        total = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for layer in reversed(self.layers):
            x, log_det = layer(x, inverse=True)
            total = total + log_det
        return self._base_log_prob(x) + total
