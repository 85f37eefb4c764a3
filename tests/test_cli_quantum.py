"""``physml simulate schrodinger`` and ``quantum-dynamics``: datasets as documented; bad input exits 2."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from physml.sim.schrodinger import solve_2d
from test_cli import assert_one_line_error, cli  # noqa: E402


def test_schrodinger_dataset_energies_belong_to_its_potentials(tmp_path, capsys):
    out = tmp_path / "gs.h5"
    code, _, err = cli(capsys, "simulate", "schrodinger", "--family", "harmonic", "--n-potentials", "3",
                       "--n-points", "48", "--n-states", "3", "--seed", "2", "-o", str(out), "--quiet")
    assert code == 0, err
    with h5py.File(out, "r") as f:
        assert f["potential"].shape == (3, 48, 48) and f["energies"].shape == (3, 3)
        assert f["energies"].attrs["unit"] == "hartree"
        E, V = f["energies"][()], f["potential"][()]
    assert np.all(np.diff(E, axis=1) >= -1e-12)  # ascending
    for i in range(3):  # each row's energies are the spectrum of the stored potential (solver tested elsewhere)
        np.testing.assert_allclose(solve_2d(V[i].astype(float), 20.0, 48, 3).energies, E[i], rtol=1e-6)
        assert E[i, 0] > V[i].min()  # zero-point energy: the ground state lies above the potential minimum


def test_quantum_dynamics_dataset(tmp_path, capsys):
    out = tmp_path / "tfim.h5"
    code, _, err = cli(capsys, "simulate", "quantum-dynamics", "--system", "tfim", "--n-spins", "6", "--t-max", "5",
                       "--n-times", "21", "--n-trajectories", "2", "-o", str(out))
    assert code == 0, err
    with h5py.File(out, "r") as f:
        mz, energy = f["magnetization_z"][()], f["energy"][()]
    assert mz.shape == (2, 21, 6) and np.all(np.abs(mz) <= 1 + 1e-12)
    assert np.max(np.abs(energy - energy[:, :1])) < 1e-8  # time-independent H conserves energy


@pytest.mark.parametrize("args, words", [
    (["schrodinger", "--n-points", "4"], ["n_points", "4"]),
    (["schrodinger", "--n-points", "16", "--n-states", "300"], ["n_states", "300"]),
    (["schrodinger", "--family", "coulomb"], ["family", "coulomb"]),
    (["quantum-dynamics", "--t-max", "0"], ["t_max"]),
    (["quantum-dynamics", "--t-max", "-1"], ["t_max"]),
    (["quantum-dynamics", "--n-times", "1"], ["n_times", "1"]),  # one time point: a zero time step
    (["quantum-dynamics", "--n-spins", "13"], ["n_spins", "13"]),
    (["quantum-dynamics", "--system", "qutrit"], ["system", "qutrit"]),
])
def test_bad_quantum_parameters(tmp_path, capsys, args, words):
    code, _, err = cli(capsys, "simulate", *args, "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_own_potential_is_solved_and_bad_potentials_exit_2(tmp_path, capsys):
    x = np.linspace(-5, 5, 202)[1:-1]  # the interior grid of (-5, 5) with 200 points
    np.save(tmp_path / "ho.npy", 0.5 * x**2)
    out = tmp_path / "ho.h5"
    code, stdout, err = cli(capsys, "simulate", "schrodinger", "--potential", str(tmp_path / "ho.npy"),
                            "--extent", "5", "--n-states", "3", "-o", str(out))
    assert code == 0, err
    with h5py.File(out, "r") as f:
        E = f["energies"][0]
        assert f["wavefunctions"].shape == (1, 3, 200)
    # harmonic oscillator: E_n = n + 1/2; the walls at +-5 shift the levels by < 1e-8 and
    # the 4th-order stencil with h = 0.05 errs by ~h^4 E^3 < 1e-4
    np.testing.assert_allclose(E, [0.5, 1.5, 2.5], atol=1e-4)
    bad = np.zeros((20, 20))
    bad[3, 4] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    code, _, err = cli(capsys, "simulate", "schrodinger", "--potential", str(tmp_path / "nan.npy"), "-o",
                       str(tmp_path / "nan.h5"))
    assert_one_line_error(code, err, "V")
    np.save(tmp_path / "small.npy", np.zeros(5))
    code, _, err = cli(capsys, "simulate", "schrodinger", "--potential", str(tmp_path / "small.npy"), "-o",
                       str(tmp_path / "small.h5"))
    assert_one_line_error(code, err, "n_points", "5")
    np.save(tmp_path / "few.npy", np.zeros(12))
    code, _, err = cli(capsys, "simulate", "schrodinger", "--potential", str(tmp_path / "few.npy"),
                       "--n-states", "20", "-o", str(tmp_path / "few.h5"))
    assert_one_line_error(code, err, "n_states", "20")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["few.npy", "ho.h5", "ho.npy", "nan.npy", "small.npy"]
