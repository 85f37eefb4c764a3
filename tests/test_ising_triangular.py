"""Triangular-lattice Ising model: energies, Wolff sampling against exact enumeration, parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from physml.errors import ParameterError
from physml.sim.ising import (
    T_C_TRIANGULAR,
    IsingParams,
    exact_energy_distribution,
    simulate,
    triangular_energy_per_spin,
)

NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))


def test_critical_temperature_is_4_over_ln3():
    assert T_C_TRIANGULAR == pytest.approx(3.640956, abs=1e-6)
    assert T_C_TRIANGULAR == 4.0 / math.log(3.0)


def test_energy_matches_a_loop_over_the_six_neighbours():
    rng = np.random.default_rng(0)
    s = (2 * rng.integers(0, 2, size=(3, 6, 6)) - 1).astype(np.int8)
    for k in range(3):
        total = sum(int(s[k, i, j]) * int(s[k, (i + di) % 6, (j + dj) % 6])
                    for i in range(6) for j in range(6) for di, dj in NEIGHBOURS)
        assert triangular_energy_per_spin(s[k]) == pytest.approx(-total / 2 / 36)  # each bond seen from both ends


def test_ground_state_has_three_bonds_per_spin():
    assert triangular_energy_per_spin(np.ones((8, 8), np.int8)) == -3.0
    levels, p = exact_energy_distribution(4, 0.05, lattice="triangular")
    assert levels[0] == -3.0 and p[0] > 1 - 1e-12


def _chi2_pvalue(energies, T):
    levels, p = exact_energy_distribution(4, T, lattice="triangular")
    idx = np.searchsorted(levels, np.round(energies, 12))
    assert np.allclose(levels[np.minimum(idx, len(levels) - 1)], energies), "energy off the exact spectrum"
    observed = np.bincount(idx, minlength=len(levels)).astype(float)
    expected = p * len(energies)
    obs, exp, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(observed, expected):  # pool levels until each bin expects >= 5 counts
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 5.0:
            obs.append(o_acc), exp.append(e_acc)
            o_acc = e_acc = 0.0
    obs[-1] += o_acc
    exp[-1] += e_acc
    assert len(obs) >= 3
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.mark.parametrize("T", [2.5, T_C_TRIANGULAR, 6.0])
def test_wolff_samples_the_exact_boltzmann_energy_distribution(T):
    # 4 x 4 triangular lattice: all 2**16 states enumerated; 3000 samples, 3 decorrelation sweeps apart
    ds = simulate(IsingParams(L=4, temperatures=(T,), samples=3000, equilibration_sweeps=50,
                              decorrelation_sweeps=3, lattice="triangular"), seed=5)
    assert _chi2_pvalue(ds["energy"], T) > 1e-3


def test_order_and_disorder_on_either_side_of_tc():
    ds = simulate(IsingParams(L=16, temperatures=(2.5, 6.0), samples=100, equilibration_sweeps=50,
                              decorrelation_sweeps=2, lattice="triangular"), seed=1)
    m = np.abs(ds["magnetization"])
    T = ds["temperature"]
    assert m[T == 2.5].mean() > 0.9   # the infinite-lattice spontaneous magnetisation at 2.5 is 0.96
    assert m[T == 6.0].mean() < 0.25  # paramagnet: |m| ~ sqrt(chi T / N), about 0.1 at L = 16
    assert ds.attrs["lattice"] == "triangular"


def test_same_seed_same_triangular_samples():
    p = IsingParams(L=8, temperatures=(3.0, 4.0), samples=5, lattice="triangular")
    assert np.array_equal(simulate(p, seed=3)["spins"], simulate(p, seed=3)["spins"])


@pytest.mark.parametrize("kw, name", [({"lattice": "hexagonal"}, "lattice"),
                                      ({"lattice": "triangular", "algorithm": "metropolis"}, "algorithm"),
                                      ({"lattice": "triangular", "h": 0.5}, "h")])
def test_bad_triangular_parameters(kw, name):
    with pytest.raises(ParameterError, match=name):
        IsingParams(L=8, temperatures=(3.0,), samples=2, **kw)


def test_square_lattice_stays_the_default():
    assert IsingParams(L=8, temperatures=(2.0,), samples=1).lattice == "square"


def test_cli_simulates_the_triangular_lattice(tmp_path, capsys):
    from physml.data import Dataset
    from test_cli import assert_one_line_error, cli

    out = tmp_path / "tri.h5"
    code, _, err = cli(capsys, "simulate", "ising", "--L", "8", "--temperatures", "3.0,5.0", "--samples", "3",
                       "--lattice", "triangular", "-o", str(out), "--quiet")
    assert code == 0, err
    ds = Dataset.load(out)
    assert ds.attrs["lattice"] == "triangular"
    np.testing.assert_allclose(ds["energy"], triangular_energy_per_spin(ds["spins"]))
    code, _, err = cli(capsys, "simulate", "ising", "--L", "8", "--lattice", "kagome", "-o", str(tmp_path / "k.h5"))
    assert_one_line_error(code, err, "lattice", "kagome")
