"""2D incompressible Navier-Stokes in vorticity form on the periodic box ``[0, length)^2``.

``w_t + u . grad w = nu Laplacian w - drag w + f(x, y)``, velocity ``u = (psi_y, -psi_x)``
from the stream function ``-Laplacian psi = w`` (so ``div u = 0`` exactly, mode by mode).
Arrays are indexed ``w[..., ix, iy]`` with ``x = ix length / n``, ``y = iy length / n``.

Pseudo-spectral: products in physical space with the 2/3 rule (square truncation
``|m_x|, |m_y| < n / 3``), ETDRK4 in time with ``-nu |k|^2 - drag`` exact (:mod:`._spectral`).
Stability: the CFL number ``dt (max|u| + max|v|) / dx`` must stay below :data:`CFL_MAX`;
checked at the start and at every saved snapshot (forced flows can speed up), a violation is a
:class:`ParameterError` on ``dt``, never a blown-up field.

Exact reference (tests): the Taylor-Green vortex ``psi = A sin(k x) sin(k y)``,
``w = 2 k^2 psi``, has ``u . grad w = 0`` and decays as ``exp(-(2 nu k^2 + drag) t)``.
Forcing: ``"kolmogorov"`` is ``f = amplitude * k_f * cos(k_f y)`` (the vorticity of the shear
force ``F_x = amplitude * sin(k_f y)``) with ``k_f = 2 pi forcing_wavenumber / length``;
``"li"`` is ``amplitude * (sin(2 pi (x + y) / length) + cos(2 pi (x + y) / length))`` (Li et
al. 2021, amplitude 0.1 there); ``"none"`` is decaying turbulence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physml.errors import ParameterError

from ...validation import check_int, check_real
from ._spectral import CFL_MAX, ETDRK4, GridTime, dealias_mask, wavenumbers
from .burgers import _check_field

__all__ = ["NavierStokesParams", "navier_stokes_solve", "taylor_green_vorticity", "velocity_from_vorticity",
           "vorticity_residual", "forcing_field"]

_FORCINGS = ("none", "kolmogorov", "li")


@dataclass(frozen=True)
class NavierStokesParams(GridTime):
    """Box, viscosity, drag, forcing, grid and time stepping (module docstring).

    Snapshots at ``n_save`` times evenly spaced in ``(0, t_final]`` (plus ``t = 0``); each interval
    is split into the fewest equal steps no longer than ``dt``. ``n_grid`` is even.
    """

    nu: float = 1e-3
    length: float = 2.0 * math.pi
    n_grid: int = 64
    dt: float = 1e-2
    t_final: float = 1.0
    n_save: int = 10
    drag: float = 0.0
    forcing: str = "none"
    forcing_amplitude: float = 0.0
    forcing_wavenumber: int = 4

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "nu", check_real("nu", self.nu, 1e-8, 1e4, "(viscosity, > 0)"))
        self._check_grid_time(min_grid=8, even=True)
        set_(self, "drag", check_real("drag", self.drag, 0.0, 1e4, "(linear drag rate)"))
        if self.forcing not in _FORCINGS:
            raise ParameterError.invalid("forcing", self.forcing, " | ".join(_FORCINGS))
        set_(self, "forcing_amplitude", check_real("forcing_amplitude", self.forcing_amplitude, -1e6, 1e6, ""))
        set_(self, "forcing_wavenumber", check_int("forcing_wavenumber", self.forcing_wavenumber, 1))
        if self.forcing_wavenumber >= self.n_grid / 3:
            raise ParameterError.invalid("forcing_wavenumber", self.forcing_wavenumber,
                                         f"< n_grid / 3 = {self.n_grid / 3:g} (resolved by the dealiased grid)")


def forcing_field(params: NavierStokesParams) -> np.ndarray:
    """The vorticity forcing ``f(x, y)`` on the grid, shape ``(n_grid, n_grid)``."""
    x = params.x
    X, Y = np.meshgrid(x, x, indexing="ij")
    if params.forcing == "kolmogorov":
        kf = 2.0 * math.pi * params.forcing_wavenumber / params.length
        return params.forcing_amplitude * kf * np.cos(kf * Y)
    if params.forcing == "li":
        arg = 2.0 * math.pi * (X + Y) / params.length
        return params.forcing_amplitude * (np.sin(arg) + np.cos(arg))
    return np.zeros_like(X)


def taylor_green_vorticity(params: NavierStokesParams, t: float, *, amplitude: float = 1.0,
                           wavenumber: int = 1) -> np.ndarray:
    """Exact Taylor-Green vorticity ``2 k^2 A sin(k x) sin(k y) exp(-(2 nu k^2 + drag) t)`` (no forcing)."""
    k = 2.0 * math.pi * wavenumber / params.length
    X, Y = np.meshgrid(params.x, params.x, indexing="ij")
    return (2.0 * k**2 * amplitude * np.sin(k * X) * np.sin(k * Y)
            * math.exp(-(2.0 * params.nu * k**2 + params.drag) * t))


class _Spectral2D:
    def __init__(self, n: int, length: float):
        self.n = n
        self.kx = wavenumbers(n, length)[:, None]
        self.ky = wavenumbers(n, length, half=True)[None, :]
        self.k2 = self.kx**2 + self.ky**2
        self.inv_k2 = np.where(self.k2 > 0, 1.0 / np.where(self.k2 > 0, self.k2, 1.0), 0.0)
        self.mask = dealias_mask(n)[:, None] & dealias_mask(n, half=True)[None, :]
        # the Nyquist modes (even n) have no consistent derivative: a velocity from them would not be divergence free
        m, mh = np.fft.fftfreq(n, 1.0 / n), np.fft.rfftfreq(n, 1.0 / n)
        self.resolved = (np.abs(m) < n / 2)[:, None] & (mh < n / 2)[None, :]

    def irfft(self, a: np.ndarray) -> np.ndarray:
        return np.fft.irfft2(a, (self.n, self.n), axes=(-2, -1))

    def velocity(self, wh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        psi = wh * self.inv_k2 * self.resolved
        return self.irfft(1j * self.ky * psi), self.irfft(-1j * self.kx * psi)

    def advection(self, wh: np.ndarray) -> np.ndarray:
        """``-(u . grad w)`` in Fourier space, 2/3-dealiased."""
        wm = wh * self.mask
        u, v = self.velocity(wm)
        wx, wy = self.irfft(1j * self.kx * wm), self.irfft(1j * self.ky * wm)
        return -np.fft.rfft2(u * wx + v * wy, axes=(-2, -1)) * self.mask


def velocity_from_vorticity(w: object, length: float = 2.0 * math.pi) -> tuple[np.ndarray, np.ndarray]:
    """Divergence-free ``(u, v)`` with vorticity ``w``, spectral; shapes of ``w``.

    The mean and, for even grids, the Nyquist modes of ``w`` are left out (a periodic velocity field has no
    mean vorticity, and the Nyquist modes have no consistent derivative).
    """
    w = np.asarray(w, dtype=np.float64)
    sp = _Spectral2D(w.shape[-1], length)
    return sp.velocity(np.fft.rfft2(w, axes=(-2, -1)))


def _cfl(sp: _Spectral2D, wh: np.ndarray, dt: float, dx: float) -> float:
    u, v = sp.velocity(wh)
    return dt * (float(np.abs(u).max()) + float(np.abs(v).max())) / dx


def navier_stokes_solve(w0: object, params: NavierStokesParams) -> np.ndarray:
    """Integrate vorticity ``w0`` (``(n, n)`` or ``(batch, n, n)``); returns ``(n_save + 1, ...)`` snapshots."""
    n = params.n_grid
    w0 = _check_field(w0, (n, n), "w0")
    sp = _Spectral2D(n, params.length)
    dx = params.length / n
    steps = params.steps_per_save
    dt = params.t_final / params.n_save / steps
    wh = np.fft.rfft2(w0, axes=(-2, -1))
    fh = np.fft.rfft2(forcing_field(params)) * sp.mask

    def check(wh: np.ndarray, t: float) -> None:
        cfl = _cfl(sp, wh, params.dt, dx)  # the requested step (the one used is never larger)
        if not (cfl <= CFL_MAX):
            when = "for this initial condition" if t == 0 else f"(the flow sped up by t = {t:g})"
            raise ParameterError.invalid("dt", params.dt, f"small enough that the CFL number dt (max|u| + max|v|) "
                                         f"/ dx <= {CFL_MAX:g} {when}; got {cfl:.3g}")

    check(wh, 0.0)

    def nonlinear(a: np.ndarray) -> np.ndarray:
        return sp.advection(a) + fh

    scheme = ETDRK4(-params.nu * sp.k2 - params.drag, dt)
    out = np.empty((params.n_save + 1,) + w0.shape)
    out[0] = w0
    for i in range(1, params.n_save + 1):
        for _ in range(steps):
            wh = scheme.step(wh, nonlinear)
        check(wh, float(params.times[i]))
        out[i] = sp.irfft(wh)
    return out


def vorticity_residual(w_prev: object, w_next: object, params: NavierStokesParams, dt: float) -> np.ndarray:
    """Residual of the vorticity equation for a step ``w_prev -> w_next`` over ``dt`` (any predictor).

    ``(w_next - w_prev) / dt - [N(w_mid) + nu Laplacian w_mid - drag w_mid]`` at the midpoint
    ``w_mid = (w_prev + w_next) / 2``, derivatives spectral: the implicit-midpoint rule, so a
    step of the exact flow leaves a residual O(dt^2) (the solver's own steps give that floor);
    a surrogate's prediction errors add to it. Shape of ``w_next``.
    """
    a, b = np.asarray(w_prev, np.float64), np.asarray(w_next, np.float64)
    sp = _Spectral2D(params.n_grid, params.length)
    mid = np.fft.rfft2((a + b) / 2.0, axes=(-2, -1))
    fh = np.fft.rfft2(forcing_field(params)) * sp.mask
    rhs = sp.advection(mid) + fh - (params.nu * sp.k2 + params.drag) * mid
    return (b - a) / dt - sp.irfft(rhs)
