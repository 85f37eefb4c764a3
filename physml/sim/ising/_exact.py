"""Exact results for the 2D square-lattice Ising model (J = k_B = 1).

* :func:`onsager_energy`: Onsager's internal energy per spin of the infinite
  lattice at ``h = 0`` (Onsager 1944), via the complete elliptic integral of
  the first kind.
* :func:`yang_magnetization`: the spontaneous magnetisation of the infinite
  lattice (Onsager 1948, Yang 1952), ``(1 - sinh(2/T)**-4)**(1/8)`` below
  :data:`T_C`, zero above.
* :func:`exact_energy_distribution`: the exact distribution of the energy per
  spin of a small periodic ``L`` x ``L`` lattice (``L <= 4``) at any field, by
  enumerating all ``2**(L*L)`` states.

Temperatures are in units of J/k_B, energies in J, fields in J.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ellipk

from physml.errors import ParameterError

from ._observables import energy_per_spin

__all__ = ["T_C", "onsager_energy", "yang_magnetization", "exact_energy_distribution"]

#: critical temperature 2 / ln(1 + sqrt 2) = 2.269185... (units J/k_B)
T_C: float = 2.0 / math.log(1.0 + math.sqrt(2.0))

#: largest lattice enumerated exhaustively (2**16 states)
MAX_ENUMERATION_L = 4


def _beta(T: np.ndarray | float) -> np.ndarray:
    T = np.asarray(T, dtype=float)
    if np.any(~np.isfinite(T)) or np.any(T <= 0):
        raise ParameterError.invalid("T", T.tolist(), "finite and > 0")
    return 1.0 / T


def onsager_energy(T: np.ndarray | float) -> np.ndarray | float:
    """Exact energy per spin (J) of the infinite lattice at ``h = 0``; vectorised.

    ``u = -coth(2b) [1 + (2/pi) (2 tanh(2b)**2 - 1) K(k)]`` with ``b = 1/T``,
    ``k = 2 sinh(2b) / cosh(2b)**2`` and ``K`` the complete elliptic integral
    of the first kind (``scipy.special.ellipk`` takes ``m = k**2``). At ``T_C``
    the factor in front of the log-divergent ``K`` vanishes; the limit
    ``-sqrt(2)`` is used there. ``u -> -2`` as ``T -> 0``.
    """
    x = 2.0 * _beta(T)
    q = np.exp(-x)  # written with exp(-x) so that low T cannot overflow
    tanh = (1.0 - q * q) / (1.0 + q * q)
    k = 2.0 * tanh * (2.0 * q / (1.0 + q * q))  # 2 tanh(x) sech(x) = 2 sinh(x)/cosh(x)**2
    m = np.minimum(k * k, 1.0)
    factor = 2.0 * tanh * tanh - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(m < 1.0, factor * ellipk(np.where(m < 1.0, m, 0.0)), 0.0)
    u = -(1.0 / tanh) * (1.0 + (2.0 / np.pi) * term)
    return u.item() if u.ndim == 0 else u


def yang_magnetization(T: np.ndarray | float) -> np.ndarray | float:
    """Exact spontaneous magnetisation per spin of the infinite lattice; vectorised."""
    b = _beta(T)
    T = np.asarray(T, dtype=float)
    q = np.exp(-2.0 * b)
    inv_sinh4 = (2.0 * q / (1.0 - q * q)) ** 4  # sinh(2b)**-4 without overflow
    m = np.where(T < T_C, np.clip(1.0 - inv_sinh4, 0.0, None) ** 0.125, 0.0)
    return m.item() if m.ndim == 0 else m


def all_states(L: int) -> np.ndarray:
    """Every configuration of an ``L`` x ``L`` lattice: int8 array ``(2**(L*L), L, L)``."""
    n = L * L
    codes = np.arange(2**n, dtype=np.int64)[:, None]
    bits = (codes >> np.arange(n, dtype=np.int64)) & 1
    return (2 * bits - 1).astype(np.int8).reshape(-1, L, L)


def exact_energy_distribution(L: int, T: float, h: float = 0.0, *, lattice: str = "square"
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Exact distribution of the energy per spin of a periodic ``L`` x ``L`` lattice.

    Enumerates all ``2**(L*L)`` states (``2 <= L <= 4``) with the same
    Hamiltonian as the simulator. Returns ``(levels, probabilities)``: the
    distinct energies per spin (J), ascending, and their Boltzmann probabilities.
    ``lattice='triangular'`` uses the triangular lattice's three bonds per site.
    """
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)) or not 2 <= L <= MAX_ENUMERATION_L:
        raise ParameterError.invalid("L", L, f"an integer in [2, {MAX_ENUMERATION_L}] (exhaustive enumeration)")
    if not math.isfinite(h):
        raise ParameterError.invalid("h", h, "a finite number")
    beta = float(_beta(T))
    if lattice not in ("square", "triangular"):
        raise ParameterError.invalid("lattice", lattice, "'square' or 'triangular'")
    if lattice == "triangular":
        from ._triangular import triangular_energy_per_spin

        e = triangular_energy_per_spin(all_states(int(L)), h)
    else:
        e = energy_per_spin(all_states(int(L)), h)
    keys = np.round(e, 12)  # equal energies from different (bond, magnetisation) pairs merge
    levels, inverse = np.unique(keys, return_inverse=True)
    log_w = -beta * L * L * e
    w = np.exp(log_w - log_w.max())
    p = np.bincount(inverse, weights=w, minlength=len(levels))
    return levels, p / p.sum()
