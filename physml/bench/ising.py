"""Speed of the Numba checkerboard Metropolis kernel of :mod:`physml.sim.ising`.

Reports spin-flip attempts per nanosecond on one thread and on all Numba
threads, and the same for a plain vectorised NumPy checkerboard Metropolis
(:func:`numpy_metropolis_sweeps`, ``np.roll`` neighbour sums, ``rng.random``
and masks) measured in the same run, so the speed-up is a like-for-like
ratio on this machine. Each figure is the best of a few repeats after a
warm-up (compilation); 1-thread and all-thread runs alternate so that a
transient load on the machine hits both alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np

from physml.sim.ising import T_C, MetropolisChain, metropolis_thresholds, new_rng_state

__all__ = ["run", "format_report", "numpy_metropolis_sweeps"]


def numpy_metropolis_sweeps(spins: np.ndarray, beta: float, n_sweeps: int, rng: np.random.Generator) -> np.ndarray:
    """Reference: checkerboard Metropolis at h = 0 in plain vectorised NumPy, in place."""
    L = spins.shape[0]
    parity = np.add.outer(np.arange(L), np.arange(L)) % 2
    masks = (parity == 0, parity == 1)
    for _ in range(n_sweeps):
        for mask in masks:
            nb = np.roll(spins, 1, 0) + np.roll(spins, -1, 0) + np.roll(spins, 1, 1) + np.roll(spins, -1, 1)
            d_e = 2 * spins * nb
            accept = (rng.random(spins.shape) < np.exp(-beta * d_e)) & mask
            np.negative(spins, out=spins, where=accept)
    return spins


def _best_time(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(
    L: int = 512,
    sweeps: int = 200,
    temperature: float = T_C,
    *,
    numpy_sweeps: int = 10,
    repeats: int = 10,
    seed: int = 0,
) -> dict[str, float | int]:
    """Time the kernel at ``L`` x ``L``, ``temperature`` (J/k_B), h = 0.

    ``sweeps`` per timed Numba run, ``numpy_sweeps`` per timed NumPy run,
    best of ``repeats``. The Numba thread count is restored afterwards.
    Returns flips/ns (spin-flip attempts per nanosecond) and ratios.
    """
    rng = np.random.default_rng(seed)
    beta = 1.0 / temperature
    spins = (2 * rng.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)
    chain = MetropolisChain(spins, metropolis_thresholds(beta, 0.0), new_rng_state(rng, L))
    all_threads = numba.config.NUMBA_NUM_THREADS
    previous = numba.get_num_threads()
    best = {1: float("inf"), all_threads: float("inf")}
    try:
        for n in best:  # warm-up: compile, and touch the memory
            numba.set_num_threads(n)
            chain.sweep(2)
        for _ in range(repeats):
            for n in best:
                numba.set_num_threads(n)
                best[n] = min(best[n], _best_time(lambda: chain.sweep(sweeps), 1))
    finally:
        numba.set_num_threads(previous)
    ref = spins.copy()
    numpy_metropolis_sweeps(ref, beta, 1, rng)  # warm-up
    t_numpy = _best_time(lambda: numpy_metropolis_sweeps(ref, beta, numpy_sweeps, rng), repeats)
    attempts = L * L
    one = attempts * sweeps / best[1] / 1e9
    many = attempts * sweeps / best[all_threads] / 1e9
    ref_rate = attempts * numpy_sweeps / t_numpy / 1e9
    return {
        "flips_per_ns_1thread": one,
        "flips_per_ns_all_threads": many,
        "numpy_flips_per_ns": ref_rate,
        "speedup_vs_numpy": one / ref_rate,
        "speedup_all_vs_1thread": many / one,
        "threads": all_threads,
        "L": L,
    }


def format_report(result: dict[str, float | int]) -> str:
    """A few lines for a terminal."""
    r = result
    return "\n".join(
        [
            f"Ising checkerboard Metropolis, L = {r['L']} (spin-flip attempts per ns)",
            f"  numba, 1 thread      {r['flips_per_ns_1thread']:8.3f}  "
            f"({1.0 / r['flips_per_ns_1thread']:.3f} ns/attempt)",
            f"  numba, {r['threads']:>2} threads   {r['flips_per_ns_all_threads']:8.3f}  "
            f"(x{r['speedup_all_vs_1thread']:.2f} vs 1 thread)",
            f"  numpy reference      {r['numpy_flips_per_ns']:8.3f}",
            f"  speed-up, 1 thread vs numpy: x{r['speedup_vs_numpy']:.1f}",
        ]
    )


if __name__ == "__main__":  # python -m physml.bench.ising
    print(format_report(run()))
