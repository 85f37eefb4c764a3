"""Exact partition function of the square-lattice Ising model on a finite torus (Kaufman 1949).

For an ``m`` x ``n`` lattice with periodic boundaries, ``H = -sum_<ij> s_i s_j`` (J = k_B = 1, h = 0)
and ``K = 1/T``, Kaufman's transfer-matrix solution is (in the form of Beale 1996, PRL 76, 78)

    Z = 1/2 (2 sinh 2K)^(mn/2) (Z_1 + Z_2 + Z_3 + Z_4),
    Z_1 = prod_{r=0}^{n-1} 2 cosh(m g_{2r+1}/2),   Z_2 = prod 2 sinh(m g_{2r+1}/2),
    Z_3 = prod_{r=0}^{n-1} 2 cosh(m g_{2r}/2),     Z_4 = prod 2 sinh(m g_{2r}/2),

with ``cosh g_k = cosh 2K coth 2K - cos(pi k / n)`` (g_k > 0) for ``k >= 1`` and ``g_0 = 2K + ln tanh K``,
which changes sign at the critical point (so Z_4 < 0 above T_c). Every product is formed in log space
with its sign, and the four terms are combined by a signed log-sum-exp, so ``ln Z`` is accurate for any
lattice size and temperature (Z itself overflows a double beyond about 30 x 30).

* :func:`kaufman_log_partition`: ``ln Z``;
* :func:`kaufman_free_energy`: ``f = -T ln Z / (mn)`` per spin;
* :func:`kaufman_energy`: the internal energy per spin ``-d ln Z / dK / (mn)``, differentiated analytically;
* :func:`onsager_free_energy`: the infinite lattice's free energy per spin (Onsager 1944), the large-L
  limit of :func:`kaufman_free_energy`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad

from physml.errors import ParameterError

__all__ = ["kaufman_log_partition", "kaufman_free_energy", "kaufman_energy", "onsager_free_energy"]


def _coupling(T: float) -> float:
    if isinstance(T, bool) or not isinstance(T, (int, float, np.integer, np.floating)) or not math.isfinite(T) \
            or T <= 0:
        raise ParameterError.invalid("T", T, "a finite number > 0 (J/k_B)")
    return 1.0 / float(T)


def _sizes(L: object, n: object | None) -> tuple[int, int]:
    out = []
    for name, v in (("L", L), ("n", L if n is None else n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise ParameterError.invalid(name, v, "an integer >= 2 (lattice side)")
        out.append(int(v))
    return out[0], out[1]


def _log2cosh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


def _log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    with np.errstate(divide="ignore"):
        return a + np.log(-np.expm1(-2.0 * a))  # -inf at x = 0 (only g_0 at T_c): that term vanishes


def _gammas(K: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``g_k`` for ``k = 0 .. 2n-1`` and their derivatives ``dg_k/dK``; returned split into odd and even k."""
    k = np.arange(2 * n)
    s2, c2 = math.sinh(2 * K), math.cosh(2 * K)
    c = c2 * c2 / s2  # cosh 2K coth 2K
    dc = 2.0 * c2 * (s2 * s2 - 1.0) / (s2 * s2)
    cosh_g = c - np.cos(np.pi * k / n)
    g = np.arccosh(np.maximum(cosh_g, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        dg = dc / np.sinh(g)
    g[0] = 2.0 * K + math.log(math.tanh(K))
    dg[0] = 2.0 + 2.0 / s2
    return g[1::2], dg[1::2], g[0::2], dg[0::2]


def _terms(K: float, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For Z_1..Z_4: ln|Z_i|, sign(Z_i) and d ln|Z_i| / dK."""
    g_odd, dg_odd, g_even, dg_even = _gammas(K, n)
    logs, signs, derivs = [], [], []
    for g, dg in ((g_odd, dg_odd), (g_even, dg_even)):
        x = 0.5 * m * g
        logs.append(np.sum(_log2cosh(x)))
        signs.append(1.0)
        derivs.append(np.sum(0.5 * m * dg * np.tanh(x)))
        logs.append(np.sum(_log_abs_2sinh(x)))
        signs.append(float(np.prod(np.sign(x))))
        with np.errstate(divide="ignore", invalid="ignore"):
            derivs.append(np.sum(0.5 * m * dg / np.tanh(x)))
    order = [0, 1, 2, 3]  # Z_1 (odd cosh), Z_2 (odd sinh), Z_3 (even cosh), Z_4 (even sinh)
    return np.array(logs)[order], np.array(signs)[order], np.array(derivs)[order]


def _log_z_and_weights(L: int, n: int | None, T: float) -> tuple[float, np.ndarray, np.ndarray, float, int]:
    K = _coupling(T)
    m, n_ = _sizes(L, n)
    logs, signs, derivs = _terms(K, m, n_)
    top = np.max(logs)
    w = signs * np.exp(logs - top)
    total = float(np.sum(w))
    if not total > 0:  # cannot happen for a valid lattice; guards the algebra
        raise ArithmeticError(f"Kaufman's sum is not positive at L={m}, n={n_}, T={T}")
    log_z = -math.log(2.0) + 0.5 * m * n_ * math.log(2.0 * math.sinh(2 * K)) + top + math.log(total)
    return log_z, w / total, derivs, K, m * n_


def kaufman_log_partition(L: int, T: float, *, n: int | None = None) -> float:
    """``ln Z`` of the periodic ``L`` x ``n`` square lattice (``n = L`` by default) at temperature ``T``, h = 0.

    Each bond is counted once per pair of neighbouring sites, as in :func:`energy_per_spin` (so on a side of
    length 2 the two bonds joining the same pair of sites both count). Exact (Kaufman 1949) to rounding.
    """
    return _log_z_and_weights(L, n, T)[0]


def kaufman_free_energy(L: int, T: float, *, n: int | None = None) -> float:
    """Free energy per spin, ``f = -T ln Z / (L n)`` (J), of the finite periodic lattice."""
    log_z, _, _, _, N = _log_z_and_weights(L, n, T)
    return -float(T) * log_z / N


def kaufman_energy(L: int, T: float, *, n: int | None = None) -> float:
    """Exact mean energy per spin (J) of the finite periodic lattice: ``-(d ln Z / dK) / (L n)``, analytically."""
    _, w, derivs, K, N = _log_z_and_weights(L, n, T)
    keep = w != 0.0  # a vanishing term (g_0 = 0 at T_c) contributes no derivative
    d_log_z = N / math.tanh(2 * K) + float(np.sum(w[keep] * derivs[keep]))
    return -d_log_z / N


def onsager_free_energy(T: float) -> float:
    """Free energy per spin (J) of the infinite square lattice at h = 0 (Onsager 1944).

    ``-f/T = ln(2 cosh 2K) + (1/pi) int_0^{pi/2} ln[(1 + sqrt(1 - k^2 sin^2 t)) / 2] dt``,
    ``k = 2 sinh 2K / cosh^2 2K``, integrated by adaptive quadrature (the integrand is smooth except for a
    logarithmic kink at T_c, where ``k = 1``).
    """
    K = _coupling(T)
    kk = min(2.0 * math.sinh(2 * K) / math.cosh(2 * K) ** 2, 1.0)
    integral, _ = quad(lambda t: math.log(0.5 * (1.0 + math.sqrt(max(1.0 - (kk * math.sin(t)) ** 2, 0.0)))),
                       0.0, 0.5 * math.pi, epsabs=1e-13, epsrel=1e-13, limit=200)
    log2cosh = 2 * K + math.log1p(math.exp(-4 * K))
    return -float(T) * (log2cosh + integral / math.pi)
