"""Wolff single-cluster updates of the square-lattice Ising model (Numba, h = 0).

A cluster grows from a uniformly chosen seed site: each neighbour with the
seed's spin joins with probability ``p = 1 - exp(-2 beta)`` and is flipped as
it joins, so a flipped site is never considered twice and an explicit stack
of site indices replaces recursion. The update satisfies detailed balance
only at zero field. One "sweep" is as many cluster updates as it takes for
the flipped spins to add up to ``L * L`` (the usual convention, so that a
Wolff sweep and a Metropolis sweep cost about the same).

That rule is for equilibration only. Recording the lattice at the moment the
flipped count crosses ``L * L`` samples it right after a size-biased cluster
(the cluster that straddles the threshold is likely a big one: the
inspection paradox), and the recorded energies are then far from Boltzmann
(on a 4 x 4 lattice at T = 3 the mean energy is off by 0.2 J, chi-square
p = 0). So :func:`wolff_sweeps` also takes ``clusters_per_sweep``: a fixed
number of clusters per sweep, decided in advance, which keeps every recorded
state exactly Boltzmann distributed; ``simulate`` fixes it to ``L * L``
divided by the mean cluster size seen during equilibration.

Each sweep ends with a global spin flip with probability 1/2, an exact
symmetry move at ``h = 0``: below T_C a cluster is nearly the whole lattice,
so without it the sign of the magnetisation would hardly ever change.

Randomness comes from the last stream of the state array (see :mod:`._rng`);
the update is serial, so its result is independent of the thread count.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rng import S11, S63, mix64

__all__ = ["wolff_sweeps", "wolff_add_threshold"]

_TWO53 = float(2**53)


def wolff_add_threshold(beta: float) -> np.uint64:
    """``p = 1 - exp(-2 beta)`` as a 53-bit integer threshold."""
    return np.uint64(round(-math.expm1(-2.0 * beta) * _TWO53))


@njit(cache=True)
def _wolff(spins, thr, n_sweeps, clusters_per_sweep, state, stack):
    """Clusters on a flat view of ``spins``; the RNG counter lives in a register."""
    L = spins.shape[0]
    n_sites = L * L
    flat = spins.reshape(n_sites)
    row = state.shape[0] - 1
    c, g = state[row, 0], state[row, 1]
    n_clusters, n_flipped = 0, 0
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
                j = site % L
                up = site - L if site >= L else site + n_sites - L
                down = site + L if site < n_sites - L else site - n_sites + L
                left = site - 1 if j > 0 else site + L - 1
                right = site + 1 if j < L - 1 else site - L + 1
                for nb in (up, down, left, right):
                    if flat[nb] == s0:
                        c += g
                        if (mix64(c) >> S11) < thr:  # joins with probability 1 - exp(-2 beta)
                            flat[nb] = -s0
                            stack[top] = nb
                            top += 1
                            size += 1
            flipped += size
            count += 1
        n_clusters += count
        n_flipped += flipped
        c += g
        if mix64(c) >> S63:  # global flip, probability 1/2
            for k in range(n_sites):
                flat[k] = -flat[k]
    state[row, 0] = c
    return n_clusters, n_flipped


def wolff_sweeps(
    spins: np.ndarray, beta: float, n_sweeps: int, rng_state: np.ndarray, *, clusters_per_sweep: int | None = None
) -> tuple[int, int]:
    """``n_sweeps`` Wolff sweeps of ``spins`` (int8, ``L`` x ``L``, +-1) in place, at h = 0.

    ``beta = 1/T`` in units of 1/J; ``rng_state`` from :func:`new_rng_state`
    (its last stream is advanced). A sweep is clusters until ``L * L`` spins
    have flipped, or exactly ``clusters_per_sweep`` clusters if given (see the
    module docstring for why samples should use the latter). Returns
    ``(clusters, spins_flipped)`` summed over the sweeps.
    """
    if spins.ndim != 2 or spins.shape[0] != spins.shape[1] or spins.dtype != np.int8:
        raise ValueError(f"spins must be an int8 L x L array; got {spins.dtype} {spins.shape}")
    if not spins.flags.c_contiguous:
        raise ValueError("spins must be C-contiguous")
    if rng_state.dtype != np.uint64 or rng_state.ndim != 2 or rng_state.shape[1] != 2:
        raise ValueError(f"rng_state must come from new_rng_state; got {rng_state.dtype} {rng_state.shape}")
    if clusters_per_sweep is not None and clusters_per_sweep < 1:
        raise ValueError(f"clusters_per_sweep must be >= 1; got {clusters_per_sweep}")
    stack = np.empty(spins.size, np.intp)
    thr = wolff_add_threshold(beta)
    clusters, flipped = _wolff(spins, thr, int(n_sweeps), int(clusters_per_sweep or 0), rng_state, stack)
    return int(clusters), int(flipped)
