"""Periodic heat diffusion ``u_t = kappa Laplacian u`` in 1D or 2D.

Two schemes: ``"spectral"`` multiplies each Fourier mode by its exact factor
``exp(-kappa |k|^2 t)`` (exact in time, spectrally accurate in space; the reference), and
``"ftcs"``: second-order central differences and explicit Euler, the textbook explicit scheme,
stable only for the diffusion number ``r = kappa dt / dx^2 <= 1 / (2 d)`` in ``d`` dimensions
(von Neumann: the amplification factor of mode ``k`` is ``1 - 4 r sum_i sin^2(k_i dx / 2)``,
which must stay in ``[-1, 1]``). A larger ``dt`` is a :class:`ParameterError`.

Exact check (tests): a Fourier mode decays as ``exp(-kappa |k|^2 t)``; FTCS at fixed ``r``
converges to it as ``dx^2`` and reproduces its amplification factor to round-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physml.errors import ParameterError

from ...validation import check_real
from ._spectral import GridTime, wavenumbers
from .burgers import _check_field

__all__ = ["DiffusionParams", "diffusion_solve"]

_SCHEMES = ("spectral", "ftcs")


@dataclass(frozen=True)
class DiffusionParams(GridTime):
    """Periodic box ``[0, length)^dim``, ``n_grid`` points a side, snapshots at ``n_save`` even times in
    ``(0, t_final]``."""

    kappa: float = 1.0
    length: float = 1.0
    n_grid: int = 64
    dim: int = 1
    dt: float = 1e-5
    t_final: float = 0.01
    n_save: int = 10
    scheme: str = "spectral"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kappa", check_real("kappa", self.kappa, 1e-12, 1e9, "(diffusivity, > 0)"))
        self._check_grid_time(min_grid=4, even=False)
        if self.dim not in (1, 2):
            raise ParameterError.invalid("dim", self.dim, "1 or 2")
        if self.scheme not in _SCHEMES:
            raise ParameterError.invalid("scheme", self.scheme, " | ".join(_SCHEMES))
        if self.scheme == "ftcs":
            r_max = 1.0 / (2 * self.dim)
            dx = self.length / self.n_grid
            r = self.kappa * self.dt / dx**2  # the requested step (the one used is never larger)
            if r > r_max * (1 + 1e-12):
                raise ParameterError.invalid("dt", self.dt, f"<= {r_max * dx**2 / self.kappa:.3g} (explicit diffusion "
                                             f"number kappa dt / dx^2 <= {r_max:g} in {self.dim}D; got {r:.3g})")


def diffusion_solve(u0: object, params: DiffusionParams) -> np.ndarray:
    """Snapshots ``(n_save + 1, ...)`` from ``u0`` (grid shape, optionally with a leading batch axis)."""
    n, d = params.n_grid, params.dim
    u = _check_field(u0, (n,) * d)
    out = np.empty((params.n_save + 1,) + u.shape)
    out[0] = u
    axes = tuple(range(-d, 0))
    if params.scheme == "spectral":
        k = wavenumbers(n, params.length)
        k2 = k**2 if d == 1 else k[:, None] ** 2 + k[None, :] ** 2
        uh = np.fft.fftn(u, axes=axes)
        for i, t in enumerate(params.times[1:], 1):
            out[i] = np.fft.ifftn(uh * np.exp(-params.kappa * k2 * t), axes=axes).real
        return out
    r = params.kappa * params.dt_effective / (params.length / n) ** 2
    for i in range(1, params.n_save + 1):
        for _ in range(params.steps_per_save):
            lap = sum(np.roll(u, 1, a) + np.roll(u, -1, a) for a in axes) - 2 * d * u
            u = u + r * lap
        out[i] = u
    return out
