"""Exact solutions of the viscous Burgers equation ``u_t + u u_x = nu u_xx`` (Cole-Hopf).

The Cole-Hopf transform ``u = -2 nu phi_x / phi`` turns Burgers into the heat equation
``phi_t = nu phi_xx`` with ``phi(x, 0) = exp(-F(x) / (2 nu))``, ``F(x) = int_0^x u0``.

* :func:`burgers_exact_periodic`: any periodic initial condition given by its samples on a
  uniform grid (taken as the trigonometric polynomial through them). A mean ``c`` is removed
  first (Galilean invariance: ``u(x, t) = c + v(x - c t, t)`` with ``v`` the zero-mean
  solution), so ``phi`` is periodic and the heat equation is solved exactly in Fourier space,
  ``phi_k(t) = phi_k(0) exp(-nu k^2 t)``. ``phi(x, 0)`` is not band-limited: it is sampled on
  a grid refined by factors of 2 until its Fourier coefficients in the top quarter of the band
  fall below 1e-14 of the largest (spectral convergence: the truncation is then near round-off,
  whose own floor on large grids is ~1e-16 sqrt(m)).
  The FFT's round-off is absolute, about 1e-16 of ``max phi``; where ``phi`` is small the
  relative error grows by ``max phi / min phi``. Requests where that ratio (at any requested
  time) exceeds 1e8 (about 1e-8 relative accuracy left) raise :class:`ParameterError`: use
  a larger ``nu`` or a smaller amplitude (``nu = 0.1`` with O(1) data is fine).
* :func:`burgers_exact_sine`: the standard benchmark ``u(x, 0) = -sin(pi x)`` on ``[-1, 1]``,
  ``u(+-1, t) = 0`` (Raissi, Perdikaris & Karniadakis 2019 used ``nu = 0.01/pi``). The odd,
  2-periodic extension makes the Dirichlet conditions automatic, and the heat-kernel form
  gives ``u(x, t) = E_w[u0(x - eta)]``, a weighted mean of the initial condition over
  ``eta`` with weight ``w(eta) = exp(-eta^2 / (4 nu t) - F(x - eta) / (2 nu))`` (this is the
  integrated-by-parts Gauss-Hermite form of the paper's data). The weight is handled in
  logarithms (no overflow at small ``nu``, where ``F / (2 nu)`` spans 1/(pi nu) ~ 100) and
  the integral over ``eta = sqrt(4 nu t) z`` is a trapezoid rule on ``|z| <= Z``:

  - truncation: the Gaussian factor ``exp(-z^2)`` times the largest ratio of the ``F``
    factor, ``exp(1/(pi nu))``, is below ``exp(-40)`` for ``Z^2 = 1/(pi nu) + 40``;
  - step: ``log w`` has curvature at most ``2 + 2 pi t`` in ``z`` (``|F''| <= pi``), so every
    peak of ``w`` is at least ``sigma = (2 + 2 pi t)^(-1/2)`` wide; the trapezoid rule on an
    analytic, Gaussian-decaying integrand converges like ``exp(-2 pi^2 sigma^2 / h^2)``, and
    ``h = sigma / 8`` puts that far below round-off.

  The tests check ``u(x, 0)``, agreement with :func:`burgers_exact_periodic` at moderate
  ``nu``, insensitivity to halving ``h`` and agreement with the spectral solver at
  ``nu = 0.01/pi``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physml.errors import ParameterError

from ...validation import check_real
from ._spectral import CFL_MAX, ETDRK4, GridTime, dealias_mask, wavenumbers

__all__ = ["burgers_exact_periodic", "burgers_exact_sine", "BurgersParams", "burgers_solve"]

_MAX_PHI_RATIO = 1e8
_MAX_REFINE = 2**16  # largest fine grid for phi(x, 0)
_STEPS_PER_SIGMA = 8  # trapezoid steps per narrowest peak width of the weight (burgers_exact_sine)


def _check_nu(nu: object) -> float:
    try:
        v = float(nu)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError.invalid("nu", nu, "a finite number > 0 (viscosity)") from None
    if isinstance(nu, bool) or not (math.isfinite(v) and v > 0):
        raise ParameterError.invalid("nu", nu, "a finite number > 0 (viscosity)")
    return v


def _check_times(t: object) -> np.ndarray:
    ts = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(ts)) or np.any(ts < 0):
        raise ParameterError.invalid("t", t, "finite times >= 0")
    return ts


def burgers_exact_periodic(u0: object, t: object, nu: float, *, length: float = 2.0 * math.pi) -> np.ndarray:
    """Exact Burgers solution from periodic samples ``u0`` (shape ``(N,)``, ``x_j = j length / N``).

    ``t`` is a scalar (result shape ``(N,)``) or a 1-D array of times (result ``(len(t), N)``),
    on the same grid as ``u0``. See the module docstring for the method and its accuracy limit.
    """
    nu = _check_nu(nu)
    u0 = np.asarray(u0, dtype=np.float64)
    if u0.ndim != 1 or u0.size < 4:
        raise ParameterError.invalid("u0", f"array of shape {u0.shape}", "a 1-D array of at least 4 samples")
    if not np.all(np.isfinite(u0)):
        raise ParameterError.invalid("u0", "an array with NaN or inf", "finite values")
    if not (math.isfinite(length) and length > 0):
        raise ParameterError.invalid("length", length, "a finite number > 0")
    ts = _check_times(t)
    scalar = ts.ndim == 0
    ts = np.atleast_1d(ts)
    n = u0.size
    uk = np.fft.rfft(u0)
    mean = uk[0].real / n
    uk[0] = 0.0
    # spectral antiderivative of the zero-mean part, refined until phi(x, 0) is resolved
    m = n
    while True:
        m *= 2
        k = 2.0 * math.pi / length * np.arange(m // 2 + 1)
        vk = np.zeros(m // 2 + 1, dtype=complex)
        vk[: n // 2 + 1] = uk * (m / n)
        if n % 2 == 0:
            vk[n // 2] *= 0.5  # the Nyquist mode of u0 is split between +-k on the finer grid
        fk = np.zeros_like(vk)
        fk[1:] = vk[1:] / (1j * k[1:])
        F = np.fft.irfft(fk, m)
        F -= F[0]
        expo = -F / (2.0 * nu)
        phi0 = np.exp(expo - expo.max())
        pk = np.fft.rfft(phi0)
        tail = np.abs(pk[3 * (m // 2) // 4:]).max()
        if tail <= 1e-14 * np.abs(pk).max():
            break
        if m >= _MAX_REFINE:
            raise ParameterError.invalid("nu", nu, "large enough for exp(-int u0 / (2 nu)) to be resolved "
                                         f"on {_MAX_REFINE} points (spectral Cole-Hopf)")
    out = np.empty((ts.size, n))
    stride = m // n
    for i, ti in enumerate(ts):
        if ti == 0.0:
            out[i] = u0
            continue
        ph = pk * np.exp(-nu * k**2 * ti - 1j * k * mean * ti)  # heat kernel, then shift by mean * t
        phi = np.fft.irfft(ph, m)
        if phi.min() <= 0 or phi.max() / phi.min() > _MAX_PHI_RATIO:
            raise ParameterError.invalid("nu", nu, f"large enough that phi spans less than {_MAX_PHI_RATIO:g} "
                                         f"at t = {ti:g} (spectral Cole-Hopf accuracy; increase nu or "
                                         "reduce the amplitude)")
        dphi = np.fft.irfft(1j * k * ph, m)
        out[i] = mean - 2.0 * nu * (dphi / phi)[::stride]
    return out[0] if scalar else out


def burgers_exact_sine(x: object, t: object, nu: float) -> np.ndarray:
    """Exact ``u(x, t)`` for ``u(x, 0) = -sin(pi x)``, ``u(+-1, t) = 0``, viscosity ``nu``.

    ``x`` and ``t`` broadcast against each other; the result has their broadcast shape.
    Accurate to about 1e-12 for ``t <= 1`` and any ``nu >= 1e-3`` (module docstring).
    """
    nu = _check_nu(nu)
    xs = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(xs)):
        raise ParameterError.invalid("x", x, "finite positions")
    ts = _check_times(t)
    xb, tb = np.broadcast_arrays(xs, ts)
    out = -np.sin(math.pi * xb)  # t = 0 entries stay as they are
    pos = tb > 0
    if not pos.any():
        return out
    xp, tp = xb[pos], tb[pos]
    zmax = math.sqrt(1.0 / (math.pi * nu) + 40.0)
    sigma = 1.0 / math.sqrt(2.0 + 2.0 * math.pi * float(tp.max()))
    nz = 2 * int(math.ceil(zmax * _STEPS_PER_SIGMA / sigma)) + 1
    z = np.linspace(-zmax, zmax, nz)
    res = np.empty(xp.size)
    chunk = max(1, 2_000_000 // nz)
    for s in range(0, xp.size, chunk):
        xc, tc = xp[s:s + chunk, None], tp[s:s + chunk, None]
        y = xc - np.sqrt(4.0 * nu * tc) * z  # x - eta
        logw = -z * z - np.cos(math.pi * y) / (2.0 * math.pi * nu)  # -F(y)/(2 nu) up to a constant
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        res[s:s + chunk] = -(w * np.sin(math.pi * y)).sum(axis=1) / w.sum(axis=1)
    out[pos] = res
    return out


# -- pseudo-spectral solver ---------------------------------------------------------------------

@dataclass(frozen=True)
class BurgersParams(GridTime):
    """Periodic viscous Burgers ``u_t + u u_x = nu u_xx`` on ``[0, length)`` with ``n_grid`` points.

    ``n_grid`` must be even (the spectral grid is ``x_j = j length / n_grid``, without the
    periodic end point; the 2/3 rule keeps integer wavenumbers ``|m| < n_grid / 3``). The state
    is stored at ``n_save`` times evenly spaced in ``(0, t_final]`` (plus ``t = 0``); each
    interval is split into the fewest equal steps no longer than ``dt``. The advective CFL
    number ``dt max|u0| / dx`` must not exceed :data:`CFL_MAX` (checked by :func:`burgers_solve`:
    the maximum principle keeps ``max|u|`` from growing).
    """

    nu: float = 0.1
    length: float = 2.0 * math.pi
    n_grid: int = 256
    dt: float = 1e-3
    t_final: float = 1.0
    n_save: int = 10

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "nu", check_real("nu", self.nu, 1e-8, 1e4, "(viscosity, > 0)"))
        if self.nu <= 0:
            raise ParameterError.invalid("nu", self.nu, "a number > 0 (viscosity)")
        self._check_grid_time(min_grid=8, even=True)


def _check_field(u0: object, shape_tail: tuple[int, ...], name: str = "u0") -> np.ndarray:
    u = np.asarray(u0, dtype=np.float64)
    if u.shape[u.ndim - len(shape_tail):] != shape_tail or u.ndim not in (len(shape_tail), len(shape_tail) + 1):
        raise ParameterError.invalid(name, f"an array of shape {u.shape}",
                                     f"shape {shape_tail} or (batch,) + {shape_tail} (the periodic grid, no end point)")
    if not np.all(np.isfinite(u)):
        raise ParameterError.invalid(name, "an array with NaN or inf", "finite values")
    return u


def burgers_solve(u0: object, params: BurgersParams) -> np.ndarray:
    """Integrate from ``u0`` (``(n_grid,)`` or ``(batch, n_grid)``); returns ``(n_save + 1, ...)`` snapshots.

    Pseudo-spectral in space (2/3 dealiasing of the quadratic term), ETDRK4 in time (diffusion
    exact, fourth order overall). Snapshot ``i`` is at ``params.times[i]``; snapshot 0 is ``u0``.
    """
    u0 = _check_field(u0, (params.n_grid,))
    dx = params.length / params.n_grid
    steps = params.steps_per_save
    dt = params.t_final / params.n_save / steps
    cfl = params.dt * float(np.abs(u0).max()) / dx  # the requested step (the one used is never larger)
    if cfl > CFL_MAX:
        raise ParameterError.invalid("dt", params.dt, f"<= {CFL_MAX * dx / np.abs(u0).max():.3g} for this initial "
                                     f"condition (CFL dt max|u0| / dx <= {CFL_MAX:g}; got {cfl:.3g})")
    k = wavenumbers(params.n_grid, params.length, half=True)
    mask = dealias_mask(params.n_grid, half=True)
    half_ik = -0.5j * k * mask
    n = params.n_grid

    def nonlinear(v: np.ndarray) -> np.ndarray:  # -(u^2 / 2)_x, dealiased
        u = np.fft.irfft(v * mask, n, axis=-1)
        return half_ik * np.fft.rfft(u * u, axis=-1)

    scheme = ETDRK4(-params.nu * k**2, dt)
    v = np.fft.rfft(u0, axis=-1)
    out = np.empty((params.n_save + 1,) + u0.shape)
    out[0] = u0
    for i in range(1, params.n_save + 1):
        for _ in range(steps):
            v = scheme.step(v, nonlinear)
        out[i] = np.fft.irfft(v, n, axis=-1)
        if not np.all(np.isfinite(out[i])):  # cannot happen below the CFL limit; never return garbage
            raise ParameterError.invalid("dt", params.dt, "small enough for a stable integration (it diverged)")
    return out
