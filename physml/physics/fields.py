"""Gridded fields as differentiable functions of (x[, y], t), so grid surrogates meet the PDE residuals.

A CNN or a Fourier neural operator predicts snapshots on a periodic grid;
:class:`PeriodicGridField` turns a stack of such snapshots into a torch module
u(points) that :mod:`physml.physics.pde` can differentiate: trigonometric
(spectral) interpolation in space, which is exact for band-limited fields and
differentiates them exactly, and cubic Lagrange interpolation in time through
the four nearest snapshots (local error O(Δt⁴) in u, O(Δt³) in u_t). The
residual of a surrogate's rollout then measures how far it is from solving the
equation, with the same operators that train the PINNs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..errors import ParameterError

__all__ = ["PeriodicGridField"]


def _wavenumbers(n: int, length: float) -> np.ndarray:
    k = np.fft.fftfreq(n, d=1.0 / n)
    if n % 2 == 0:
        k[n // 2] = 0.0  # the Nyquist mode's derivative is ambiguous on a grid: drop it (it is zeroed below too)
    return 2 * math.pi * k / length


class PeriodicGridField(nn.Module):
    """u(x[, y], t) from snapshots ``values`` of shape (n_t, n_channels, n_x[, n_y]) on a periodic grid.

    The grid is ``x_i = origin + i * length / n_x`` (the same for y); ``times`` (n_t >= 4, increasing) are the
    snapshot times. Points are (N, d + 1) = (x[, y], t) with t in [times[0], times[-1]]; the output is
    (N, n_channels), e.g. (u, v, p) for :func:`physml.physics.pde.navier_stokes_residual`.
    """

    def __init__(self, values: np.ndarray, times: Sequence[float], length: float | Sequence[float],
                 origin: float | Sequence[float] = 0.0, dtype: torch.dtype = torch.float64):
        super().__init__()
        values = np.asarray(values, dtype=float)
        times = np.asarray(times, dtype=float)
        if values.ndim not in (3, 4) or values.shape[0] != times.size:
            raise ParameterError.invalid("values", values.shape, "an array (n_t, n_channels, n_x[, n_y]) with n_t "
                                         "= len(times)")
        if times.size < 4 or not np.all(np.diff(times) > 0):
            raise ParameterError.invalid("times", times.size, "at least 4 increasing snapshot times")
        if not np.all(np.isfinite(values)):
            raise ParameterError.invalid("values", "non-finite entries", "finite snapshots")
        dim = values.ndim - 2
        lengths = np.broadcast_to(np.asarray(length, dtype=float), (dim,))
        origins = np.broadcast_to(np.asarray(origin, dtype=float), (dim,))
        axes = tuple(range(2, 2 + dim))
        coef = np.fft.fftn(values, axes=axes) / np.prod(values.shape[2:])
        for ax, n in zip(axes, values.shape[2:]):
            if n % 2 == 0:  # zero the Nyquist plane (see _wavenumbers)
                index = [slice(None)] * coef.ndim
                index[ax] = n // 2
                coef[tuple(index)] = 0.0
        cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
        self.register_buffer("coef", torch.tensor(coef, dtype=cdtype))
        self.register_buffer("times", torch.tensor(times, dtype=dtype))
        self.register_buffer("origin", torch.tensor(origins, dtype=dtype))
        for i, (n, L) in enumerate(zip(values.shape[2:], lengths)):
            self.register_buffer(f"k{i}", torch.tensor(_wavenumbers(n, L), dtype=dtype))
        self.dim = dim

    def _time_weights(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Indices (N, 4) of the four snapshots around each t and their cubic Lagrange weights (N, 4)."""
        n_t = self.times.numel()
        j = torch.searchsorted(self.times, t.detach().contiguous(), right=True) - 1
        j0 = (j - 1).clamp(0, n_t - 4)
        idx = j0[:, None] + torch.arange(4, device=t.device)
        nodes = self.times[idx]
        w = []
        for a in range(4):
            term = torch.ones_like(t)
            for b in range(4):
                if a != b:
                    term = term * (t - nodes[:, b]) / (nodes[:, a] - nodes[:, b])
            w.append(term)
        return idx, torch.stack(w, 1)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.ndim != 2 or points.shape[1] != self.dim + 1:
            raise ValueError(f"PeriodicGridField needs points of shape (N, {self.dim + 1}); got {tuple(points.shape)}")
        idx, w = self._time_weights(points[:, -1])
        c = (self.coef[idx] * w.to(self.coef.dtype)[:, :, None, *([None] * self.dim)]).sum(1)  # (N, C, n_x[, n_y])
        x = points[:, 0:1] - self.origin[0]
        ex = torch.exp(1j * (x * self.k0))  # (N, n_x)
        if self.dim == 1:
            out = torch.einsum("ncx,nx->nc", c, ex)
        else:
            ey = torch.exp(1j * ((points[:, 1:2] - self.origin[1]) * self.k1))
            out = torch.einsum("ncxy,nx,ny->nc", c, ex, ey)
        return out.real
