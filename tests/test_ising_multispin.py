"""The multi-spin Metropolis engine (64 bit-packed replicas) against an independent reference and exact results.

* Bit for bit against a pure-Python sweep over the plain lattice, one replica and one bit at a time, with the
  kernel's random-number plan and the flip probability's binary expansion computed with ``Fraction``.
* The same exact tests as the checkerboard kernel (tests/test_ising_physics.py): L = 64 energy vs Onsager and
  |m| vs Yang, the 4 x 4 energy histogram vs enumeration (chi-square, h = 0 and h != 0), and a wrong rule
  failing the same chi-square test.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.ising import (
    IsingParams,
    energy_per_spin,
    metropolis_probabilities,
    multispin_sweeps,
    new_rng_state,
    onsager_energy,
    pack_replicas,
    simulate,
    unpack_replicas,
    yang_magnetization,
)
from physml.sim.ising._multispin import PLANES
from test_ising_physics import blocked_standard_error, chi2_vs_exact, lag1_autocorrelation

MASK64 = (1 << 64) - 1


def _splitmix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _bit(p: Fraction, j: int) -> int:
    """Bit j (1 = first after the binary point) of p in [0, 1]."""
    return int(p * 2**j) % 2


def reference_sweep(reps: np.ndarray, probs: np.ndarray, state: np.ndarray) -> None:
    """One checkerboard sweep of 64 replicas ``reps`` (64, L, L), site by site and replica by replica.

    Row ``i`` of colour ``c`` draws ``PLANES * L / 2`` words (plane ``p`` of the row's ``k``-th site of that
    colour: word ``p * L / 2 + k + 1``), then, site by site, one word per extra plane while any replica of
    the site is undecided. Replica ``b`` reads bit ``b``; it flips at the first plane where its bit differs
    from the probability's, iff the probability's bit is 1.
    """
    L = reps.shape[1]
    n = L // 2
    for colour in (0, 1):
        for i in range(L):
            c, g = int(state[i, 0]), int(state[i, 1])
            block = [_splitmix((c + (q + 1) * g) & MASK64) for q in range(PLANES * n)]
            c = (c + PLANES * n * g) & MASK64
            for k in range(n):
                j = 2 * k + (i + colour) % 2
                words = [block[p * n + k] for p in range(PLANES)]
                decided = {}
                for b in range(64):
                    s = reps[b, i, j]
                    nb = int(reps[b, (i - 1) % L, j]) + int(reps[b, (i + 1) % L, j])
                    nb += int(reps[b, i, (j - 1) % L]) + int(reps[b, i, (j + 1) % L])
                    p = Fraction(float(probs[5 * ((s + 1) // 2) + (nb + 4) // 2]))
                    decided[b] = True if p == 1 else None
                    for plane in range(PLANES):
                        if decided[b] is not None:
                            break
                        u, t = (words[plane] >> b) & 1, _bit(p, plane + 1)
                        if u != t:
                            decided[b] = t == 1
                    decided[b] = (decided[b], p)
                plane = PLANES
                while any(d is None for d, _ in decided.values()):
                    c = (c + g) & MASK64
                    w = _splitmix(c)
                    plane += 1
                    for b, (d, p) in decided.items():
                        if d is None:
                            u, t = (w >> b) & 1, _bit(p, plane)
                            if u != t:
                                decided[b] = (t == 1, p)
                            elif plane > 1100:  # past the last bit of any float64: U >= p
                                decided[b] = (False, p)
                for b, (d, _) in decided.items():
                    if d:
                        reps[b, i, j] = -reps[b, i, j]
            state[i, 0] = np.uint64(c)


def _random_replicas(rng, L):
    return (2 * rng.integers(0, 2, size=(64, L, L)) - 1).astype(np.int8)


def test_pack_unpack_roundtrip():
    rng = np.random.default_rng(0)
    reps = _random_replicas(rng, 6)
    words = pack_replicas(reps)
    assert words.dtype == np.uint64 and words.shape == (6, 6)
    np.testing.assert_array_equal(unpack_replicas(words), reps)
    np.testing.assert_array_equal(unpack_replicas(pack_replicas(reps[:3]), 3), reps[:3])
    with pytest.raises(ValueError):
        pack_replicas(np.ones((65, 4, 4), np.int8))


@pytest.mark.parametrize(("L", "T", "h"), [(4, 2.0, 0.0), (6, 1.2, 0.0), (4, 2.5, 0.7), (6, 3.0, -0.2)])
def test_multispin_kernel_equals_reference(L, T, h):
    rng = np.random.default_rng(L)
    reps = _random_replicas(rng, L)
    words, state = pack_replicas(reps), new_rng_state(rng, L)
    ref, ref_state = reps.copy(), state.copy()
    probs = metropolis_probabilities(1.0 / T, h)
    multispin_sweeps(words, 1.0 / T, h, 2, state)
    for _ in range(2):
        reference_sweep(ref, probs, ref_state)
    np.testing.assert_array_equal(unpack_replicas(words), ref)
    np.testing.assert_array_equal(state, ref_state)
    assert not np.array_equal(ref, reps)


def test_multispin_reproducible_and_validated():
    p = IsingParams(L=8, temperatures=(3.0,), samples=70, engine="multispin", equilibration_sweeps=5)
    a, b = simulate(p, seed=3), simulate(p, seed=3)
    np.testing.assert_array_equal(a["spins"], b["spins"])
    assert len(a) == 70 and not np.array_equal(a["spins"], simulate(p, seed=4)["spins"])
    with pytest.raises(ParameterError, match="engine"):
        IsingParams(L=8, temperatures=(3.0,), samples=1, engine="fast")
    with pytest.raises(ParameterError, match="engine"):
        IsingParams(L=8, temperatures=(3.0,), samples=1, engine="multispin", lattice="triangular")


# ------------------------------------------- the exact tests of the checkerboard kernel, on this engine

TEMPERATURES = (2.0, 3.0)


@pytest.fixture(scope="module")
def large_lattice():
    params = IsingParams(L=64, temperatures=TEMPERATURES, samples=640, algorithm="metropolis", engine="multispin",
                         equilibration_sweeps=300, decorrelation_sweeps=5)
    return simulate(params, seed=20240611)


@pytest.mark.parametrize("T", TEMPERATURES)
def test_energy_matches_onsager(large_lattice, T):
    e = large_lattice["energy"][large_lattice["temperature"] == T]
    se = blocked_standard_error(e)
    assert se < 0.0025, f"statistics too poor for the 0.01 tolerance to mean anything (se={se:.4f})"
    assert abs(e.mean() - onsager_energy(T)) < 0.01, (e.mean(), onsager_energy(T), se)


def test_abs_magnetization_matches_yang(large_lattice):
    a = np.abs(large_lattice["magnetization"][large_lattice["temperature"] == 2.0])
    assert blocked_standard_error(a) < 0.0025
    assert abs(a.mean() - yang_magnetization(2.0)) < 0.01


N_SMALL = 20_000


@pytest.mark.parametrize(("T", "h"), [(2.0, 0.0), (3.0, 0.0), (2.0, 1.0), (3.0, -0.5)])
def test_energy_histogram_matches_enumeration(T, h):
    params = IsingParams(L=4, temperatures=(T,), samples=N_SMALL, h=h, algorithm="metropolis", engine="multispin",
                         equilibration_sweeps=100, decorrelation_sweeps=5)
    energies = simulate(params, seed=7)["energy"]
    assert abs(lag1_autocorrelation(energies)) < 0.04
    assert chi2_vs_exact(energies, 4, T, h) > 1e-3


def _kernel_energies(T: float, h: float, acceptance=None) -> np.ndarray:
    # ordered start: at L = 4 a random start can fall into the period-2 stripe cycle of checkerboard Metropolis
    # (every spin has dE = 0 and flips with probability 1), a closed set; with 64 replicas one often does
    state = new_rng_state(11, 4)
    words = pack_replicas(np.ones((64, 4, 4), np.int8))
    multispin_sweeps(words, 1.0 / T, h, 100, state, acceptance=acceptance)
    out = []
    for _ in range(N_SMALL // 64):
        multispin_sweeps(words, 1.0 / T, h, 5, state, acceptance=acceptance)
        out.append(unpack_replicas(words))
    return energy_per_spin(np.concatenate(out), h)


def test_correct_rule_passes_and_broken_rule_fails_the_same_test():
    T, h = 2.0, 0.0
    assert chi2_vs_exact(_kernel_energies(T, h), 4, T, h) > 1e-3

    def broken(x):  # x = dE / T; the factor 1/2 is the bug
        return np.minimum(1.0, np.exp(-x / 2.0))

    assert chi2_vs_exact(_kernel_energies(T, h, acceptance=broken), 4, T, h) < 1e-6


def test_broken_rule_in_a_field_fails():
    T, h = 2.5, 0.4

    def no_field(x):
        s = np.repeat([-1.0, 1.0], 5)
        n = np.tile(np.arange(-4.0, 5.0, 2.0), 2)
        return np.minimum(1.0, np.exp(-2.0 * s * n / T))

    assert chi2_vs_exact(_kernel_energies(T, h), 4, T, h) > 1e-3
    assert chi2_vs_exact(_kernel_energies(T, h, acceptance=no_field), 4, T, h) < 1e-6
