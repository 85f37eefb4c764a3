"""``physml.sim.water``: phase labels and k(T, p) against published IAPWS values.

References (values quoted from the releases' verification tables):

* IAPWS R14-08(2011), Revised Release on the Pressure along the Melting and
  Sublimation Curves of Ordinary Water Substance, Table 3 (check values):
  p_melt,Ih(260 K) = 138.268 MPa, p_subl(230 K) = 8.94735e-6 MPa; triple point
  273.16 K, 611.657 Pa.
* IAPWS R7-97(2012), IAPWS-IF97, Table 35 (p_s(300 K) = 0.353658941e-2 MPa,
  p_s(500 K) = 0.263889776e1 MPa, p_s(600 K) = 0.123443146e2 MPa) and Table 36
  (T_s(0.1 MPa) = 0.372755919e3 K, T_s(1 MPa) = 0.453035632e3 K,
  T_s(10 MPa) = 0.584149488e3 K).
* Normal melting point 273.152519 K (IAPWS R10-06(2009), ice Ih equation of
  state, Table 2); normal boiling point 373.124 K (IAPWS-95).
* IAPWS R15-11, thermal conductivity, Table 4 (T = 298.15 K, rho = 998 kg/m^3:
  607.712868 mW/(m K)) and Table 5 (T = 647.35 K, with the critical
  enhancement from IAPWS-95): rho -> k in mW/(m K) below.
* k(298.15 K, 0.1 MPa) = 0.6065 W/(m K) (NIST Chemistry WebBook, which
  implements IAPWS R15-11 with IAPWS-95).
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from iapws import IAPWS95
from scipy.optimize import brentq

import physml.sim.water as water
from physml.data import Dataset
from physml.errors import ParameterError
from physml.sim.water import (
    PHASES,
    ConductivityParams,
    WaterPhaseParams,
    conductivity_dataset,
    hard_points_mask,
    melting_pressure,
    phase_dataset,
    phase_index,
    phase_of,
    saturation_pressure,
    saturation_temperature,
    sublimation_pressure,
    thermal_conductivity,
)

# R15-11 Table 5: T = 647.35 K, density (kg/m^3) -> k (mW/(m K)); 750 kg/m^3 is at 118 MPa, outside our 100 MPa
R15_TABLE5 = [(1, 51.9298924), (122, 130.922885), (222, 367.787459), (272, 757.959776),
              (322, 1443.75556), (372, 650.319402), (422, 448.883487)]


def test_public_api_is_consistent():
    assert len(set(water.__all__)) == len(water.__all__)
    name = water.__name__  # every public class or function defined in the module is exported
    defined = {k for k, v in vars(water).items()
               if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
               and (v.__module__ == name or v.__module__.startswith(name + "._"))}
    assert defined <= set(water.__all__)
    for name in water.__all__:
        obj = getattr(water, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"
    assert "MPa" in water.__doc__ and "W/(m K)" in water.__doc__


# -- coexistence curves: published check values ------------------------------------------

def test_curves_reproduce_release_check_values():
    assert melting_pressure(260.0) == pytest.approx(138.268, rel=1e-6)
    assert sublimation_pressure(230.0) == pytest.approx(8.94735e-6, rel=1e-6)
    np.testing.assert_allclose(saturation_pressure([300.0, 500.0, 600.0]),
                               [0.353658941e-2, 0.263889776e1, 0.123443146e2], rtol=1e-8)
    np.testing.assert_allclose(saturation_temperature([0.1, 1.0, 10.0]),
                               [0.372755919e3, 0.453035632e3, 0.584149488e3], rtol=1e-8)


def test_curves_meet_at_the_triple_and_critical_points():
    for curve in (melting_pressure, sublimation_pressure, saturation_pressure):
        assert curve(water.T_TRIPLE_K) == pytest.approx(water.P_TRIPLE_MPA, rel=1e-7)
    assert saturation_pressure(water.T_CRITICAL_K) == pytest.approx(water.P_CRITICAL_MPA, rel=1e-8)
    assert melting_pressure(water.T_IH_III_K) == pytest.approx(water.P_IH_III_MPA, rel=1e-5)


def test_normal_melting_and_boiling_points():
    T_melt = brentq(lambda T: float(melting_pressure(T)) - 0.101325, 272.0, water.T_TRIPLE_K, xtol=1e-10)
    assert T_melt == pytest.approx(273.152519, abs=2e-6)
    assert float(saturation_temperature(0.101325)) == pytest.approx(373.124, abs=1e-3)
    # the labels switch exactly there
    assert phase_of(T_melt - 1e-4, 0.101325) == "ice" and phase_of(T_melt + 1e-4, 0.101325) == "liquid"
    assert phase_of(373.12, 0.101325) == "liquid" and phase_of(373.13, 0.101325) == "vapour"


def test_curves_refuse_temperatures_outside_their_validity():
    with pytest.raises(ParameterError, match="T_K"):
        melting_pressure(250.0)  # below the ice Ih - III - liquid triple point
    with pytest.raises(ParameterError, match="T_K"):
        saturation_pressure(700.0)


# -- phase labels --------------------------------------------------------------------------

@pytest.mark.parametrize("T, p, phase", [
    (250.0, 0.1, "ice"), (300.0, 1.0, "liquid"), (400.0, 0.1, "vapour"), (700.0, 30.0, "supercritical"),
    (700.0, 10.0, "vapour"),         # gas above T_c below p_c
    (600.0, 50.0, "liquid"),         # compressed liquid above p_c below T_c
    (250.0, 1e-5, "vapour"),         # below the sublimation pressure (7.6e-5 MPa at 250 K)
    (240.0, 100.0, "ice"),           # no stable liquid below 251.165 K
    (263.0, 100.0, "ice"), (265.0, 100.0, "liquid"),  # T_melt(100 MPa) = 264.21 K
    (200.0, 1e-6, "ice"), (1000.0, 1e-6, "vapour"), (1000.0, 100.0, "supercritical"),
])
def test_phase_at_textbook_points(T, p, phase):
    assert phase_of(T, p) == phase
    assert PHASES[phase_index(T, p)] == phase


def test_phase_of_is_vectorised_and_broadcasts():
    T = np.array([250.0, 300.0, 400.0, 700.0])
    names = phase_of(T, np.array([0.1, 1.0, 0.1, 30.0]))
    assert names.tolist() == list(PHASES)
    assert phase_of(T[:, None], np.array([1e-6, 50.0])).shape == (4, 2)
    np.testing.assert_array_equal(phase_index(T, 0.1), [0, 1, 2, 2])


def test_labels_are_continuous_across_the_triple_point_region():
    # just above the triple-point pressure, warming ice turns liquid at ~273.16 K, then boils at T_s(p)
    p = 1e-3
    assert phase_of([273.0, 273.161, 280.0, 290.0], p).tolist() == ["ice", "liquid", "liquid", "vapour"]
    # below it, ice sublimes directly
    assert phase_of([250.0, 270.0, 274.0], 4e-4).tolist() == ["ice", "vapour", "vapour"]


@pytest.mark.parametrize("T, p", [(49.0, 0.1), (1300.0, 0.1), (300.0, 0.0), (300.0, 250.0), (np.nan, 1.0)])
def test_phase_of_refuses_states_outside_its_domain(T, p):
    with pytest.raises(ParameterError):
        phase_of(T, p)


# -- hard points ---------------------------------------------------------------------------

def test_hard_points_mask_equals_a_dense_scan_of_the_neighbourhood():
    rng = np.random.default_rng(7)
    T = rng.uniform(200, 1000, 3000)
    p = 10 ** rng.uniform(-6, 2, 3000)
    mask = hard_points_mask(T, p)
    center = phase_index(T, p)
    dense = np.zeros_like(mask)
    for s in np.linspace(-1.0, 1.0, 41):
        Ts = np.clip(T * (1 + 0.05 * s), water.T_MIN_K, water.T_MAX_K)
        ps = np.minimum(p * 10 ** (0.4 * s), water.P_IH_III_MPA)
        dense |= (phase_index(Ts, p) != center) | (phase_index(T, ps) != center)
    np.testing.assert_array_equal(mask, dense)
    assert 0.05 < mask.mean() < 0.25


def test_hard_points_at_known_places():
    T = np.array([373.0, 273.0, 650.0, 300.0, 900.0, 800.0])
    p = np.array([0.1, 0.1, 22.0, 1.0, 1e-3, 60.0])
    np.testing.assert_array_equal(hard_points_mask(T, p), [True, True, True, False, False, False])
    assert not hard_points_mask(T, p, rel_dT=0.0, dlog10_p=0.0).any()


# -- thermal conductivity -------------------------------------------------------------------

@pytest.mark.parametrize("rho, k_mW", R15_TABLE5)
def test_conductivity_reproduces_r15_table5_through_T_p(rho, k_mW):
    p = IAPWS95(rho=rho, T=647.35).P  # the state of the table, given as (T, p)
    for formulation in ("IAPWS-95", "hybrid"):  # 647.35 K lies in hybrid's IAPWS-95 window
        k = thermal_conductivity(647.35, p, formulation=formulation)
        assert k * 1e3 == pytest.approx(k_mW, rel=1e-7)


def test_conductivity_reproduces_r15_table4_and_the_ambient_value():
    p = IAPWS95(rho=998.0, T=298.15).P  # 2.217 MPa
    assert thermal_conductivity(298.15, p, formulation="IAPWS-95") * 1e3 == pytest.approx(607.712868, rel=1e-8)
    for formulation in water.FORMULATIONS:
        assert thermal_conductivity(298.15, 0.1, formulation=formulation) == pytest.approx(0.6065, rel=2e-4)


def test_hybrid_agrees_with_iapws95_over_the_domain():
    ds = conductivity_dataset(ConductivityParams(n_samples=30), seed=11)
    rng = np.random.default_rng(12)  # and points in the near-critical window
    T = np.concatenate([ds["temperature_K"], rng.uniform(655, 720, 10)])
    p = np.concatenate([ds["pressure_MPa"], rng.uniform(23, 40, 10)])
    k_ref = thermal_conductivity(T, p, formulation="IAPWS-95")
    np.testing.assert_allclose(thermal_conductivity(T, p), k_ref, rtol=1e-3)
    np.testing.assert_allclose(ds["thermal_conductivity"], k_ref[:30], rtol=1e-3)


def test_conductivity_dataset_contract():
    params = ConductivityParams(n_samples=400)
    ds = conductivity_dataset(params, seed=3)
    assert len(ds) == 400 and ds.attrs["target"] == "thermal_conductivity"
    assert ds.units["thermal_conductivity"] == "W/(m K)" and ds.units["temperature_K"] == "K"
    T, p, k = ds["temperature_K"], ds["pressure_MPa"], ds["thermal_conductivity"]
    assert T.min() >= 275 and T.max() <= 1000 and p.min() >= 0.1 and p.max() <= 50
    np.testing.assert_allclose(ds["log10_pressure_MPa"], np.log10(p), rtol=0, atol=1e-12)
    assert np.all(np.isfinite(k)) and 0.02 < k.min() and k.max() < 0.8
    # liquid conducts heat ~5-20x better than steam
    liquid, vapour = ds["phase"] == b"liquid", ds["phase"] == b"vapour"
    assert k[liquid].min() > k[vapour].max() * 1.5
    np.testing.assert_array_equal(ds["phase"].astype(str), phase_of(T, p))
    assert not (ds["phase"] == b"ice").any()
    # no point within the margins of the saturation curve or the critical point
    sat = (p <= water.P_CRITICAL_MPA)
    assert np.min(np.abs(T[sat] - saturation_temperature(p[sat]))) >= params.saturation_margin_K
    near_c = (np.abs(T - water.T_CRITICAL_K) < 2.0) & (np.abs(p - water.P_CRITICAL_MPA) < 0.5)
    assert not near_c.any()
    assert (ds.attrs["n_rejected_saturation"] >= 0
            and json.loads(ds.attrs["features"]) == ["temperature_K", "log10_pressure_MPa"])


def test_conductivity_parameters_are_validated():
    for bad in (dict(n_samples=0), dict(T_range_K=(200.0, 300.0)), dict(p_range_MPa=(1.0, 500.0)),
                dict(p_range_MPa=(5.0, 1.0)), dict(formulation="IF97"), dict(saturation_margin_K=-1.0)):
        with pytest.raises(ParameterError):
            ConductivityParams(**bad)
    with pytest.raises(ParameterError, match="formulation"):
        thermal_conductivity(300.0, 1.0, formulation="iapws97")
    with pytest.raises(ParameterError, match="T_K"):
        thermal_conductivity(1200.0, 1.0)


# -- phase data set --------------------------------------------------------------------------

def test_phase_dataset_contract_and_roundtrip(tmp_path):
    ds = phase_dataset(WaterPhaseParams(n_samples=5000), seed=1)
    T, p = ds["temperature_K"], ds["pressure_MPa"]
    assert T.min() >= 200 and T.max() <= 1000 and p.min() >= 1e-6 and p.max() <= 100
    assert ds["phase"].dtype == np.dtype("S13") and ds["phase_index"].dtype == np.int64
    assert json.loads(ds.attrs["classes"]) == list(PHASES)
    np.testing.assert_array_equal(ds["phase"].astype(str), phase_of(T, p))
    np.testing.assert_array_equal(np.asarray(PHASES)[ds["phase_index"]], ds["phase"].astype(str))
    np.testing.assert_array_equal(ds["near_boundary"], hard_points_mask(T, p))
    # log-uniform p: about uniform in log10 p
    counts = np.histogram(ds["log10_pressure_MPa"], bins=8, range=(-6, 2))[0]
    assert counts.min() > 0.8 * len(ds) / 8
    assert set(np.unique(ds["phase_index"])) == {0, 1, 2, 3}
    back = Dataset.load(ds.save(tmp_path / "water.h5"))
    for name in ds.names:
        np.testing.assert_array_equal(back[name], ds[name])
    assert back.units == ds.units and back.parameters == ds.parameters


def test_phase_dataset_seeds():
    params = WaterPhaseParams(n_samples=50)
    a, b, c = phase_dataset(params, seed=5), phase_dataset(params, seed=5), phase_dataset(params, seed=6)
    np.testing.assert_array_equal(a["temperature_K"], b["temperature_K"])
    assert not np.array_equal(a["temperature_K"], c["temperature_K"])
    g = phase_dataset(params, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(g["pressure_MPa"], a["pressure_MPa"])
    assert "generator" in json.loads(g.attrs["seed"])


@pytest.mark.parametrize("bad", [dict(n_samples=0), dict(n_samples=2.5), dict(T_range_K=(300.0, 200.0)),
                                 dict(T_range_K=(10.0, 300.0)), dict(p_range_MPa=(0.0, 1.0)),
                                 dict(p_range_MPa=(1.0, 300.0)), dict(p_range_MPa="1:10"), dict(rel_dT=-0.1)])
def test_phase_parameters_are_validated(bad):
    kwargs = dict(n_samples=10) | bad
    with pytest.raises(ParameterError):
        WaterPhaseParams(**kwargs)


def test_sampling_inside_the_margins_only_is_refused():
    params = ConductivityParams(n_samples=10, T_range_K=(646.0, 648.0), p_range_MPa=(21.8, 22.3))
    with pytest.raises(ParameterError, match="T_range_K"):
        conductivity_dataset(params, seed=0)
