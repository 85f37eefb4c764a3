"""Gaussian random fields on periodic grids: random initial conditions for the flow solvers.

A zero-mean field with covariance operator ``sigma^2 (-Laplacian + tau^2)^(-alpha)`` on the
periodic box ``[0, length)^d`` (the family used by Li et al. 2021 for Fourier neural
operators: ``sigma = 25, tau = 5, alpha = 2`` in 1D, ``sigma = 7^(3/2), tau = 7, alpha = 2.5``
in 2D on the unit box). In the orthonormal Fourier basis ``e_k = exp(i k.x) / length^(d/2)``
the coefficients are independent complex normals of variance ``sigma^2 (|k|^2 + tau^2)^(-alpha)``.
Modes outside the 2/3-rule band of the grid are left out, so a draw is exactly representable
by the dealiased spectral solvers. ``alpha > d/2`` makes the field square integrable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...validation import check_int, check_real
from ._spectral import dealias_mask, wavenumbers

__all__ = ["GRFParams", "gaussian_random_field"]


@dataclass(frozen=True)
class GRFParams:
    """Covariance ``sigma^2 (-Laplacian + tau^2)^(-alpha)`` (module docstring)."""

    sigma: float = 25.0
    tau: float = 5.0
    alpha: float = 2.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", check_real("sigma", self.sigma, 1e-12, 1e12, ""))
        object.__setattr__(self, "tau", check_real("tau", self.tau, 0.0, 1e6, ""))
        object.__setattr__(self, "alpha", check_real("alpha", self.alpha, 0.5, 10.0, ""))


def gaussian_random_field(n_samples: int, n_grid: int, length: float, params: GRFParams, *, dim: int = 1,
                          seed: int | np.random.Generator) -> np.ndarray:
    """``n_samples`` real fields, shape ``(n_samples,) + (n_grid,) * dim`` (``dim`` 1 or 2)."""
    n_samples = check_int("n_samples", n_samples, 1)
    n_grid = check_int("n_grid", n_grid, 4)
    length = check_real("length", length, 1e-12, 1e12, "")
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2; got {dim!r}")
    if not params.alpha > dim / 2.0:
        from physml.errors import ParameterError
        raise ParameterError.invalid("alpha", params.alpha, f"> {dim / 2:g} in {dim}D (square-integrable field)")
    rng = np.random.default_rng(seed)
    kh = wavenumbers(n_grid, length, half=True)
    mh = dealias_mask(n_grid, half=True)
    if dim == 1:
        k2, keep = kh**2, mh
    else:
        k = wavenumbers(n_grid, length)
        m = dealias_mask(n_grid)
        k2 = k[:, None] ** 2 + kh[None, :] ** 2
        keep = m[:, None] & mh[None, :]
    std = params.sigma * (k2 + params.tau**2) ** (-params.alpha / 2.0)
    std = np.where(keep & (k2 > 0), std, 0.0)
    shape = (n_samples,) + std.shape
    coef = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * (std / math.sqrt(2.0))
    # field value = sum_k c_k e_k(x); numpy's inverse FFT divides by n_grid^dim
    scale = n_grid**dim / length ** (dim / 2.0)
    coef *= scale
    if dim == 1:
        return np.fft.irfft(coef, n_grid, axis=-1)
    # the k_y = 0 column holds +k_x and -k_x independently and irfft2 keeps only their real
    # parts: sqrt(2) restores the variance of each real mode pair
    coef[..., 0] *= math.sqrt(2.0)
    return np.fft.irfft2(coef, (n_grid, n_grid), axes=(-2, -1))
