"""``physml train-field`` and field ``predict``: Burgers snapshots from the validated solver in, fields out.

The data are tiny (24 trajectories on 32 points) so the tests run in seconds; what they check is the
behaviour: a trained operator beats persistence on held-out samples, the audit's residual and conservation
checks are computed from the PDE, a saved field model (from the command or a study) predicts HDF5 to HDF5,
and every bad input is one line with exit status 2 and nothing written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import single_threaded  # noqa: E402
from test_cli import assert_one_line_error, cli  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)


def _burgers(path: Path, n: int, seed: int, n_grid: int = 32) -> Path:
    from physml.sim import fluids

    params = fluids.BurgersParams(nu=0.1, length=2 * math.pi, n_grid=n_grid, dt=2e-3, t_final=0.5, n_save=5)
    fluids.burgers_dataset(n, params, fluids.GRFParams(10.0, 5.0, 2.0), seed=seed).save(path)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("field")
    data = _burgers(tmp / "burgers.h5", 30, seed=1)
    from physml.runs import write_run
    from physml.workflows.train_field import train_field

    run = train_field(data, input="u[0]", output="u[-1]", model="fno", epochs=60, pde="burgers", seed=0)
    record = write_run(run.study_result, tmp / "runs", wall_seconds=run.wall_seconds)
    return tmp, data, run, record.path


def test_fno_beats_the_baselines_and_the_audit_reads_the_pde(trained):
    _, _, run, path = trained
    m = json.loads((path / "metrics.json").read_text())
    config = json.loads((path / "config.json").read_text())
    # nu, length and dt = t(-1) - t(0) come from the file's provenance
    assert config["nu"] == 0.1 and config["dt"] == pytest.approx(0.5) and config["n_test"] == 6
    # u changes by ~40 % of its norm over t = 0.5: the operator must do much better than "no change"
    assert m["rel_l2_persistence"] > 0.2
    assert m["rel_l2_test"] < 0.5 * m["rel_l2_persistence"]
    assert m["audit_field_model_beats_persistence_passed"] == 1.0
    # the data's own step residual is the floor the model's is compared with; both finite and positive
    assert 0 < m["residual_rms_data"] < m["residual_rms_model"] * 10
    assert {"audit_field_model_pde_residual_ratio", "audit_field_model_conserves_mean"} <= set(m)
    assert m["mean_drift_data"] < 1e-8  # the solver conserves the mean to round-off
    assert (path / "artifacts" / "best_model" / "model.json").exists()
    assert "Held-out relative L2 error" in (path / "report.html").read_text()


def test_predict_writes_hdf5_on_new_inputs_any_grid(trained, capsys):
    tmp, _, run, path = trained
    new = _burgers(tmp / "new.h5", 5, seed=7, n_grid=64)  # a finer grid: the FNO is resolution independent
    out = tmp / "pred.h5"
    code, stdout, err = cli(capsys, "predict", str(path), str(new), "-o", str(out))
    assert code == 0, err
    with h5py.File(new) as f:
        u = f["u"][()]
    with h5py.File(out) as f:
        pred = f["u"][()]
        assert f.attrs["format"] == "physml-dataset"
    assert pred.shape == (5, 64)
    np.testing.assert_allclose(pred, run.estimator.predict(u[:, :1].astype(np.float32)), rtol=1e-6)
    assert np.mean(np.linalg.norm(pred - u[:, -1], axis=1) / np.linalg.norm(u[:, -1], axis=1)) < 0.3


def test_predict_with_a_study_style_fno(tmp_path, capsys):
    """A study's FNO (burgers-operator saves its input as (n, 1, grid) with no array names): the file's only array
    gets the channel axis added."""
    from physml.models import FNOFactory, TorchRegressor, save_model

    data = _burgers(tmp_path / "b.h5", 6, seed=3)
    with h5py.File(data) as f:
        u = f["u"][()]
    est = TorchRegressor(FNOFactory(dim=1, modes=4, width=8, layers=1), epochs=2, standardize=False,
                         standardize_target=False, any_size=True, validation_fraction=0.0)
    est.fit(u[:, :1].astype(np.float32), u[:, -1])
    save_model(est, tmp_path / "fno", metadata={"task": "regression", "input": "u0", "nu": 0.1})
    (tmp_path / "u0.h5").write_bytes(b"")
    with h5py.File(tmp_path / "u0.h5", "w") as f:
        f["u0"] = u[:, 0]
    code, _, err = cli(capsys, "predict", str(tmp_path / "fno"), str(tmp_path / "u0.h5"), "-o", str(tmp_path / "p.h5"))
    assert code == 0, err
    with h5py.File(tmp_path / "p.h5") as f:
        np.testing.assert_allclose(f["prediction"][()], est.predict(u[:, :1].astype(np.float32)), rtol=1e-6)


def test_lstm_forecasts_the_next_snapshot(tmp_path):
    from physml.workflows.train_field import train_field

    data = _burgers(tmp_path / "b.h5", 12, seed=2)
    run = train_field(data, input="u", model="lstm", window=2, epochs=40, seed=0, pde="burgers")
    m = run.study_result.metrics
    assert m["rel_l2_test"] < m["rel_l2_mean_field"]
    assert "rel_l2_rollout_final" in m and "residual_rms_model" in m


def _bad(capsys, tmp_path, *args):
    code, _, err = cli(capsys, *args, "--runs-dir", str(tmp_path / "runs"), "--quiet")
    assert not (tmp_path / "runs").exists()
    return code, err


def test_missing_array_is_one_line(tmp_path, capsys):
    data = _burgers(tmp_path / "b.h5", 4, seed=0)
    code, err = _bad(capsys, tmp_path, "train-field", str(data), "--input", "u0", "--output", "u1")
    assert_one_line_error(code, err, "u0", "u1", "its arrays: u")


@pytest.mark.parametrize("args, words", [
    (("--input", "u[9]", "--output", "u[-1]"), ("index 9",)),
    (("--input", "u[0]", "--output", "u[-1]", "--model", "gnn"), ("model", "gnn")),
    (("--input", "u[0]", "--output", "u[-1]", "--pde", "maxwell"), ("pde", "maxwell")),
    (("--input", "u[0]", "--output", "u[-1]", "--pde-param", "nu"), ("pde_param",)),
    (("--input", "u", "--model", "lstm", "--window", "9"), ("window 9",)),
])
def test_bad_field_options_are_one_line(tmp_path, capsys, args, words):
    data = _burgers(tmp_path / "b.h5", 4, seed=0)
    code, err = _bad(capsys, tmp_path, "train-field", str(data), *args)
    assert_one_line_error(code, err, *words)


def test_predict_with_mismatched_shape_is_one_line(trained, tmp_path, capsys):
    _, _, _, path = trained
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f["u"] = np.zeros((3, 2, 8, 8))  # 2D fields for a 1D operator
    out = tmp_path / "p.h5"
    code, _, err = cli(capsys, "predict", str(path), str(tmp_path / "x.h5"), "-o", str(out))
    assert_one_line_error(code, err, "shape", "(1, 32)")
    assert not out.exists()
    with h5py.File(tmp_path / "y.h5", "w") as f:
        f["v"] = np.zeros((3, 32))
    code, _, err = cli(capsys, "predict", str(path), str(tmp_path / "y.h5"), "-o", str(out))
    assert_one_line_error(code, err, "no array u")
    assert not out.exists()
