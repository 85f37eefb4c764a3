"""Energy and magnetisation per spin of square-lattice Ising configurations.

Both work on one ``L`` x ``L`` lattice or a stack ``(..., L, L)`` of them, with
periodic boundaries and ``H = -sum_<ij> s_i s_j - h sum_i s_i`` (J = 1), so
they are the reference the kernels, the exact enumeration and the datasets
all share. Energies are in J per spin; magnetisation is dimensionless.
"""

from __future__ import annotations

import numpy as np

__all__ = ["energy_per_spin", "magnetization_per_spin"]


def _as_lattice(spins: np.ndarray) -> np.ndarray:
    spins = np.asarray(spins)
    if spins.ndim < 2 or spins.shape[-1] != spins.shape[-2]:
        raise ValueError(f"spins must have shape (..., L, L); got {spins.shape}")
    return spins


def energy_per_spin(spins: np.ndarray, h: float = 0.0) -> np.ndarray | float:
    """Energy per spin (J): ``-(sum of bond products + h * sum of spins) / L**2``.

    Each bond is counted once (right and down neighbour of every site).
    Returns a float for one lattice, an array of shape ``spins.shape[:-2]``
    for a stack.
    """
    s = _as_lattice(spins)
    s = s.astype(np.int8, copy=False) if s.dtype.kind in "iub" else s
    right = np.roll(s, -1, axis=-1)
    down = np.roll(s, -1, axis=-2)
    axes = (-2, -1)
    bonds = np.sum(s * right, axis=axes, dtype=np.int64) + np.sum(s * down, axis=axes, dtype=np.int64)
    total = np.sum(s, axis=axes, dtype=np.int64)
    e = -(bonds + h * total) / (s.shape[-1] * s.shape[-2])
    return float(e) if np.ndim(e) == 0 else np.asarray(e, dtype=np.float64)


def magnetization_per_spin(spins: np.ndarray) -> np.ndarray | float:
    """Signed magnetisation per spin (dimensionless), in [-1, 1]."""
    s = _as_lattice(spins)
    m = np.sum(s, axis=(-2, -1), dtype=np.int64) / (s.shape[-1] * s.shape[-2])
    return float(m) if np.ndim(m) == 0 else np.asarray(m, dtype=np.float64)
