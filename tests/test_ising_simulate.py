"""``simulate`` and ``IsingParams``: dataset contract, seeds, threads, validation."""

from __future__ import annotations

import dataclasses
import json
import math

import numba
import numpy as np
import pytest

import physml.sim.ising as ising
from physml.data import Dataset
from physml.errors import ParameterError
from physml.sim.ising import T_C, IsingParams, energy_per_spin, magnetization_per_spin, parse_temperatures, simulate

SMALL = IsingParams(L=8, temperatures=(1.5, 2.5, 3.5), samples=4, equilibration_sweeps=20, decorrelation_sweeps=2)


def test_public_api_is_consistent():
    assert len(set(ising.__all__)) == len(ising.__all__)
    for name in ising.__all__:
        obj = getattr(ising, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"
    assert ising.__doc__ and "J = k_B = 1" in ising.__doc__


def test_dataset_contract():
    ds = simulate(SMALL, seed=1)
    assert isinstance(ds, Dataset) and len(ds) == 12
    assert ds["spins"].dtype == np.int8 and ds["spins"].shape == (12, 8, 8)
    assert set(np.unique(ds["spins"])) <= {-1, 1}
    np.testing.assert_array_equal(ds["temperature"], np.repeat([1.5, 2.5, 3.5], 4))
    for name in ("temperature", "energy", "magnetization"):
        assert ds[name].dtype == np.float64
    np.testing.assert_array_equal(ds["energy"], energy_per_spin(ds["spins"]))
    np.testing.assert_array_equal(ds["magnetization"], magnetization_per_spin(ds["spins"]))
    assert ds.units == {"spins": "1", "temperature": "J/k_B", "energy": "J", "magnetization": "1"}
    assert ds.attrs["simulator"] == "ising" and ds.attrs["lattice"] == "square"
    assert ds.parameters == json.loads(json.dumps(dataclasses.asdict(SMALL)))
    assert json.loads(ds.attrs["seed"]) == 1


def test_field_enters_the_energy():
    params = dataclasses.replace(SMALL, h=0.5, temperatures=(2.0,))
    ds = simulate(params, seed=2)
    np.testing.assert_array_equal(ds["energy"], energy_per_spin(ds["spins"], 0.5))
    assert np.mean(ds["magnetization"]) > 0.5  # the field orders the lattice along +


def test_dataset_roundtrip(tmp_path):
    ds = simulate(SMALL, seed=1)
    back = Dataset.load(ds.save(tmp_path / "ising.h5"))
    for name in ds.names:
        np.testing.assert_array_equal(back[name], ds[name])
        assert back[name].dtype == ds[name].dtype
    assert back.units == ds.units and back.parameters == ds.parameters


def test_same_seed_same_data_different_seed_different_data():
    a, b, c = simulate(SMALL, seed=5), simulate(SMALL, seed=5), simulate(SMALL, seed=6)
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["spins"], c["spins"])
    g = simulate(SMALL, seed=np.random.default_rng(5))  # a generator seeded alike gives the same data
    np.testing.assert_array_equal(g["spins"], a["spins"])
    assert "generator" in json.loads(g.attrs["seed"])


def test_simulate_leaves_global_rng_alone():
    before = np.random.get_state()[1].copy()
    simulate(SMALL, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_same_output_on_one_and_two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    params = IsingParams(
        L=256, temperatures=(2.0, 3.0), samples=2, algorithm="metropolis", equilibration_sweeps=3,
        decorrelation_sweeps=1
    )
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = simulate(params, seed=3)
        numba.set_num_threads(2)
        two = simulate(params, seed=3)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(one["spins"], two["spins"])


def test_auto_algorithm_choice():
    p = IsingParams(L=8, temperatures=(1.0,), samples=1)
    assert p.algorithm_at(1.0) == "wolff" and p.algorithm_at(1.2 * T_C) == "wolff"
    assert p.algorithm_at(1.3 * T_C) == "metropolis"
    q = IsingParams(L=8, temperatures=(1.0,), samples=1, h=0.1)
    assert q.algorithm_at(1.0) == "metropolis"
    assert IsingParams(L=8, temperatures=(1.0,), samples=1, algorithm="metropolis").algorithm_at(1.0) == "metropolis"


def test_progress_bar(capsys):
    simulate(dataclasses.replace(SMALL, temperatures=(2.0,)), seed=0, progress=True)
    assert "Ising" in capsys.readouterr().err


def test_params_coercion():
    p = IsingParams(L=np.int64(8), temperatures=[2, 3.5], samples=3)
    assert p.L == 8 and type(p.L) is int
    assert p.temperatures == (2.0, 3.5) and all(type(t) is float for t in p.temperatures)
    assert IsingParams(L=8, temperatures=2.5, samples=1).temperatures == (2.5,)
    assert IsingParams(L=8, temperatures="1.0:2.0:3", samples=1).temperatures == (1.0, 1.5, 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.L = 10  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"L": 3}, "L"),
        ({"L": 2}, "L"),
        ({"L": 7}, "L"),
        ({"L": 8.0}, "L"),
        ({"L": True}, "L"),
        ({"temperatures": (2.0, 0.0)}, "temperatures"),
        ({"temperatures": (-1.0,)}, "temperatures"),
        ({"temperatures": (math.nan,)}, "temperatures"),
        ({"temperatures": (math.inf,)}, "temperatures"),
        ({"temperatures": ()}, "temperatures"),
        ({"temperatures": ("hot",)}, "temperatures"),
        ({"samples": 0}, "samples"),
        ({"samples": 1.5}, "samples"),
        ({"h": math.nan}, "h"),
        ({"algorithm": "heatbath"}, "algorithm"),
        ({"algorithm": "wolff", "h": 0.1}, "algorithm"),
        ({"equilibration_sweeps": -1}, "equilibration_sweeps"),
        ({"decorrelation_sweeps": 0}, "decorrelation_sweeps"),
    ],
)
def test_params_validation(kwargs, name):
    base = {"L": 8, "temperatures": (2.0,), "samples": 1}
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        IsingParams(**{**base, **kwargs})


def test_parse_temperatures():
    assert parse_temperatures("2.0,2.5,3.0") == (2.0, 2.5, 3.0)
    assert parse_temperatures(" 2.269 ") == (2.269,)
    temps = parse_temperatures("1.0:3.5:26")
    assert len(temps) == 26 and temps[0] == 1.0 and temps[-1] == 3.5
    assert temps[1] == pytest.approx(1.1)
    assert parse_temperatures("3.0:1.0:3") == (3.0, 2.0, 1.0)
    assert parse_temperatures("2.0:2.0:1") == (2.0,)


@pytest.mark.parametrize("text", ["2.0:2.0:5", "1:3:0", "1:3:-2", "1:3", "1:2:3:4", "a,b", "", "2.0,,3", "-1,2", "0",
                                  "nan", "1:3:2.5"])
def test_parse_temperatures_rejects(text):
    with pytest.raises(ParameterError, match="parameter 'temperatures'"):
        parse_temperatures(text)
