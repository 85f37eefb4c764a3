"""``physml.sim.elements``: the element table against handbook values, and its contract.

Reference values: CRC Handbook of Chemistry and Physics (melting points
Fe 1811 K, Cu 1357.77 K, Hg 234.32 K, Ga 302.91 K, white P 317.3 K, white Sn
505.08 K, monoclinic S 388.36 K; densities Cu 8.96 and Au 19.3 g/cm^3;
normal boiling point of N2 77.36 K) and NIST ASD first ionization energies
(H 13.598 eV, He 24.587 eV, Na 5.139 eV).
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import physml.sim.elements as elements
from physml.data import Dataset
from physml.errors import ParameterError
from physml.sim.elements import DEFAULT_DESCRIPTORS, DESCRIPTORS, TARGETS, ElementTableParams, element_table


def _row(ds: Dataset, symbol: str) -> dict:
    i = int(np.flatnonzero(ds["symbol"] == symbol.encode())[0])
    return {name: ds[name][i] for name in ds.names}


def test_public_api_is_consistent():
    assert len(set(elements.__all__)) == len(elements.__all__)
    name = elements.__name__  # every public class or function defined in the module is exported
    defined = {k for k, v in vars(elements).items()
               if not k.startswith("_") and (inspect.isclass(v) or inspect.isfunction(v))
               and (v.__module__ == name or v.__module__.startswith(name + "._"))}
    assert defined <= set(elements.__all__)
    for name in elements.__all__:
        obj = getattr(elements, name)
        assert not callable(obj) or obj.__doc__, f"{name} has no docstring"


def test_known_values():
    mp = element_table("melting_point")
    assert _row(mp, "Fe")["melting_point_K"] == pytest.approx(1811, abs=1)
    assert _row(mp, "Cu")["melting_point_K"] == pytest.approx(1357.77, abs=0.01)
    assert _row(mp, "Hg")["melting_point_K"] == pytest.approx(234.32, abs=0.01)
    assert _row(mp, "Ga")["melting_point_K"] == pytest.approx(302.91, abs=0.01)
    fe = _row(mp, "Fe")
    assert (fe["atomic_number"], fe["period"], fe["group_id"], fe["block_code"],
            fe["valence_electrons"]) == (26, 4, 8, 2, 8)
    assert fe["atomic_weight"] == pytest.approx(55.845, abs=1e-3)
    na = _row(mp, "Na")
    assert na["valence_electrons"] == 1 and na["ionization_energy_eV"] == pytest.approx(5.139, abs=1e-3)
    assert _row(mp, "H")["ionization_energy_eV"] == pytest.approx(13.598, abs=1e-3)
    rho = element_table("density")
    assert _row(rho, "Cu")["density_g_cm3"] == pytest.approx(8.96, abs=0.01)
    assert _row(rho, "Au")["density_g_cm3"] == pytest.approx(19.3, abs=0.05)
    bp = element_table("boiling_point", ["atomic_number", "ionization_energy_eV"])
    assert _row(bp, "N")["boiling_point_K"] == pytest.approx(77.36, abs=0.05)
    assert _row(bp, "He")["ionization_energy_eV"] == pytest.approx(24.587, abs=1e-3)
    k = element_table("thermal_conductivity")  # CRC, W/(m K) at 25 degC: silver the best metal, copper next
    assert (_row(k, "Ag")["thermal_conductivity_W_mK"], _row(k, "Cu")["thermal_conductivity_W_mK"]) == (429, 401)
    assert _row(k, "Br")["thermal_conductivity_W_mK"] == pytest.approx(0.005)


def test_allotrope_rules():
    mp = element_table("melting_point")
    assert _row(mp, "P")["melting_point_K"] == pytest.approx(317.3)  # white, not red (a sublimation row)
    assert _row(mp, "Sn")["melting_point_K"] == pytest.approx(505.08, abs=0.01)  # not grey tin's 286 K transition
    # not the rhombic -> monoclinic transition
    assert _row(mp, "S")["melting_point_K"] == pytest.approx(388.36, abs=0.01)
    assert "C" in json.loads(mp.attrs["dropped_missing_target"])  # graphite sublimes
    assert _row(mp, "Ce")["group_id"] == 3 and _row(mp, "Ce")["block_code"] == 3  # f block: group 3 slot


@pytest.mark.parametrize("target", list(TARGETS))
def test_contract_no_nan_and_drop_accounting(target):
    ds = element_table(target)
    name, unit = TARGETS[target]
    assert ds.attrs["target"] == name and ds.units[name] == unit
    assert json.loads(ds.attrs["features"]) == list(DEFAULT_DESCRIPTORS)
    for col in [*DEFAULT_DESCRIPTORS, name]:
        assert np.all(np.isfinite(ds[col])), col
        assert ds.units[col] == DESCRIPTORS.get(col, unit)
    assert ds["symbol"].dtype == np.dtype("S3") and len(set(ds["symbol"])) == len(ds)
    assert np.all(np.diff(ds["atomic_number"]) > 0)
    dropped = sum(ds.attrs[f"n_dropped_{r}"] for r in ("estimated", "missing_target", "missing_descriptors"))
    assert len(ds) + dropped == 118
    assert ds.attrs["n_dropped_estimated"] == len(elements.ESTIMATED)
    assert not set(elements.ESTIMATED) & set(ds["symbol"].astype(str))
    assert len(ds) >= (55 if target == "thermal_conductivity" else 75)  # mendeleev lacks k for 30 elements


def test_fewer_descriptors_keep_more_elements_and_estimates_can_be_included():
    full = element_table("melting_point")
    lean = element_table("melting_point", "atomic_number,period,block_code")
    assert len(lean) > len(full) and "Ar" in lean["symbol"].astype(str)
    assert len(element_table("melting_point", ["atomic_number"], include_estimated=True)) > len(
        element_table("melting_point", ["atomic_number"]))


def test_roundtrip(tmp_path):
    ds = element_table("density")
    back = Dataset.load(ds.save(tmp_path / "elements.h5"))
    for name in ds.names:
        np.testing.assert_array_equal(back[name], ds[name])
    assert back.units == ds.units and back.parameters == ds.parameters


def test_unknown_target_lists_the_allowed_ones():
    with pytest.raises(ParameterError) as info:
        element_table("hardness")
    message = str(info.value)
    assert "'target'" in message and all(t in message for t in TARGETS)


@pytest.mark.parametrize("bad", [dict(descriptors=["atomic_number", "colour"]), dict(descriptors=[]),
                                 dict(descriptors=["period", "period"]), dict(descriptors=5),
                                 dict(include_estimated="yes")])
def test_descriptors_are_validated(bad):
    with pytest.raises(ParameterError):
        ElementTableParams(**bad)
