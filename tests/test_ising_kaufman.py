"""Kaufman's exact finite-torus partition function against brute-force enumeration and Onsager's limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim.ising import (
    T_C,
    kaufman_energy,
    kaufman_free_energy,
    kaufman_log_partition,
    onsager_energy,
    onsager_free_energy,
)


def _enumerated(m: int, n: int, T: float) -> tuple[float, float]:
    """ln Z and <e> per spin of the periodic m x n lattice by summing all 2**(mn) states."""
    N = m * n
    codes = np.arange(2**N)[:, None]
    s = (((codes >> np.arange(N)) & 1) * 2 - 1).reshape(-1, m, n)
    bonds = (s * np.roll(s, -1, -1)).sum((-2, -1)) + (s * np.roll(s, -1, -2)).sum((-2, -1))
    w = np.exp((bonds - bonds.max()) / T)
    return math.log(w.sum()) + bonds.max() / T, -float(np.sum(w * bonds) / w.sum()) / N


@pytest.mark.parametrize("T", [1 / 0.6, T_C, 1 / 0.44, 1 / 0.3, 0.4, 10.0])
def test_matches_enumeration_of_all_2_16_states_at_L4(T):
    # both sides are sums of 2**16 positive terms in double precision: agreement to ~1e-12 relative
    log_z, e = _enumerated(4, 4, T)
    assert kaufman_log_partition(4, T) == pytest.approx(log_z, rel=1e-12)
    assert kaufman_free_energy(4, T) == pytest.approx(-T * log_z / 16, rel=1e-12)
    assert kaufman_energy(4, T) == pytest.approx(e, abs=1e-11)  # analytic d ln Z / dK


@pytest.mark.parametrize("m,n", [(2, 2), (3, 3), (2, 5), (3, 4)])
def test_matches_enumeration_on_small_and_rectangular_tori(m, n):
    for T in (0.7, T_C, 3.0):
        log_z, e = _enumerated(m, n, T)
        assert kaufman_log_partition(m, T, n=n) == pytest.approx(log_z, rel=1e-12)
        assert kaufman_energy(m, T, n=n) == pytest.approx(e, abs=1e-11)


@pytest.mark.parametrize("beta", [0.3, 0.6])
def test_large_lattice_reaches_onsager_away_from_tc(beta):
    # off T_c the torus corrections are exponentially small in L, except below T_c the two ground-state
    # sectors, which add -T ln 2 / L**2 to f; at L = 128 everything else is below 1e-12
    T = 1 / beta
    ordered = T < T_C
    for L in (64, 128):
        f = kaufman_free_energy(L, T) + (T * math.log(2) / L**2 if ordered else 0.0)
        assert f == pytest.approx(onsager_free_energy(T), abs=1e-10)
    assert kaufman_energy(128, T) == pytest.approx(onsager_energy(T), abs=1e-9)


def test_critical_point_correction_falls_as_one_over_L_squared():
    # at T_c the finite-size correction to f is c / L**2 (Ferdinand & Fisher 1969): quadrupling L divides it by 16
    d = [kaufman_free_energy(L, T_C) - onsager_free_energy(T_C) for L in (32, 128, 512)]
    assert d[0] / d[1] == pytest.approx(16.0, rel=0.01)
    assert d[1] / d[2] == pytest.approx(16.0, rel=0.001)


def test_onsager_free_energy_limits():
    assert onsager_free_energy(0.05) == pytest.approx(-2.0, abs=1e-12)  # ground state: 2 bonds per spin
    # high temperature: -f/T = ln 2 + 2 ln cosh K + tanh(K)**4 + O(K**6)
    K = 0.01
    series = math.log(2) + 2 * math.log(math.cosh(K)) + math.tanh(K) ** 4
    assert -onsager_free_energy(1 / K) * K == pytest.approx(series, abs=1e-11)
    # u = d(f/T)/d(1/T), by central differences
    T, h = 2.0, 1e-5
    du = ((onsager_free_energy(1 / (1 / T + h)) * (1 / T + h) - onsager_free_energy(1 / (1 / T - h)) * (1 / T - h))
          / (2 * h))
    assert du == pytest.approx(onsager_energy(T), abs=1e-7)


def test_log_space_stays_finite_on_large_cold_lattices():
    # Z ~ exp(3.2e6): only its logarithm is representable; f = -2 - T ln 2 / L**2 (two ground states)
    f = kaufman_free_energy(400, 0.1)
    assert f == pytest.approx(-2.0 - 0.1 * math.log(2) / 400**2, abs=1e-12)


@pytest.mark.parametrize("kw", [{"L": 1, "T": 1.0}, {"L": 4, "T": 0.0}, {"L": 4, "T": float("nan")},
                                {"L": True, "T": 1.0}, {"L": 4, "T": 1.0, "n": 1}])
def test_bad_input_is_refused(kw):
    with pytest.raises(ParameterError):
        kaufman_log_partition(**kw)
