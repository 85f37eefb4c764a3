"""Regularised least squares, with the regularisation weight chosen by Morozov's discrepancy principle.

Rule (stated once, used everywhere): choose the largest weight whose data misfit is no
larger than the noise, ``||A x - b|| = tau sqrt(m) sigma`` (``m`` measurements, noise std
``sigma``, safety factor ``tau`` = 1 by default). A smaller weight fits the noise; a
larger one throws away signal the data support.

* :func:`tikhonov`: ``min ||A x - b||^2 + lam^2 ||x||^2`` for a matrix ``A``, solved by the
  SVD for every ``lam``, so the residual is a closed form and the rule is a 1-d root.
* :func:`tv_tomography`: ``min 1/2 ||R x - b||^2 + lam TV(x)``, ``x >= 0``, for the Radon
  transform ``R`` (scikit-image), by FISTA (Beck & Teboulle 2009) with the TV proximal step
  done by scikit-image's Chambolle projection (:func:`skimage.restoration.denoise_tv_chambolle`)
  and the adjoint by unfiltered back-projection. ``lam`` by the same discrepancy rule, bisected
  on ``log lam``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..errors import DataError, ParameterError

__all__ = ["TikhonovResult", "tikhonov", "TVResult", "tv_tomography", "radon_adjoint"]


@dataclass(frozen=True)
class TikhonovResult:
    x: np.ndarray
    weight: float
    residual_norm: float
    target_residual: float
    rule: str


def _finite(name: str, a: np.ndarray) -> None:
    if not np.all(np.isfinite(a)):
        raise DataError(f"{name} contains {int(np.sum(~np.isfinite(a)))} non-finite value(s) (NaN or inf)")


def tikhonov(A, b, noise_std: float, *, tau: float = 1.0, weight: float | None = None) -> TikhonovResult:
    """Tikhonov solution with ``weight`` (lam) by the discrepancy principle unless given."""
    A = np.atleast_2d(np.asarray(A, np.float64))
    b = np.asarray(b, np.float64).reshape(-1)
    if b.size != A.shape[0]:
        raise DataError(f"data has {b.size} measurements; the operator needs {A.shape[0]}")
    _finite("data", b)
    _finite("operator", A)
    if not (math.isfinite(noise_std) and noise_std > 0):
        raise ParameterError.invalid("noise_std", noise_std, "finite and > 0")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    beta = U.T @ b
    perp2 = max(float(b @ b - beta @ beta), 0.0)
    target = tau * math.sqrt(b.size) * noise_std

    def residual(lam: float) -> float:
        f = lam**2 / (s**2 + lam**2)
        return math.sqrt(float(np.sum((f * beta) ** 2)) + perp2)

    rule = "given"
    if weight is None:
        rule = "discrepancy"
        lo, hi = math.log(s.max() * 1e-12), math.log(s.max() * 1e6)
        if residual(math.exp(lo)) >= target:  # even the least-squares fit misfits more than the noise
            weight = math.exp(lo)
            rule = "discrepancy (unattainable: least-squares misfit exceeds the noise level)"
        else:
            weight = math.exp(brentq(lambda u: residual(math.exp(u)) - target, lo, hi, xtol=1e-10))
    x = Vt.T @ (s / (s**2 + weight**2) * beta)
    return TikhonovResult(x, float(weight), residual(weight), target, rule)


# -- total variation for tomography ------------------------------------------------------------

def radon_adjoint(sinogram: np.ndarray, angles_deg: np.ndarray, size: int) -> np.ndarray:
    """Back-projection, the adjoint of :func:`skimage.transform.radon` (up to interpolation error).

    skimage's ``iradon(filter_name=None)`` is the back-projection times ``pi / (2 n_angles)``.
    """
    from skimage.transform import iradon

    bp = iradon(sinogram, theta=angles_deg, filter_name=None, circle=True, output_size=size)
    return bp * (2.0 * len(angles_deg) / math.pi)


@dataclass(frozen=True)
class TVResult:
    image: np.ndarray
    weight: float
    residual_norm: float
    target_residual: float
    n_iterations: int
    history: tuple[tuple[float, float], ...]  # (weight, residual) tried by the rule


def _fista_tv(b, angles, size, lam, step, n_iter, x0, mask):
    from skimage.restoration import denoise_tv_chambolle
    from skimage.transform import radon

    x = x0.copy()
    z, t = x.copy(), 1.0
    for _ in range(n_iter):
        grad = radon_adjoint(radon(z, theta=angles, circle=True) - b, angles, size)
        v = z - step * grad
        x_new = np.clip(denoise_tv_chambolle(v, weight=step * lam, max_num_iter=50), 0.0, None) * mask
        t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
        z = x_new + (t - 1) / t_new * (x_new - x)
        x, t = x_new, t_new
    return x


def tv_tomography(sinogram, angles_deg, noise_std: float, *, size: int | None = None, weight: float | None = None,
                  n_iter: int = 60, tau: float = 1.0, n_bisect: int = 8,
                  x0: np.ndarray | None = None) -> TVResult:
    """TV-regularised, non-negative reconstruction from a (noisy) sinogram ``(n_detector, n_angles)``."""
    from skimage.transform import iradon, radon

    b = np.asarray(sinogram, np.float64)
    angles = np.asarray(angles_deg, np.float64)
    _finite("sinogram", b)
    if b.ndim != 2 or b.shape[1] != angles.size:
        raise DataError(f"sinogram has shape {b.shape}; {angles.size} angles need (n_detector, {angles.size})")
    if not (math.isfinite(noise_std) and noise_std > 0):
        raise ParameterError.invalid("noise_std", noise_std, "finite and > 0")
    size = size or b.shape[0]
    yy, xx = np.mgrid[:size, :size]
    mask = ((xx - size // 2) ** 2 + (yy - size // 2) ** 2 <= (size // 2) ** 2).astype(float)
    # step 1/L, L = ||R^T R|| by power iteration (10 steps reach a few per cent; FISTA tolerates that with a 0.9 margin)
    v = mask.copy()
    for _ in range(10):
        w = radon_adjoint(radon(v, theta=angles, circle=True), angles, size)
        L = float(np.linalg.norm(w) / np.linalg.norm(v))
        v = w / np.linalg.norm(w) * mask
    step = 0.9 / L
    start = np.clip(iradon(b, theta=angles, circle=True, output_size=size), 0, None) * mask if x0 is None else x0
    target = tau * math.sqrt(b.size) * noise_std

    def solve(lam):
        x = _fista_tv(b, angles, size, lam, step, n_iter, start, mask)
        return x, float(np.linalg.norm(radon(x, theta=angles, circle=True) - b))

    history = []
    if weight is not None:
        x, r = solve(weight)
        return TVResult(x, float(weight), r, target, n_iter, ((float(weight), r),))
    # residual grows with lam: bisect log lam between a weight that under-fits and one that over-fits
    lo, hi = math.log(1e-4 * noise_std), math.log(1e2 * noise_std)
    best = None
    for _ in range(n_bisect):
        mid = (lo + hi) / 2
        x, r = solve(math.exp(mid))
        history.append((math.exp(mid), r))
        if r > target:
            hi = mid
        else:
            lo = mid
            best = (x, math.exp(mid), r)
    if best is None:
        x, r = solve(math.exp(lo))
        best = (x, math.exp(lo), r)
    x, lam, r = best
    return TVResult(x, lam, r, target, n_iter, tuple(history))
