"""``physml transfer fine-tune``: a saved Earth-pendulum model fine-tuned on Moon data; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import single_threaded  # noqa: E402
from physml.data import Dataset
from physml.models import MLPFactory, TorchRegressor, load_model, save_model
from test_cli import assert_one_line_error, cli  # noqa: E402
from test_transfer import G_EARTH, G_MOON, pendulum  # noqa: E402

_one_thread = pytest.fixture(autouse=True, scope="module")(single_threaded)
FEATURES = ["length_m", "theta0_rad"]


@pytest.fixture(scope="module")
def saved_source(tmp_path_factory):
    X, y = pendulum(300, G_EARTH, seed=1)
    est = TorchRegressor(MLPFactory((16, 16)), epochs=60, lr=3e-3, seed=0).fit(X, y)
    path = tmp_path_factory.mktemp("src") / "earth"
    save_model(est, path, metadata={"feature_names": FEATURES, "feature_units": ["m", "rad"],
                                    "target": "period_s", "task": "regression"})
    return path


def _target(tmp_path, n=20, units=("m", "rad", "s"), names=(*FEATURES, "period_s"), nan=False):
    X, y = pendulum(n, G_MOON, seed=3)
    if nan:
        X[2, 0] = np.nan
    arrays = dict(zip(names, (X[:, 0], X[:, 1], y)))
    path = tmp_path / "moon.h5"
    Dataset(arrays, dict(zip(names, units))).save(path, allow_nan=nan)  # a NaN on purpose: fine-tune must refuse it
    return path


def test_fine_tune_writes_a_model_that_predicts_the_moon(tmp_path, capsys, saved_source):
    out = tmp_path / "moon_model"
    code, stdout, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(_target(tmp_path)),
                            "--target", "period_s", "-o", str(out), "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    assert "wrote" in stdout
    run = Path(stdout.strip().splitlines()[-1])
    metrics = json.loads((run / "metrics.json").read_text())
    # 20 Moon rows: 15 fine-tune, 5 held out. The Earth model is off by sqrt(9.81/1.62) = 2.46 in period; the
    # fine-tuned last layer absorbs the factor; the same network from scratch on 15 points does not learn the
    # sqrt(L) law as well; the frozen hidden layers stay bit-identical
    assert metrics["n_fine_tune"] == 15 and metrics["n_held_out"] == 5
    assert metrics["held_out_rmse_fine_tuned"] < 0.1 * metrics["held_out_rmse_source"]
    for check in ("frozen_parameters_unchanged", "improves_on_source", "beats_scratch", "beats_trivial_baseline"):
        assert metrics[f"audit_fine_tuned_last_layer_{check}_passed"] == 1.0, check
    assert metrics["audit_fine_tuned_last_layer_frozen_parameters_unchanged"] == 0.0
    assert "from scratch on the same 15 rows" in (run / "report.html").read_text()
    model = load_model(out)
    X, y = pendulum(200, G_MOON, seed=9)
    source = load_model(saved_source).estimator
    # the Earth model is off by the factor sqrt(9.81/1.62) = 2.46; after fine-tuning the error is the
    # source network's own (a few % of the ~6 s mean period)
    rmse_tuned = np.sqrt(np.mean((model.estimator.predict(X) - y) ** 2))
    assert rmse_tuned < 0.1 * np.sqrt(np.mean((source.predict(X) - y) ** 2))
    assert model.metadata["fine_tune_samples"] == 15
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(tmp_path / "moon.h5"),
                       "--target", "period_s", "-o", str(out), "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "exists")  # never overwritten without --force


def test_target_with_other_features_exits_2(tmp_path, capsys, saved_source):
    data = _target(tmp_path, names=("length_m", "theta0_deg", "period_s"))
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(data), "--target", "period_s",
                       "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "theta0_rad")
    assert not (tmp_path / "m").exists()


def test_target_with_other_units_exits_2(tmp_path, capsys, saved_source):
    data = _target(tmp_path, units=("cm", "rad", "s"))
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(data), "--target", "period_s",
                       "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "length_m", "'cm'", "'m'")
    assert not (tmp_path / "m").exists()


def test_zero_target_samples_exits_2(tmp_path, capsys, saved_source):
    data = tmp_path / "empty.csv"
    data.write_text("length_m,theta0_rad,period_s\n")
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(data), "--target", "period_s",
                       "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "empty.csv", "no rows")
    assert not (tmp_path / "m").exists()


def test_nan_in_target_exits_2(tmp_path, capsys, saved_source):
    data = _target(tmp_path, nan=True)
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(data), "--target", "period_s",
                       "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "NaN", "length_m")
    assert not (tmp_path / "m").exists()


def test_bad_mode_exits_2(tmp_path, capsys, saved_source):
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(_target(tmp_path)),
                       "--target", "period_s", "--mode", "all", "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "mode", "all")


def test_a_model_that_is_not_a_torch_network_exits_2(tmp_path, capsys):
    from physml.models import make_model

    X, y = pendulum(50, G_EARTH, seed=1)
    ridge = tmp_path / "ridge"
    save_model(make_model("ridge", "regression").fit(X, y), ridge,
               metadata={"feature_names": FEATURES, "target": "period_s", "task": "regression"})
    code, _, err = cli(capsys, "transfer", "fine-tune", str(ridge), str(_target(tmp_path)), "--target", "period_s",
                       "-o", str(tmp_path / "m"))
    assert_one_line_error(code, err, "model", "TorchRegressor")
    assert not (tmp_path / "m").exists()


def test_fine_tune_is_a_library_call(tmp_path, saved_source):
    """What the command runs, called directly: the same model file, the metadata saying where it came from."""
    from physml.workflows.finetune import fine_tune

    data = _target(tmp_path)
    run = fine_tune(saved_source, data, target="period_s", output=tmp_path / "m", epochs=20, seed=0, holdout=0.5)
    assert run.n_samples == 10 and run.path == tmp_path / "m"
    saved = load_model(run.path)
    assert saved.metadata["fine_tune_mode"] == "last_layer" and saved.metadata["fine_tune_data"] == str(data)
    assert saved.metadata["feature_names"] == FEATURES  # the source's metadata is kept
    X, _ = pendulum(5, G_MOON, seed=4)
    np.testing.assert_array_equal(saved.estimator.predict(X), run.tuner.estimator_.predict(X))


def test_frozen_change_sees_a_moved_parameter(saved_source):
    """The audit's frozen-parameter check measures what it claims: perturb one frozen tensor, it reports it."""
    import torch

    from physml.workflows.finetune import frozen_change

    src = load_model(saved_source).estimator
    tuned = load_model(saved_source).estimator
    names = tuple(n for n, _ in src.module_.named_parameters())
    assert frozen_change(src, tuned, names) == 0.0
    with torch.no_grad():
        dict(tuned.module_.named_parameters())[names[0]].view(-1)[3] += 0.25
    assert frozen_change(src, tuned, names) == pytest.approx(0.25)


@pytest.mark.parametrize("holdout", ["0", "0.95"])
def test_bad_holdout_exits_2(tmp_path, capsys, saved_source, holdout):
    code, _, err = cli(capsys, "transfer", "fine-tune", str(saved_source), str(_target(tmp_path)),
                       "--target", "period_s", "--holdout", holdout, "-o", str(tmp_path / "m"),
                       "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "holdout", holdout)
    assert not (tmp_path / "m").exists() and not (tmp_path / "runs").exists()
