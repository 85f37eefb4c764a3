"""Self-checks of the exact Ising references the simulator is tested against.

Each reference is checked at limits known in closed form and, for the
enumeration, against an independent brute-force loop.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.ising import T_C, exact_energy_distribution, onsager_energy, yang_magnetization


def test_critical_temperature():
    assert T_C == pytest.approx(2.269185314213022, abs=1e-14)
    assert math.sinh(2.0 / T_C) == pytest.approx(1.0, abs=1e-14)  # Kramers-Wannier self-dual point


def test_onsager_energy_limits():
    assert onsager_energy(1e-3) == pytest.approx(-2.0, abs=1e-12)  # ground state: 2 bonds per spin
    assert onsager_energy(0.05) == pytest.approx(-2.0, abs=1e-12)
    assert onsager_energy(T_C) == pytest.approx(-math.sqrt(2.0), abs=1e-12)
    # continuous through T_C, where 0 * (log-divergent K) is resolved by a limit
    for eps in (1e-6, 1e-9):
        assert onsager_energy(T_C * (1 - eps)) == pytest.approx(-math.sqrt(2.0), abs=1e-4)
        assert onsager_energy(T_C * (1 + eps)) == pytest.approx(-math.sqrt(2.0), abs=1e-4)
    # high-temperature series: -f/T = ln 2 + 2 ln cosh(b) + v**4 + O(v**6), v = tanh(b),
    # so u = -2 v - 4 v**3 (1 - v**2) + O(v**5)
    v = math.tanh(0.01)
    assert onsager_energy(100.0) == pytest.approx(-2.0 * v - 4.0 * v**3 * (1 - v**2), rel=1e-6)


def test_onsager_energy_is_vectorised_and_increasing():
    T = np.linspace(0.5, 5.0, 200)
    u = onsager_energy(T)
    assert u.shape == T.shape
    assert np.all(np.diff(u) > 0)  # heat capacity > 0
    assert np.all((u >= -2.0) & (u < 0.0))


def test_yang_magnetization_limits():
    assert yang_magnetization(T_C) == 0.0
    assert yang_magnetization(T_C * (1 - 1e-10)) < 0.1  # ~ (T_C - T)**(1/8): steep but continuous
    assert yang_magnetization(0.5) == pytest.approx(1.0, abs=1e-6)
    assert yang_magnetization(1e-3) == 1.0
    assert np.all(yang_magnetization(np.array([2.3, 3.0, 10.0])) == 0.0)
    T = np.linspace(0.5, T_C * 0.999, 100)
    assert np.all(np.diff(yang_magnetization(T)) < 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_exact_references_reject_bad_temperatures(bad):
    for fn in (onsager_energy, yang_magnetization):
        with pytest.raises(ParameterError, match="'T'"):
            fn(bad)


def _direct_loop(L: int):
    """Bond sum and magnetisation of every state, by explicit loops over sites."""
    bonds, mags = [], []
    for state in itertools.product((-1, 1), repeat=L * L):
        s = [state[i * L : (i + 1) * L] for i in range(L)]
        b = sum(s[i][j] * (s[i][(j + 1) % L] + s[(i + 1) % L][j]) for i in range(L) for j in range(L))
        bonds.append(b)
        mags.append(sum(state))
    return np.array(bonds, float), np.array(mags, float)


@pytest.mark.parametrize("L", [3, 4])
def test_enumeration_matches_direct_loop(L):
    bonds, mags = _direct_loop(L)
    for T, h in [(1.0, 0.0), (2.0, 0.0), (T_C, 0.0), (3.0, 0.0), (2.0, 0.3), (2.5, -0.7)]:
        energy = -(bonds + h * mags)
        w = np.exp(-(energy - energy.min()) / T)
        direct_mean = np.sum(w * energy) / np.sum(w) / (L * L)
        levels, p = exact_energy_distribution(L, T, h)
        assert np.sum(p) == pytest.approx(1.0, abs=1e-14)
        assert np.all(np.diff(levels) > 0)
        assert np.sum(levels * p) == pytest.approx(direct_mean, abs=1e-12)


def test_enumeration_small_lattice_values():
    # L = 4, h = 0: ground states are the two fully aligned ones, E = -2 per spin;
    # the energy spectrum of a bipartite lattice is symmetric, E <-> -E
    levels, p = exact_energy_distribution(4, 1e-2)
    assert levels[0] == -2.0 and p[0] == pytest.approx(1.0)
    levels, p = exact_energy_distribution(4, 1e6)
    np.testing.assert_allclose(levels, -levels[::-1])
    np.testing.assert_allclose(p, p[::-1], rtol=1e-4)


@pytest.mark.parametrize("L", [1, 5, 2.5, True])
def test_enumeration_rejects_large_or_bad_L(L):
    with pytest.raises(ParameterError, match="'L'"):
        exact_energy_distribution(L, 2.0)
