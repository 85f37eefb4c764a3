"""The Ising model on the triangular lattice: Wolff clusters, energy, exact T_c.

An ``L`` x ``L`` int8 array holds the spins; site ``(i, j)`` has the six neighbours
``(i +- 1, j)``, ``(i, j +- 1)``, ``(i + 1, j - 1)`` and ``(i - 1, j + 1)`` (a square array with
one diagonal added: the triangular lattice, skewed), periodic in both directions. Each site has
three bonds of its own: right ``(0, +1)``, down ``(+1, 0)`` and down-left ``(+1, -1)``. Units: J = k_B = 1.

The lattice is not bipartite (three sites of a triangle cannot alternate), so the checkerboard
Metropolis kernel does not apply; the Wolff cluster update only needs the neighbour list and is
exact at h = 0 on any graph (each bond is tried once from each end with probability
``1 - exp(-2 beta)``; on the smallest lattices, where a neighbour appears twice in the list, it is
tried twice, which is exactly a doubled bond, as the energy function counts it).

Exact results: T_c = 4 / ln 3 = 3.6410 (Houtappel 1950; Wannier 1950), ground-state energy
-3 J per spin, critical energy -2 J per spin (infinite lattice).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rng import S11, S63, mix64
from ._wolff import wolff_add_threshold

__all__ = ["T_C_TRIANGULAR", "triangular_energy_per_spin", "triangular_wolff_sweeps"]

#: critical temperature of the triangular lattice, 4 / ln 3 (units J/k_B)
T_C_TRIANGULAR: float = 4.0 / math.log(3.0)

_TWO53 = float(2**53)


def triangular_energy_per_spin(spins: np.ndarray, h: float = 0.0) -> np.ndarray | float:
    """Energy per spin (J) of triangular-lattice configurations ``(..., L, L)``: three bonds per site."""
    s = np.asarray(spins)
    if s.ndim < 2 or s.shape[-1] != s.shape[-2]:
        raise ValueError(f"spins must have shape (..., L, L); got {s.shape}")
    s = s.astype(np.int8, copy=False) if s.dtype.kind in "iub" else s
    right = np.roll(s, -1, axis=-1)
    down = np.roll(s, -1, axis=-2)
    down_left = np.roll(down, 1, axis=-1)  # site (i + 1, j - 1)
    axes = (-2, -1)
    bonds = sum(np.sum(s * nb, axis=axes, dtype=np.int64) for nb in (right, down, down_left))
    total = np.sum(s, axis=axes, dtype=np.int64)
    e = -(bonds + h * total) / (s.shape[-1] * s.shape[-2])
    return float(e) if np.ndim(e) == 0 else np.asarray(e, dtype=np.float64)


# The loop follows the square kernel (_wolff.py) line for line but for the six-neighbour list: a
# separate kernel rather than a neighbour-table argument keeps the square kernel, its results and
# its speed exactly as they were (Numba inlines the four fixed neighbours there).
@njit(cache=True)
def _wolff_tri(spins, thr, n_sweeps, clusters_per_sweep, state, stack):
    L = spins.shape[0]
    n_sites = L * L
    flat = spins.reshape(n_sites)
    row = state.shape[0] - 1
    c, g = state[row, 0], state[row, 1]
    n_clusters, n_flipped = 0, 0
    nbs = np.empty(6, np.int64)
    for _ in range(n_sweeps):
        flipped, count = 0, 0
        while (flipped < n_sites) if clusters_per_sweep == 0 else (count < clusters_per_sweep):
            c += g
            seed = min(int((mix64(c) >> S11) * (n_sites / _TWO53)), n_sites - 1)
            s0 = flat[seed]
            flat[seed] = -s0
            stack[0] = seed
            top, size = 1, 1
            while top > 0:
                top -= 1
                site = stack[top]
                i, j = site // L, site % L
                ip, im = (i + 1) % L, (i - 1 + L) % L
                jp, jm = (j + 1) % L, (j - 1 + L) % L
                nbs[0], nbs[1] = ip * L + j, im * L + j
                nbs[2], nbs[3] = i * L + jp, i * L + jm
                nbs[4], nbs[5] = ip * L + jm, im * L + jp
                for nb in nbs:
                    if flat[nb] == s0:
                        c += g
                        if (mix64(c) >> S11) < thr:
                            flat[nb] = -s0
                            stack[top] = nb
                            top += 1
                            size += 1
            flipped += size
            count += 1
        n_clusters += count
        n_flipped += flipped
        c += g
        if mix64(c) >> S63:  # global flip, probability 1/2 (exact symmetry at h = 0)
            for k in range(n_sites):
                flat[k] = -flat[k]
    state[row, 0] = c
    return n_clusters, n_flipped


def triangular_wolff_sweeps(spins: np.ndarray, beta: float, n_sweeps: int, rng_state: np.ndarray, *,
                            clusters_per_sweep: int | None = None) -> tuple[int, int]:
    """Wolff sweeps on the triangular lattice, in place; same contract as :func:`wolff_sweeps`."""
    if spins.ndim != 2 or spins.shape[0] != spins.shape[1] or spins.dtype != np.int8:
        raise ValueError(f"spins must be an int8 L x L array; got {spins.dtype} {spins.shape}")
    if not spins.flags.c_contiguous:
        raise ValueError("spins must be C-contiguous")
    if clusters_per_sweep is not None and clusters_per_sweep < 1:
        raise ValueError(f"clusters_per_sweep must be >= 1; got {clusters_per_sweep}")
    # a site is pushed at most once per cluster (it is flipped as it joins): L * L slots suffice
    stack = np.empty(spins.size, np.int64)
    clusters, flipped = _wolff_tri(spins, wolff_add_threshold(beta), int(n_sweeps), int(clusters_per_sweep or 0),
                                   rng_state, stack)
    return int(clusters), int(flipped)
