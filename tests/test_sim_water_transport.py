"""H2O / D2O transport properties at reduced states: IAPWS check values, isotope effect, sampling rules."""

from __future__ import annotations

import numpy as np
import pytest
from iapws import IAPWS95

from physml.errors import ParameterError
from physml.sim import water

# IAPWS R12-08 (viscosity of ordinary water), Table 4: (T K, rho kg/m^3) -> mu in uPa s, given to 1e-6 uPa s
R12_08 = [(298.15, 998.0, 889.735100), (373.15, 1000.0, 307.883622), (433.15, 1.0, 14.538324),
          (433.15, 1000.0, 217.685358), (873.15, 1.0, 32.619287), (873.15, 100.0, 35.802262),
          (873.15, 600.0, 77.430195)]


@pytest.mark.parametrize("T, rho, mu_ref", R12_08)
def test_h2o_viscosity_matches_iapws_check_values(T, rho, mu_ref):
    p = IAPWS95(rho=rho, T=T).P  # the check values are given at (T, rho); the library takes (T, p)
    mu, _, rho_back = water.transport_properties("H2O", np.array([T]), np.array([p]))
    # the density is solved back from p to ~1e-9 relative; the viscosity follows it to that order
    assert rho_back[0] == pytest.approx(rho, rel=1e-6)
    assert mu[0] * 1e6 == pytest.approx(mu_ref, rel=1e-6)


def test_heavy_water_is_about_23_percent_more_viscous_at_room_temperature():
    # measured: D2O 1.095 mPa s, H2O 0.890 mPa s at 25 C, 1 atm (ratio 1.23; the IAPWS D2O fit is within 0.5 %)
    mu_d, _, _ = water.transport_properties("D2O", np.array([298.15]), np.array([0.101325]))
    mu_h, _, _ = water.transport_properties("H2O", np.array([298.15]), np.array([0.101325]))
    assert 1.21 < mu_d[0] / mu_h[0] < 1.25


def test_unstable_density_roots_are_refused():
    # iapws.D2O(T=0.995 T_c, P=0.05 p_c) returns 230 kg/m^3, a root on the unstable branch (the vapour has ~4)
    tc, pc, _ = water.CRITICAL["D2O"]
    mu, _, rho = water.transport_properties("D2O", np.array([0.995 * tc, 1.02 * tc]), np.array([0.05 * pc] * 2))
    assert np.isnan(mu[0]) and rho[1] < 10.0


def test_dataset_states_are_stable_and_outside_the_excluded_regions():
    ds = water.transport_dataset(water.TransportParams("D2O", n_samples=150), seed=3)
    tr, pr, rho = ds["reduced_temperature"], ds["reduced_pressure"], ds["density"]
    assert len(ds) == 150 and np.all(np.isfinite(ds["viscosity"]))
    (t0, t1), (p0, p1) = water.NEAR_CRITICAL_REDUCED
    assert not np.any((tr >= t0) & (tr <= t1) & (pr >= p0) & (pr <= p1))
    sub = pr < 1.0
    gap = tr[sub] - water.reduced_saturation_temperature("D2O", pr[sub])
    assert np.all(np.abs(gap) >= 0.01)
    # below the saturation temperature (gap < 0) the stable phase is liquid, denser than critical; above, vapour
    rho_c = 356.0
    assert np.all((rho[sub] > rho_c) == (gap < 0))
    assert np.array_equal(ds["viscosity"], water.transport_dataset(water.TransportParams("D2O", n_samples=150),
                                                                   seed=3)["viscosity"])


@pytest.mark.parametrize("kw, name", [({"fluid": "T2O"}, "fluid"), ({"n_samples": 0}, "n_samples"),
                                      ({"reduced_temperature": (0.3, 1.0)}, "reduced_temperature"),
                                      ({"reduced_pressure": (1.0, 0.5)}, "reduced_pressure")])
def test_bad_transport_parameters(kw, name):
    with pytest.raises(ParameterError, match=name):
        water.TransportParams(**kw)
