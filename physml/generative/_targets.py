"""Target Boltzmann distributions with exact answers: a tilted 2D double well and the periodic Ising lattice."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad

from ..validation import Real, validate_fields

__all__ = ["DoubleWell", "ising_energy"]


@dataclass(frozen=True)
class DoubleWell:
    """``beta U(x, y) = barrier (x^2 - 1)^2 - tilt x + y^2 / 2``, in units of k_B T (so beta = 1).

    Two wells at ``x ~ +-1`` separated by a barrier of height ``barrier`` at ``x = 0``; ``tilt > 0`` lowers the
    right one. :meth:`free_energy_difference` is the exact ``F_right - F_left = -ln(Z_{x>0} / Z_{x<0})`` by
    adaptive quadrature (the Gaussian ``y`` factor cancels).
    """

    barrier: float = 2.5
    """Barrier height between the wells at x = 0, in k_B T; in (0, 20]."""
    tilt: float = 0.5
    """Linear tilt in k_B T per unit x, lowering the right well; in [0, 5]."""

    def __post_init__(self) -> None:
        validate_fields(self, {"barrier": Real(0.0, 20.0, closed="right"), "tilt": Real(0.0, 5.0)})

    def energy(self, x):
        """``beta U`` of points ``x`` (shape ``(n, 2)``; a NumPy array or a torch tensor)."""
        a, b = x[:, 0], x[:, 1]
        return self.barrier * (a * a - 1.0) ** 2 - self.tilt * a + 0.5 * b * b

    def _x_weight(self, a: float) -> float:
        return math.exp(-(self.barrier * (a * a - 1.0) ** 2 - self.tilt * a))

    def free_energy_difference(self) -> float:
        """Exact ``F_right - F_left`` in k_B T (quadrature to ~1e-12)."""
        edge = 1.0 + math.sqrt((40.0 + 5.0 * self.tilt) / self.barrier)  # weight < e^-40 of the wells beyond
        right = quad(self._x_weight, 0.0, edge, epsabs=0, epsrel=1e-12, limit=200)[0]
        left = quad(self._x_weight, -edge, 0.0, epsabs=0, epsrel=1e-12, limit=200)[0]
        return -math.log(right / left)

    def log_partition(self) -> float:
        """Exact ``ln Z`` of ``exp(-beta U)`` over the plane."""
        edge = 1.0 + math.sqrt((40.0 + 5.0 * self.tilt) / self.barrier)
        zx = quad(self._x_weight, -edge, edge, epsabs=0, epsrel=1e-12, limit=200, points=[0.0])[0]
        return math.log(zx) + 0.5 * math.log(2 * math.pi)

    def x_density(self, a: np.ndarray) -> np.ndarray:
        """The exact marginal density of ``x``."""
        a = np.asarray(a, float)
        u = self.barrier * (a * a - 1.0) ** 2 - self.tilt * a
        return np.exp(-u - (self.log_partition() - 0.5 * math.log(2 * math.pi)))


def ising_energy(spins, L: int):
    """Energy (J, total, not per spin) of flattened ``L*L`` spin configurations ``(n, L*L)`` of +-1 (a torch
    tensor), periodic square lattice, ``H = -sum_<ij> s_i s_j``, each bond once, as physml.sim.ising counts it."""
    import torch

    s = spins.reshape(-1, L, L)
    return -(s * torch.roll(s, -1, 1)).sum((1, 2)) - (s * torch.roll(s, -1, 2)).sum((1, 2))
