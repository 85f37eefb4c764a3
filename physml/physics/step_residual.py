"""PDE residual of one time step ``prev -> next`` of a gridded field (any predictor: a solver, a surrogate).

``(next - prev) / dt - F(mid)`` at the midpoint ``mid = (prev + next) / 2``, derivatives spectral on the
periodic grid: the implicit-midpoint form. A step of the exact flow leaves a residual O(dt^2), so the data's
own steps give the floor a surrogate's steps are compared with; a surrogate's prediction errors add to it.

* ``burgers`` (1D): ``F(u) = -u u_x + nu u_xx``;
* ``heat`` (1D or 2D): ``F(u) = alpha Laplacian u``;
* ``navier-stokes`` (2D vorticity): :func:`physml.sim.fluids.vorticity_residual` (advection, viscosity,
  drag and forcing of the :class:`~physml.sim.fluids.NavierStokesParams` given).

All three conserve the domain mean of the field on a periodic box (Navier-Stokes: with a mean-free forcing),
which :func:`mean_drift` measures.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError

__all__ = ["PDES", "step_residual", "mean_drift"]

PDES = ("burgers", "heat", "navier-stokes")


def _k(n: int, length: float) -> np.ndarray:
    k = np.fft.fftfreq(n, d=1.0 / n) * 2 * math.pi / length
    if n % 2 == 0:
        k[n // 2] = 0.0
    return k


def _dx(u: np.ndarray, length: float, axis: int, order: int) -> np.ndarray:
    k = _k(u.shape[axis], length)
    shape = [1] * u.ndim
    shape[axis] = -1
    return np.real(np.fft.ifft((1j * k.reshape(shape)) ** order * np.fft.fft(u, axis=axis), axis=axis))


def step_residual(pde: str, prev: np.ndarray, nxt: np.ndarray, dt: float, *, length: float = 2 * math.pi,
                  nu: float | None = None, alpha: float | None = None, ns_params=None) -> np.ndarray:
    """RMS over the grid of the step residual, one value per sample; ``prev``, ``nxt``: ``(n, *grid)``."""
    a, b = np.asarray(prev, np.float64), np.asarray(nxt, np.float64)
    if a.shape != b.shape or a.ndim not in (2, 3):
        raise ParameterError.invalid("fields", f"{a.shape} and {b.shape}", "two arrays (n, *grid) of one shape, "
                                     "1 or 2 grid axes")
    dim = a.ndim - 1
    mid = (a + b) / 2
    if pde == "burgers":
        if dim != 1 or nu is None:
            raise ParameterError.invalid("pde", pde, "burgers on 1D fields, with nu")
        rhs = -mid * _dx(mid, length, 1, 1) + nu * _dx(mid, length, 1, 2)
    elif pde == "heat":
        if alpha is None:
            raise ParameterError.invalid("pde", pde, "heat with alpha")
        rhs = alpha * sum(_dx(mid, length, ax, 2) for ax in range(1, dim + 1))
    elif pde == "navier-stokes":
        from ..sim import fluids

        if dim != 2 or ns_params is None:
            raise ParameterError.invalid("pde", pde, "navier-stokes on 2D vorticity fields, with its parameters")
        r = fluids.vorticity_residual(a, b, ns_params, dt)
        return np.sqrt((r**2).mean(axis=(1, 2)))
    else:
        raise ParameterError.invalid("pde", pde, " | ".join(PDES))
    r = (b - a) / dt - rhs
    return np.sqrt((r**2).reshape(len(r), -1).mean(axis=1))


def mean_drift(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """``|mean(next) - mean(prev)| / rms(next)`` per sample: 0 for a step that conserves the domain mean."""
    a = np.asarray(prev, np.float64).reshape(len(prev), -1)
    b = np.asarray(nxt, np.float64).reshape(len(nxt), -1)
    return np.abs(b.mean(1) - a.mean(1)) / np.maximum(np.sqrt((b**2).mean(1)), 1e-300)
