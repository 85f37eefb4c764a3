"""Exact spectra the finite-difference solvers are tested against (hbar = m = 1).

Each ``*_levels`` function returns the lowest ``n`` energies in ascending
order (energies in hbar^2 / (m length^2) for the given length unit); the
matching ``*_potential`` functions return ``V`` as a callable for
:func:`solve_1d` / :func:`solve_2d`.

* harmonic oscillator ``V = omega^2 x^2 / 2``: ``E_n = omega (n + 1/2)``;
  in 2D (isotropic) ``E = omega (n_x + n_y + 1)``, level ``N`` ``N + 1``-fold
  degenerate;
* infinite well of width ``a`` (``V = 0`` inside, ``psi = 0`` at the walls):
  ``E_n = n^2 pi^2 / (2 a^2)``, ``n = 1, 2, ...``;
* Morse ``V = D (1 - exp(-a (x - x0)))^2``:
  ``E_n = omega (n + 1/2) - [omega (n + 1/2)]^2 / (4 D)``, ``omega = a sqrt(2 D)``,
  bound for ``n < sqrt(2 D) / a - 1/2``;
* Pöschl–Teller ``V = -lambda (lambda + 1) / 2 sech^2(x)``:
  ``E_n = -(lambda - n)^2 / 2``, bound for ``n < lambda``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from physml.errors import ParameterError

from ._grid import check_int, check_real

__all__ = [
    "harmonic_levels_1d",
    "harmonic_levels_2d",
    "harmonic_potential",
    "infinite_well_levels",
    "morse_levels",
    "morse_bound_states",
    "morse_potential",
    "poschl_teller_levels",
    "poschl_teller_bound_states",
    "poschl_teller_potential",
]


def harmonic_levels_1d(n: int, omega: float = 1.0) -> np.ndarray:
    """Lowest ``n`` levels ``omega (k + 1/2)``, ``k = 0..n-1``, of ``V = omega^2 x^2 / 2``."""
    n = check_int("n", n, 1)
    omega = check_real("omega", omega, positive=True)
    return omega * (np.arange(n) + 0.5)


def harmonic_levels_2d(n: int, omega: float = 1.0) -> np.ndarray:
    """Lowest ``n`` levels of the isotropic 2D oscillator, ``omega (n_x + n_y + 1)``, each repeated by its
    degeneracy."""
    n = check_int("n", n, 1)
    omega = check_real("omega", omega, positive=True)
    levels: list[float] = []
    N = 0
    while len(levels) < n:
        levels.extend([omega * (N + 1)] * (N + 1))
        N += 1
    return np.asarray(levels[:n])


def harmonic_potential(omega: float = 1.0, center: float | tuple[float, float] = 0.0) -> Callable[..., np.ndarray]:
    """``V = omega^2 |r - center|^2 / 2`` as a callable of one (1D) or two (2D) coordinate arrays."""
    omega = check_real("omega", omega, positive=True)
    c = np.atleast_1d(np.asarray(center, dtype=float))

    def V(*coords: np.ndarray) -> np.ndarray:
        shift = np.broadcast_to(c, (len(coords),)) if c.size == 1 else c
        return 0.5 * omega**2 * sum((q - s) ** 2 for q, s in zip(coords, shift))

    return V


def infinite_well_levels(n: int, width: float = 1.0) -> np.ndarray:
    """Lowest ``n`` levels ``k^2 pi^2 / (2 a^2)``, ``k = 1..n``, of an infinite well of width ``a``.

    Solve it with ``V = 0`` and the walls as the grid bounds:
    ``solve_1d(0.0 * x, 0, a, ...)`` or ``solve_1d(lambda x: 0 * x, 0, a, ...)``.
    """
    n = check_int("n", n, 1)
    a = check_real("width", width, positive=True)
    k = np.arange(1, n + 1)
    return k**2 * math.pi**2 / (2 * a**2)


def morse_bound_states(D: float, a: float) -> int:
    """Number of bound states of the Morse potential: the ``n >= 0`` with ``n < sqrt(2 D) / a - 1/2``."""
    D = check_real("D", D, positive=True)
    a = check_real("a", a, positive=True)
    lam = math.sqrt(2 * D) / a
    return max(0, math.ceil(lam - 0.5))


def morse_levels(n: int, D: float, a: float) -> np.ndarray:
    """Lowest ``n`` bound levels of ``V = D (1 - exp(-a (x - x0)))^2`` (independent of ``x0``)."""
    n = check_int("n", n, 1)
    bound = morse_bound_states(D, a)
    if n > bound:
        raise ParameterError.invalid("n", n, f"at most the {bound} bound state(s) of this Morse potential")
    omega = a * math.sqrt(2 * D)
    e = omega * (np.arange(n) + 0.5)
    return e - e**2 / (4 * D)


def morse_potential(D: float, a: float, x0: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    """``V(x) = D (1 - exp(-a (x - x0)))^2`` (well depth ``D`` in energy units, ``a`` in 1/length)."""
    D = check_real("D", D, positive=True)
    a = check_real("a", a, positive=True)
    x0 = check_real("x0", x0)
    return lambda x: D * (1.0 - np.exp(-a * (x - x0))) ** 2


def poschl_teller_bound_states(lam: float) -> int:
    """Number of bound states of the Pöschl–Teller well: the ``n >= 0`` with ``n < lambda``."""
    lam = check_real("lam", lam, positive=True)
    return math.ceil(lam)


def poschl_teller_levels(n: int, lam: float) -> np.ndarray:
    """Lowest ``n`` levels ``-(lambda - k)^2 / 2`` of ``V = -lambda (lambda + 1) / 2 sech^2(x)``."""
    n = check_int("n", n, 1)
    bound = poschl_teller_bound_states(lam)
    if n > bound:
        raise ParameterError.invalid("n", n, f"at most the {bound} bound state(s) for lambda = {lam}")
    return -((lam - np.arange(n)) ** 2) / 2


def poschl_teller_potential(lam: float) -> Callable[[np.ndarray], np.ndarray]:
    """``V(x) = -lambda (lambda + 1) / 2 sech^2(x)`` (alpha = 1; x in length units)."""
    lam = check_real("lam", lam, positive=True)
    return lambda x: -0.5 * lam * (lam + 1) / np.cosh(x) ** 2
