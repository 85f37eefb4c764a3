"""The Ising sampler against exact results, with tolerances from its statistics.

* L = 64: mean energy vs Onsager, mean |m| vs Yang (finite-size corrections
  at this size are far below the tolerance away from T_C).
* 4 x 4: the sampled energy histogram vs exact enumeration, chi-square test,
  for Metropolis (h = 0 and h != 0) and Wolff; and a deliberately wrong
  acceptance rule must fail the same test, so the test has power.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from physml.sim.ising import (
    IsingParams,
    energy_per_spin,
    exact_energy_distribution,
    metropolis_sweeps,
    new_rng_state,
    onsager_energy,
    simulate,
    yang_magnetization,
)

# ---------------------------------------------------------------- helpers


def blocked_standard_error(x: np.ndarray, n_blocks: int = 20) -> float:
    """Standard error of the mean from block means (robust to autocorrelation)."""
    means = np.array([b.mean() for b in np.array_split(np.asarray(x), n_blocks)])
    return float(means.std(ddof=1) / np.sqrt(n_blocks))


def lag1_autocorrelation(x: np.ndarray) -> float:
    x = np.asarray(x) - np.mean(x)
    return float(np.dot(x[:-1], x[1:]) / np.dot(x, x))


def chi2_vs_exact(energies: np.ndarray, L: int, T: float, h: float) -> float:
    """p-value of the energy histogram against exact enumeration.

    Adjacent energy levels are pooled until each bin expects >= 5 counts,
    the usual validity condition of the chi-square approximation.
    """
    levels, p = exact_energy_distribution(L, T, h)
    idx = np.searchsorted(levels, np.round(energies, 12))
    assert np.allclose(levels[np.minimum(idx, len(levels) - 1)], energies), "energy off the exact spectrum"
    observed = np.bincount(idx, minlength=len(levels)).astype(float)
    expected = p * len(energies)
    obs_bins, exp_bins, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(observed, expected):
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 5.0:
            obs_bins.append(o_acc)
            exp_bins.append(e_acc)
            o_acc = e_acc = 0.0
    obs_bins[-1] += o_acc
    exp_bins[-1] += e_acc
    assert len(obs_bins) >= 3
    return float(stats.chisquare(obs_bins, exp_bins).pvalue)


# ----------------------------------------------------- L = 64 vs Onsager / Yang

TEMPERATURES = (1.5, 2.0, 3.0, 3.5)  # auto: Wolff for the first two, Metropolis above


@pytest.fixture(scope="module")
def large_lattice():
    params = IsingParams(
        L=64, temperatures=TEMPERATURES, samples=600, equilibration_sweeps=200, decorrelation_sweeps=5
    )
    return simulate(params, seed=20240611)


@pytest.mark.parametrize("T", TEMPERATURES)
def test_energy_matches_onsager(large_lattice, T):
    e = large_lattice["energy"][large_lattice["temperature"] == T]
    se = blocked_standard_error(e)
    assert se < 0.0025, f"statistics too poor for the 0.01 tolerance to mean anything (se={se:.4f})"
    assert abs(e.mean() - onsager_energy(T)) < 0.01, (e.mean(), onsager_energy(T), se)


@pytest.mark.parametrize("T", [t for t in TEMPERATURES if t <= 2.0])
def test_abs_magnetization_matches_yang(large_lattice, T):
    m = large_lattice["magnetization"][large_lattice["temperature"] == T]
    a = np.abs(m)
    se = blocked_standard_error(a)
    assert se < 0.0025
    assert abs(a.mean() - yang_magnetization(T)) < 0.01, (a.mean(), yang_magnetization(T), se)
    # Wolff below T_C: both signs of the magnetisation are sampled, about equally
    assert 0.3 < np.mean(m > 0) < 0.7


# ------------------------------------------------ 4 x 4 vs exact enumeration

N_SMALL = 20_000
DECORRELATION = 5  # energy autocorrelation at L = 4 is ~0.4 per sweep: ~0.01 after 5


def _check_independent(energies: np.ndarray) -> None:
    # the chi-square test assumes independent samples; with N = 20000 the
    # lag-1 autocorrelation of independent draws is 0 +- 0.007
    assert abs(lag1_autocorrelation(energies)) < 0.04


@pytest.mark.parametrize(
    ("algorithm", "T", "h"),
    [
        ("metropolis", 2.0, 0.0),
        ("metropolis", 3.0, 0.0),
        ("metropolis", 2.0, 1.0),  # at h = 0.3, T = 2 the 4 x 4 lattice tunnels too slowly
        ("metropolis", 3.0, -0.5),
        ("wolff", 2.0, 0.0),
        ("wolff", 3.0, 0.0),
    ],
)
def test_energy_histogram_matches_enumeration(algorithm, T, h):
    params = IsingParams(
        L=4,
        temperatures=(T,),
        samples=N_SMALL,
        h=h,
        algorithm=algorithm,
        equilibration_sweeps=100,
        decorrelation_sweeps=DECORRELATION,
    )
    energies = simulate(params, seed=7)["energy"]
    _check_independent(energies)
    assert chi2_vs_exact(energies, 4, T, h) > 1e-3


def _kernel_energies(T: float, h: float, acceptance=None, seed: int = 11) -> np.ndarray:
    """Energies of 4 x 4 samples drawn with the public Metropolis kernel."""
    rng = np.random.default_rng(seed)
    state = new_rng_state(rng, 4)
    spins = (2 * rng.integers(0, 2, size=(4, 4)) - 1).astype(np.int8)
    metropolis_sweeps(spins, 1.0 / T, h, 100, state, acceptance=acceptance)
    out = np.empty((N_SMALL, 4, 4), np.int8)
    for k in range(N_SMALL):
        out[k] = metropolis_sweeps(spins, 1.0 / T, h, DECORRELATION, state, acceptance=acceptance)
    return energy_per_spin(out, h)


def test_correct_rule_passes_and_broken_rule_fails_the_same_test():
    """The chi-square test catches a wrong acceptance rule, exp(-dE / (2T))."""
    T, h = 2.0, 0.0
    good = _kernel_energies(T, h)
    _check_independent(good)
    assert chi2_vs_exact(good, 4, T, h) > 1e-3

    def broken(x):  # x = dE / T; the factor 1/2 is the bug
        return np.minimum(1.0, np.exp(-x / 2.0))

    bad = _kernel_energies(T, h, acceptance=broken)
    _check_independent(bad)
    assert chi2_vs_exact(bad, 4, T, h) < 1e-6


def test_broken_rule_in_a_field_fails():
    """A rule that ignores the field term fails at h != 0 (and is right at h = 0)."""
    T, h = 2.5, 0.4

    def no_field(x):  # drops the field: recomputes x as if h = 0 from the table's own layout
        s = np.repeat([-1.0, 1.0], 5)
        n = np.tile(np.arange(-4.0, 5.0, 2.0), 2)
        return np.minimum(1.0, np.exp(-2.0 * s * n / T))

    bad = _kernel_energies(T, h, acceptance=no_field)
    assert chi2_vs_exact(bad, 4, T, h) < 1e-6
