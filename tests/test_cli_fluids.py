"""``physml simulate burgers`` and ``navier-stokes``: documented data sets; every bad input exits 2 with one line,
writes nothing and never overwrites without --force."""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from physml.sim import fluids as fl
from test_cli import assert_one_line_error, cli  # noqa: E402


def test_simulate_burgers_writes_solver_trajectories(tmp_path, capsys):
    out = tmp_path / "b.h5"
    code, stdout, err = cli(capsys, "simulate", "burgers", "--n-samples", "3", "--n-grid", "128", "--dt", "5e-3",
                            "--n-save", "2", "--seed", "4", "-o", str(out))
    assert code == 0, err
    assert "wrote 3 Burgers trajectories" in stdout
    with h5py.File(out, "r") as f:
        u = f["u"][()]
        assert f.attrs["simulator"] == "fluids.burgers"
    assert u.shape == (3, 3, 128)
    for i in range(3):  # each trajectory is the exact solution of its stored initial condition (128 points resolve it)
        ref = fl.burgers_exact_periodic(u[i, 0], 1.0, 0.1, length=2 * math.pi)
        assert np.linalg.norm(u[i, -1] - ref) / np.linalg.norm(ref) < 1e-6
    # the same seed gives the same file contents; no overwrite without --force
    code, _, err = cli(capsys, "simulate", "burgers", "--n-samples", "3", "--n-grid", "64", "-o", str(out))
    assert_one_line_error(code, err, str(out))
    code, _, err = cli(capsys, "simulate", "burgers", "--n-samples", "3", "--n-grid", "128", "--dt", "5e-3",
                       "--n-save", "2", "--seed", "4", "-o", str(out), "--force")
    assert code == 0, err
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["u"][()], u)


def test_simulate_navier_stokes_own_initial_condition_is_taylor_green(tmp_path, capsys):
    p = fl.NavierStokesParams(nu=0.01, length=1.0, n_grid=16, dt=1e-3, t_final=0.5, n_save=2)
    np.save(tmp_path / "tg.npy", fl.taylor_green_vorticity(p, 0.0, amplitude=0.01))
    out = tmp_path / "ns.h5"
    code, stdout, err = cli(capsys, "simulate", "navier-stokes", "--initial", str(tmp_path / "tg.npy"), "--nu", "0.01",
                            "--n-grid", "16", "--dt", "1e-3", "--t-final", "0.5", "--n-save", "2", "--forcing", "none",
                            "-o", str(out))
    assert code == 0, err
    with h5py.File(out, "r") as f:
        w = f["vorticity"][()]
    assert w.shape == (1, 3, 16, 16)
    ex = fl.taylor_green_vorticity(p, 0.5, amplitude=0.01)
    assert np.linalg.norm(w[0, -1] - ex) / np.linalg.norm(ex) < 1e-6


@pytest.mark.parametrize("system, args, words", [
    ("burgers", ["--dt", "0.5"], ["dt", "CFL"]),                      # unstable time step
    ("navier-stokes", ["--dt", "1.0"], ["dt", "CFL"]),
    ("burgers", ["--nu", "-0.1"], ["nu", "-0.1"]),                    # negative viscosity
    ("navier-stokes", ["--nu", "-0.001"], ["nu"]),
    ("burgers", ["--n-grid", "255"], ["n_grid", "255", "even"]),      # not a periodic spectral grid
    ("navier-stokes", ["--n-grid", "63"], ["n_grid", "63"]),
    ("burgers", ["--n-samples", "0"], ["n_samples"]),
    ("navier-stokes", ["--forcing", "wind"], ["forcing", "wind"]),
    ("burgers", ["--grf-alpha", "0.4"], ["alpha"]),
])
def test_bad_parameters(tmp_path, capsys, system, args, words):
    code, _, err = cli(capsys, "simulate", system, *args, "--n-samples" if "--n-samples" not in args else "--seed",
                       "1", "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("system, shape", [("burgers", (64,)), ("navier-stokes", (16, 16))])
def test_nan_initial_condition(tmp_path, capsys, system, shape):
    u0 = np.zeros(shape)
    u0.flat[5] = np.nan
    np.save(tmp_path / "u0.npy", u0)
    out = tmp_path / "x.h5"
    code, _, err = cli(capsys, "simulate", system, "--initial", str(tmp_path / "u0.npy"), "--n-grid", str(shape[0]),
                       "-o", str(out))
    assert_one_line_error(code, err, "initial", "NaN")
    assert not out.exists()


def test_initial_condition_with_end_point_is_refused(tmp_path, capsys):
    """65 samples of a 64-point periodic grid (the end point repeated): a clear error, not a wrong run."""
    x = np.linspace(0, 2 * math.pi, 65)
    np.save(tmp_path / "u0.npy", np.sin(x))
    code, _, err = cli(capsys, "simulate", "burgers", "--initial", str(tmp_path / "u0.npy"), "--n-grid", "64",
                       "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, "initial", "(65,)")
    assert not (tmp_path / "x.h5").exists()
