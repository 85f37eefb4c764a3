"""``physml.sim.schrodinger``: finite-difference eigenpairs against exact spectra.

Oracles (hbar = m = 1): harmonic oscillator ``E_n = omega (n + 1/2)`` (1D)
and ``omega (n_x + n_y + 1)`` (2D, with its degeneracies); infinite well
``n^2 pi^2 / (2 a^2)``; Morse ``omega (n + 1/2) - [omega (n + 1/2)]^2 / (4 D)``;
Pöschl–Teller ``-(lambda - n)^2 / 2``. The observed order of convergence is
fitted from a grid refinement and compared with the stencil's order.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

import physml.sim.schrodinger as schrodinger
from physml.errors import ParameterError
from physml.sim.schrodinger import (
    POTENTIAL_FAMILIES,
    harmonic_levels_1d,
    harmonic_levels_2d,
    harmonic_potential,
    infinite_well_levels,
    morse_levels,
    morse_potential,
    poschl_teller_levels,
    poschl_teller_potential,
    sample_potential,
    solve_1d,
    solve_2d,
)

TOL = 1e-4  # relative error of the lowest five levels at the default grid


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _zero(x: np.ndarray) -> np.ndarray:
    return np.zeros_like(x)


def test_public_api_is_consistent():
    assert len(set(schrodinger.__all__)) == len(schrodinger.__all__)
    name = schrodinger.__name__
    defined = {k for k, v in vars(schrodinger).items()
               if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
               and (v.__module__ == name or v.__module__.startswith(name + "._"))}
    assert defined <= set(schrodinger.__all__)
    for obj_name in schrodinger.__all__:
        obj = getattr(schrodinger, obj_name)
        assert not callable(obj) or obj.__doc__, f"{obj_name} has no docstring"


# ---------------------------------------------------------------- exact references at the default grid

# (V, x_min, x_max, exact lowest five levels); the domain is chosen so that
# truncating the infinite line costs far less than TOL
CASES_1D = {
    "harmonic": (harmonic_potential(1.0), -10.0, 10.0, harmonic_levels_1d(5)),
    "harmonic_omega2_shifted": (harmonic_potential(2.0, center=1.0), -6.0, 8.0, harmonic_levels_1d(5, 2.0)),
    "infinite_well": (_zero, 0.0, 2.0, infinite_well_levels(5, width=2.0)),
    "morse": (morse_potential(D=32.0, a=1.0, x0=1.0), -1.0, 15.0, morse_levels(5, D=32.0, a=1.0)),
    "poschl_teller": (poschl_teller_potential(6.0), -15.0, 15.0, poschl_teller_levels(5, 6.0)),
}


@pytest.mark.parametrize("case", sorted(CASES_1D))
def test_1d_levels_match_exact_at_default_grid(case):
    V, lo, hi, exact = CASES_1D[case]
    res = solve_1d(V, lo, hi)
    assert res.energies.shape == (5,) and np.all(np.diff(res.energies) > 0)
    assert _rel(res.energies, exact) <= TOL


def test_2d_harmonic_levels_and_degeneracies():
    res = solve_2d(harmonic_potential(1.0), 7.0, n_states=6)
    exact = harmonic_levels_2d(6)
    np.testing.assert_allclose(exact, [1, 2, 2, 3, 3, 3])
    assert _rel(res.energies, exact) <= TOL
    # degenerate partners agree to far better than the discretisation error splits the levels
    assert abs(res.energies[1] - res.energies[2]) < 1e-9
    assert res.energies[2] < res.energies[3] - 0.5
    assert res.wavefunctions.shape == (6, len(res.x), len(res.y))


def test_2d_anisotropic_harmonic_and_rectangular_extent():
    # V = (x^2 + 4 y^2) / 2: E = (n_x + 1/2) + 2 (n_y + 1/2)
    res = solve_2d(lambda X, Y: 0.5 * X**2 + 2.0 * Y**2, (-7.0, 7.0, -5.0, 5.0), (128, 96), 4)
    exact = np.array([1.5, 2.5, 3.5, 3.5])
    assert _rel(res.energies, exact) <= TOL
    assert res.wavefunctions.shape == (4, 128, 96)


def test_2d_square_well_is_separable():
    res = solve_2d(np.zeros((64, 64)), (0.0, 1.0, 0.0, 1.0), 64, 3)
    e1 = infinite_well_levels(2, 1.0)
    np.testing.assert_allclose(res.energies, [2 * e1[0], e1[0] + e1[1], e1[0] + e1[1]], rtol=1e-5)


# ---------------------------------------------------------------- order of convergence

def _slope(errors: list[float], hs: list[float]) -> float:
    return float(np.polyfit(np.log(hs), np.log(errors), 1)[0])


@pytest.mark.parametrize("stencil", [2, 4])
def test_infinite_well_converges_at_stencil_order(stencil):
    hs, errs = [], []
    for n in (20, 40, 80, 160):
        res = solve_1d(_zero, 0.0, 1.0, n, 3, stencil=stencil)
        hs.append(res.dx)
        errs.append(_rel(res.energies, infinite_well_levels(3)))
    assert abs(_slope(errs, hs) - stencil) <= 0.3


@pytest.mark.parametrize("stencil", [2, 4])
def test_harmonic_converges_at_stencil_order(stencil):
    hs, errs = [], []
    for n in (100, 200, 400, 800):
        res = solve_1d(harmonic_potential(), -10.0, 10.0, n, 5, stencil=stencil)
        hs.append(res.dx)
        errs.append(_rel(res.energies, harmonic_levels_1d(5)))
    assert abs(_slope(errs, hs) - stencil) <= 0.3


# ---------------------------------------------------------------- wavefunctions

@pytest.mark.parametrize("stencil", [2, 4])
def test_1d_wavefunctions_orthonormal_and_match_exact(stencil):
    res = solve_1d(harmonic_potential(), -10.0, 10.0, 800, 4, stencil=stencil)
    gram = res.wavefunctions @ res.wavefunctions.T * res.dx
    np.testing.assert_allclose(gram, np.eye(4), atol=1e-10)
    ground = np.pi**-0.25 * np.exp(-res.x**2 / 2)  # sign convention: largest value positive
    np.testing.assert_allclose(res.wavefunctions[0], ground, atol=1e-4)


def test_2d_wavefunctions_orthonormal():
    res = solve_2d(harmonic_potential(), 6.0, 48, 6)
    flat = res.wavefunctions.reshape(6, -1)
    np.testing.assert_allclose(flat @ flat.T * res.cell, np.eye(6), atol=1e-10)


def test_result_is_frozen_and_carries_grid():
    res = solve_1d(array := 0.5 * np.linspace(-5, 5, 102)[1:-1] ** 2, -5.0, 5.0, 100, 2)
    assert res.dx == pytest.approx(10.0 / 101) and res.y is None and res.dy is None
    np.testing.assert_allclose(res.potential, array)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.energies = np.zeros(2)  # type: ignore[misc]


def test_solves_are_deterministic():
    a = solve_2d(harmonic_potential(), 6.0, 40, 5)
    b = solve_2d(harmonic_potential(), 6.0, 40, 5)
    np.testing.assert_array_equal(a.energies, b.energies)
    np.testing.assert_array_equal(a.wavefunctions, b.wavefunctions)


# ---------------------------------------------------------------- random potential families

@pytest.mark.parametrize("family", POTENTIAL_FAMILIES)
def test_potential_families_are_seeded_and_solvable(family):
    V = sample_potential(family, 20.0, 48, seed=3)
    assert V.shape == (48, 48) and np.all(np.isfinite(V))
    np.testing.assert_array_equal(V, sample_potential(family, 20.0, 48, seed=3))
    assert not np.array_equal(V, sample_potential(family, 20.0, 48, seed=4))
    res = solve_2d(V, 20.0, 48, 3)
    assert np.all(np.diff(res.energies) >= -1e-12) and res.energies[0] >= V.min()


def test_potential_family_scaling():
    # V on half-width 10 is the half-width-20 draw with r -> r / s, V -> V / s^2 (s = 1/2)
    np.testing.assert_allclose(sample_potential("harmonic", 10.0, 32, seed=0),
                               4.0 * sample_potential("harmonic", 20.0, 32, seed=0))


# ---------------------------------------------------------------- validation

def _bad_calls():
    f = harmonic_potential()
    return {
        "V": [lambda: solve_1d(np.full(50, np.nan), -1, 1, 50, 2),
              lambda: solve_1d(lambda x: np.where(x > 0.5, np.nan, x), -1, 1, 50, 2),
              lambda: solve_1d(lambda x: np.where(x > 0, np.inf, 0.0), -1, 1, 50, 2),
              lambda: solve_1d(np.zeros(49), -1, 1, 50, 2),
              lambda: solve_2d(np.zeros((20, 21)), 5.0, 20, 2),
              lambda: solve_2d(lambda X, Y: np.zeros(3), 5.0, 20, 2)],
        "n_points": [lambda: solve_1d(f, -1, 1, 9, 1),
                     lambda: solve_1d(f, -1, 1, 29, 10),
                     lambda: solve_1d(f, -1, 1, 50.0, 2),
                     lambda: solve_2d(f, 5.0, 5, 1)],
        "n_states": [lambda: solve_1d(f, -1, 1, 50, 0),
                     lambda: solve_1d(f, -1, 1, 50, 51),
                     lambda: solve_2d(f, 5.0, 10, 101)],
        "x_max": [lambda: solve_1d(f, 1, 1, 50, 2), lambda: solve_1d(f, 1, -1, 50, 2)],
        "x_min": [lambda: solve_1d(f, np.nan, 1, 50, 2)],
        "stencil": [lambda: solve_1d(f, -1, 1, 50, 2, stencil=3), lambda: solve_2d(f, 5.0, 20, 2, stencil=6)],
        "extent": [lambda: solve_2d(f, -1.0, 20, 2), lambda: solve_2d(f, (0, 1, 1, 0), 20, 2),
                   lambda: solve_2d(f, (0, 1, 2), 20, 2)],
        "family": [lambda: sample_potential("gaussian", 20.0, 32, seed=0)],
        "seed": [lambda: sample_potential("harmonic", 20.0, 32, seed=None)],  # type: ignore[arg-type]
        "n": [lambda: morse_levels(9, D=32.0, a=1.0), lambda: poschl_teller_levels(7, 6.0),
              lambda: harmonic_levels_1d(0)],
        "omega": [lambda: harmonic_levels_2d(3, omega=-1.0)],
        "width": [lambda: infinite_well_levels(3, width=0.0)],
    }


@pytest.mark.parametrize("name,index", [(k, i) for k, v in _bad_calls().items() for i in range(len(v))])
def test_bad_input_raises_parameter_error_naming_it(name, index):
    call = _bad_calls()[name][index]
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(ParameterError, match=f"'{name}'"):
        call()


def test_random_family_is_one_continuous_potential_whose_energy_converges_as_h4():
    # the random family is a closed-form function of (x, y), so re-solving a draw on finer
    # grids converges at the stencil's order: e(k) = |E(k) - E(2k)| falls ~16x per halving of h
    errs = []
    for k in (24, 48):
        e_k = solve_2d(sample_potential("random", 20.0, k, seed=5), 20.0, k, 1).energies[0]
        e_2k = solve_2d(sample_potential("random", 20.0, 2 * k, seed=5), 20.0, 2 * k, 1).energies[0]
        errs.append(abs(e_k - e_2k))
    assert errs[1] < errs[0] / 8, errs
    # rescaled to [0, A], A ~ U(0.5, 2), on a fixed grid that includes the box edge: the
    # interior grid of a solve comes within one spacing (0.16 bohr at 255 points) of the
    # extremes, where the blur (width >= 1.5 bohr) changes V by at most ~5% of A
    fine = sample_potential("random", 20.0, 255, seed=5)
    assert 0.0 <= fine.min() < 0.05 * fine.max() and 0.5 * 0.95 <= fine.max() <= 2.0
    coarse = sample_potential("random", 20.0, 48, seed=5)
    assert coarse.min() >= -1e-12 and coarse.max() <= fine.max() * 1.01
