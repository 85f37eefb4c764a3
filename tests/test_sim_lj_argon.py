"""The Lennard-Jones equation of state (JZG 1993) against exact and published results; argon states."""

from __future__ import annotations

import numpy as np
import pytest

from physml.errors import ParameterError
from physml.sim import lj_argon as la


def test_ideal_gas_limit():
    # Z = 1 + B2 rho + O(rho^2): at rho* = 1e-8, |Z - 1| < 1e-7 for any B2* of order 1
    for T in (0.8, 1.5, 4.0):
        assert la.lj_compressibility(T, 1e-8) == pytest.approx(1.0, abs=1e-7)


@pytest.mark.parametrize("T", [1.5, 2.0, 3.0, 5.0])
def test_second_virial_coefficient_matches_the_lj_potential(T):
    # the MBWR's low-density limit Z - 1 -> a_1(T*) rho* / T*; the exact B2* is a quadrature over the pair
    # potential. JZG constrained a_1 by the virial coefficients; their fit is good to ~1 % (measured 0.4 %)
    a = la.jzg_coefficients(np.array(T))[0]
    assert float(a[0]) / T == pytest.approx(la.lj_second_virial_exact(T), rel=0.01, abs=0.005)


def test_second_virial_quadrature_has_the_boyle_temperature():
    # B2*(T*) = 0 at the LJ Boyle temperature T*_B = 3.4179 (a textbook exact value)
    assert abs(la.lj_second_virial_exact(3.4179)) < 2e-3
    assert la.lj_second_virial_exact(3.3) < 0 < la.lj_second_virial_exact(3.5)


def test_critical_point_is_the_published_one():
    # JZG 1993 report T*_c = 1.313, rho*_c = 0.310 for their equation (simulations: 1.31-1.32, 0.31)
    T, rho, p = la.lj_critical_point()
    assert T == pytest.approx(1.313, abs=2e-3)
    assert rho == pytest.approx(0.310, abs=3e-3)
    assert 0.12 < p < 0.14


def test_argon_scaling_constants():
    # 1 mol/L of argon is rho* = N_A sigma^3 * 1000 = 0.02377; the LJ critical point scaled: 157.3 K
    assert la.reduced_density(1.0) == pytest.approx(6.02214076e23 * (3.405e-10) ** 3 * 1000, rel=1e-12)
    assert la.reduced_temperature(119.8) == 1.0


def test_argon_reference_pressure_at_its_critical_point():
    # CoolProp's argon (Tegeler et al. 1999): p_c = 4.863 MPa at T_c = 150.687 K, rho_c = 13.407 mol/L
    assert la.argon_pressure(150.687, 13.40743) == pytest.approx(4.863, rel=1e-3)


def test_dataset_is_single_phase_argon_and_reproducible():
    from CoolProp.CoolProp import PropsSI

    ds = la.argon_dataset(la.ArgonStatesParams(n_samples=120), seed=4)
    T, rho = ds["temperature_K"], ds["density_mol_L"]
    for t, r in zip(T, rho):
        if t < la.ARGON_CRITICAL[0]:
            rv = PropsSI("Dmolar", "T", t, "Q", 1, "Argon") / 1000
            rl = PropsSI("Dmolar", "T", t, "Q", 0, "Argon") / 1000
            assert r < rv or r > rl
    assert np.all(ds["Z_real"] > 0) and np.all(np.isfinite(ds["Z_lj"]))
    np.testing.assert_allclose(ds["pressure_lj_MPa"], ds["Z_lj"] * rho * 1000 * 8.314462618 * T / 1e6, rtol=1e-9)
    again = la.argon_dataset(la.ArgonStatesParams(n_samples=120), seed=4)
    assert np.array_equal(again["Z_real"], ds["Z_real"])


@pytest.mark.parametrize("kw, name", [({"n_samples": 0}, "n_samples"),
                                      ({"temperature_K": (50.0, 300.0)}, "temperature_K"),
                                      ({"density_mol_L": (5.0, 1.0)}, "density_mol_L"),
                                      ({"dome_margin": -0.1}, "dome_margin")])
def test_bad_argon_parameters(kw, name):
    with pytest.raises(ParameterError, match=name):
        la.ArgonStatesParams(**kw)
