"""Speed of the Numba Metropolis kernels of :mod:`physml.sim.ising`: checkerboard and multi-spin.

Reports spin-flip attempts per nanosecond on one thread and on all Numba
threads, and the same for a plain vectorised NumPy checkerboard Metropolis
(:func:`numpy_metropolis_sweeps`, ``np.roll`` neighbour sums, ``rng.random``
and masks) measured in the same run, so the speed-up is a like-for-like
ratio on this machine. Each figure is the best of a few repeats after a
warm-up (compilation); 1-thread and all-thread runs alternate so that a
transient load on the machine hits both alike.

The multi-spin engine (64 replicas bit-packed in uint64 words, exact
bit-sliced acceptance) is timed in the same loop, alternating with the
checkerboard kernel; its rate counts every replica's attempt (64 per site
per sweep), and ``multispin_vs_checkerboard`` is the ratio of the two
1-thread rates measured in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np

from physml.sim.ising import (
    T_C,
    MetropolisChain,
    MultispinChain,
    acceptance_planes,
    metropolis_thresholds,
    new_rng_state,
    pack_replicas,
)

__all__ = ["run", "format_report", "numpy_metropolis_sweeps"]

#: the multi-spin engine is timed over ``sweeps // MULTISPIN_SWEEP_DIVISOR`` sweeps (at least one)
MULTISPIN_SWEEP_DIVISOR = 8


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

    ``sweeps`` per timed checkerboard run (``sweeps // 8`` per multi-spin run), ``numpy_sweeps`` per timed NumPy run,
    best of ``repeats``. The Numba thread count is restored afterwards.
    Returns flips/ns (spin-flip attempts per nanosecond) and ratios.
    """
    rng = np.random.default_rng(seed)
    beta = 1.0 / temperature
    spins = (2 * rng.integers(0, 2, size=(L, L), dtype=np.int8) - 1).astype(np.int8)
    chain = MetropolisChain(spins, metropolis_thresholds(beta, 0.0), new_rng_state(rng, L))
    replicas = (2 * rng.integers(0, 2, size=(64, L, L), dtype=np.int8) - 1).astype(np.int8)
    multi = MultispinChain(pack_replicas(replicas), *acceptance_planes(beta, 0.0), new_rng_state(rng, L))
    all_threads = numba.config.NUMBA_NUM_THREADS
    previous = numba.get_num_threads()
    counts = (1, all_threads)
    best = {(engine, n): float("inf") for engine in ("cb", "ms") for n in counts}
    runs = {"cb": chain, "ms": multi}
    # a multi-spin sweep does 64 attempts per site in some 10x a checkerboard sweep's time: fewer sweeps
    # keep the timed runs of similar length, so that a loaded machine interrupts both alike
    n_sweeps = {"cb": sweeps, "ms": max(1, sweeps // MULTISPIN_SWEEP_DIVISOR)}
    try:
        for engine, n in best:  # warm-up: compile, and touch the memory
            numba.set_num_threads(n)
            runs[engine].sweep(2)
        for _ in range(repeats):
            for engine, n in best:
                numba.set_num_threads(n)
                best[engine, n] = min(best[engine, n],
                                      _best_time(lambda c=runs[engine], k=n_sweeps[engine]: c.sweep(k), 1))
    finally:
        numba.set_num_threads(previous)
    ref = spins.copy()
    numpy_metropolis_sweeps(ref, beta, 1, rng)  # warm-up
    t_numpy = _best_time(lambda: numpy_metropolis_sweeps(ref, beta, numpy_sweeps, rng), repeats)
    attempts = L * L
    one = attempts * sweeps / best["cb", 1] / 1e9
    many = attempts * sweeps / best["cb", all_threads] / 1e9
    ms_one = 64 * attempts * n_sweeps["ms"] / best["ms", 1] / 1e9
    ms_many = 64 * attempts * n_sweeps["ms"] / best["ms", all_threads] / 1e9
    ref_rate = attempts * numpy_sweeps / t_numpy / 1e9
    return {
        "flips_per_ns_1thread": one,
        "flips_per_ns_all_threads": many,
        "numpy_flips_per_ns": ref_rate,
        "speedup_vs_numpy": one / ref_rate,
        "speedup_all_vs_1thread": many / one,
        "multispin_flips_per_ns_1thread": ms_one,
        "multispin_flips_per_ns_all_threads": ms_many,
        "multispin_vs_checkerboard": ms_one / one,
        "multispin_all_vs_1thread": ms_many / ms_one,
        "threads": all_threads,
        "L": L,
        "temperature": float(temperature),
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
            f"  multispin, 1 thread  {r['multispin_flips_per_ns_1thread']:8.3f}  "
            f"(x{r['multispin_vs_checkerboard']:.2f} vs checkerboard, 64 replicas)",
            f"  multispin, {r['threads']:>2} threads {r['multispin_flips_per_ns_all_threads']:8.3f}  "
            f"(x{r['multispin_all_vs_1thread']:.2f} vs 1 thread)",
        ]
    )


if __name__ == "__main__":  # python -m physml.bench.ising
    print(format_report(run()))
