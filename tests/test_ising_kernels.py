"""The Ising kernels and observables against slow, independent references.

The Metropolis kernel is compared bit for bit with a pure-Python checkerboard
sweep that uses the same random numbers (an independent SplitMix64 in Python
integers) but the plain lattice layout, so an error in the kernel's
sublattice bookkeeping or neighbour indexing cannot hide.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from physml.sim.ising import (
    energy_per_spin,
    magnetization_per_spin,
    metropolis_sweeps,
    metropolis_thresholds,
    new_rng_state,
    wolff_sweeps,
)
from physml.sim.ising._metropolis import (
    PARALLEL_MIN_L,
    _is_zero_field,
    _sweeps_parallel,
    _sweeps_serial,
    merge,
    split,
)

MASK64 = (1 << 64) - 1


def _splitmix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def reference_sweep(spins: np.ndarray, thr: np.ndarray, state: np.ndarray) -> None:
    """One checkerboard sweep, site by site, with the kernel's random-number plan.

    Row ``i`` draws ``ceil(L / 4)`` numbers per colour from its stream; number
    ``q`` serves the row's ``2q``-th and ``2q + 1``-th site of that colour
    (low, then high 32 bits); a flip is accepted when ``r32 >> 1 < thr``.
    """
    L = spins.shape[0]
    n = L // 2
    m = (n + 1) // 2
    for colour in (0, 1):
        for i in range(L):
            c, g = int(state[i, 0]), int(state[i, 1])
            rands = [_splitmix((c + (q + 1) * g) & MASK64) for q in range(m)]
            state[i, 0] = np.uint64((c + m * g) & MASK64)
            for k in range(n):
                j = 2 * k + (i + colour) % 2
                s = int(spins[i, j])
                nb = int(spins[(i - 1) % L, j]) + int(spins[(i + 1) % L, j])
                nb += int(spins[i, (j - 1) % L]) + int(spins[i, (j + 1) % L])
                r32 = (rands[k // 2] >> (32 * (k % 2))) & 0xFFFFFFFF
                if (r32 >> 1) < int(thr[5 * ((s + 1) // 2) + (nb + 4) // 2]):
                    spins[i, j] = -s


@pytest.mark.parametrize(("L", "T", "h"), [(4, 2.0, 0.0), (6, 1.5, 0.0), (8, 2.5, 0.7), (10, 3.0, -0.2)])
def test_metropolis_kernel_equals_reference(L, T, h):
    rng = np.random.default_rng(L)
    spins = (2 * rng.integers(0, 2, size=(L, L)) - 1).astype(np.int8)
    state = new_rng_state(rng, L)
    ref_spins, ref_state = spins.copy(), state.copy()
    thr = metropolis_thresholds(1.0 / T, h)
    metropolis_sweeps(spins, 1.0 / T, h, 3, state)
    for _ in range(3):
        reference_sweep(ref_spins, thr, ref_state)
    np.testing.assert_array_equal(spins, ref_spins)
    np.testing.assert_array_equal(state, ref_state)
    assert not np.array_equal(spins, (2 * np.random.default_rng(L).integers(0, 2, size=(L, L)) - 1))


def test_split_merge_roundtrip_and_ghosts():
    rng = np.random.default_rng(0)
    spins = (2 * rng.integers(0, 2, size=(12, 12)) - 1).astype(np.int8)
    black, white = split(spins)
    np.testing.assert_array_equal(merge(black, white), spins)
    for sub in (black, white):
        np.testing.assert_array_equal(sub[:, 0], sub[:, -2])
        np.testing.assert_array_equal(sub[:, -1], sub[:, 1])


def test_thresholds():
    # entry 5 * (s + 1) / 2 + (n + 4) / 2, P = min(1, exp(-beta * 2 s (n + h))), in units of 2**-31
    beta, h = 0.5, 0.25
    thr = metropolis_thresholds(beta, h)
    assert thr.dtype == np.uint32 and thr.shape == (10,)
    for idx, (s, n) in enumerate((s, n) for s in (-1, 1) for n in (-4, -2, 0, 2, 4)):
        p = min(1.0, np.exp(-beta * 2 * s * (n + h)))
        assert thr[idx] == round(p * 2**31), (s, n)
    assert thr[4] == 2**31 and thr[9] < 2**31  # s = -1 among +1 always flips; s = +1 among +1 rarely


def test_parallel_kernel_independent_of_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    L = PARALLEL_MIN_L
    start = (2 * np.random.default_rng(3).integers(0, 2, size=(L, L)) - 1).astype(np.int8)
    results = []
    previous = numba.get_num_threads()
    try:
        for n_threads in (1, 2):
            numba.set_num_threads(n_threads)
            spins, state = start.copy(), new_rng_state(5, L)
            metropolis_sweeps(spins, 1 / 2.3, 0.1, 4, state)
            results.append((spins, state))
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("h", [0.0, 0.3])
def test_parallel_kernel_equals_serial_kernel(h):
    """Large lattices take the prange kernel; it must equal the serial one bit for bit."""
    L = 256
    start = (2 * np.random.default_rng(4).integers(0, 2, size=(L, L)) - 1).astype(np.int8)
    thr = metropolis_thresholds(1 / 2.2, h)
    out = []
    for kernel in (_sweeps_serial, _sweeps_parallel):
        black, white = split(start)
        state = new_rng_state(8, L)
        scratch = np.empty((numba.config.NUMBA_NUM_THREADS, (L // 2 + 1) // 2), np.uint64)
        kernel(black, white, thr, _is_zero_field(thr), state, 3, scratch)
        out.append((merge(black, white), state))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
    assert not np.array_equal(out[0][0], start)


def test_strong_field_orders_the_lattice():
    spins = (2 * np.random.default_rng(1).integers(0, 2, size=(16, 16)) - 1).astype(np.int8)
    metropolis_sweeps(spins, 1.0 / 0.5, 2.0, 50, new_rng_state(1, 16))
    assert np.all(spins == 1)


def test_wolff_keeps_spins_and_counts():
    spins = np.ones((16, 16), np.int8)
    state = new_rng_state(2, 16)
    clusters, flipped = wolff_sweeps(spins, 1.0 / 2.0, 5, state)
    assert flipped >= 5 * 256 and clusters >= 5
    assert spins.dtype == np.int8 and set(np.unique(spins)) <= {-1, 1}
    clusters, flipped = wolff_sweeps(spins, 1.0 / 2.0, 5, state, clusters_per_sweep=3)
    assert clusters == 15
    with pytest.raises(ValueError):
        wolff_sweeps(spins, 0.5, 1, state, clusters_per_sweep=0)


def test_kernels_reject_bad_arrays():
    state = new_rng_state(0, 8)
    with pytest.raises(ValueError):
        metropolis_sweeps(np.ones((8, 8), np.int64), 0.5, 0.0, 1, state)
    with pytest.raises(ValueError):
        metropolis_sweeps(np.ones((7, 7), np.int8), 0.5, 0.0, 1, new_rng_state(0, 7))
    with pytest.raises(ValueError):
        metropolis_sweeps(np.ones((8, 8), np.int8), 0.5, 0.0, 1, new_rng_state(0, 6))
    with pytest.raises(ValueError):
        wolff_sweeps(np.ones((8, 8), np.float64), 0.5, 1, state)


def _loop_energy(s: np.ndarray, h: float) -> float:
    L = s.shape[0]
    e = 0.0
    for i in range(L):
        for j in range(L):
            e -= s[i, j] * (s[i, (j + 1) % L] + s[(i + 1) % L, j]) + h * s[i, j]
    return e / (L * L)


def test_observables_match_loops_and_stack():
    rng = np.random.default_rng(4)
    stack = (2 * rng.integers(0, 2, size=(5, 6, 6)) - 1).astype(np.int8)
    e = energy_per_spin(stack, 0.3)
    m = magnetization_per_spin(stack)
    assert e.shape == (5,) and m.shape == (5,)
    for k in range(5):
        assert e[k] == pytest.approx(_loop_energy(stack[k], 0.3), abs=1e-12)
        assert energy_per_spin(stack[k], 0.3) == pytest.approx(e[k], abs=1e-15)
        assert m[k] == pytest.approx(stack[k].mean(), abs=1e-15)
    assert energy_per_spin(np.ones((8, 8), np.int8)) == -2.0
    checkerboard = np.where(np.add.outer(np.arange(8), np.arange(8)) % 2 == 0, 1, -1).astype(np.int8)
    assert energy_per_spin(checkerboard) == 2.0 and magnetization_per_spin(checkerboard) == 0.0


def test_rng_state_reproducible():
    a, b = new_rng_state(9, 8), new_rng_state(9, 8)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (9, 2) and a.dtype == np.uint64
    assert np.all(a[:, 1] % 2 == 1)  # odd gammas
    assert not np.array_equal(a, new_rng_state(10, 8))
    np.testing.assert_array_equal(new_rng_state(np.random.default_rng(9), 8), a)
