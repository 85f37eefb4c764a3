"""``physml train-potential`` and ``physml simulate md --potential``: files in, files out, bad input one line."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from physml.sim.md.frames import load_frames
from test_cli import assert_one_line_error, cli  # noqa: E402


@pytest.fixture(scope="module")
def frames_file(tmp_path_factory):
    """A tiny MD file with forces (108 atoms at rho 0.8, 6 frames) and a model trained on it for one epoch."""
    from physml.cli import main

    d = tmp_path_factory.mktemp("pot")
    data, model = d / "md.h5", d / "model"
    for args in (["simulate", "md", "--n", "108", "--steps", "100", "--frames", "20", "--ensemble", "langevin",
                  "--equilibrate", "200", "-o", str(data), "--quiet"],
                 ["train-potential", str(data), "-o", str(model), "--epochs", "1", "--hidden", "8", "--n-rbf", "8",
                  "--runs-dir", str(d / "runs"), "--quiet"]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 0, args
    return data, model


def test_frames_carry_forces_that_sum_to_zero_and_the_state_point(frames_file):
    fs = load_frames(frames_file[0])
    assert fs.positions.shape == fs.forces.shape == (6, 108, 3)
    np.testing.assert_allclose(fs.forces.sum(axis=1), 0.0, atol=1e-9)  # pair forces: Newton's third law
    assert (fs.density, fs.temperature) == (0.8, 1.0)
    assert fs.box_length == pytest.approx((108 / 0.8) ** (1 / 3))
    with h5py.File(frames_file[0]) as f:  # the per-frame energy is the one the observables recorded
        np.testing.assert_allclose(f["frames/potential_energy"][0] / 108, f["potential_energy"][0])


def test_train_potential_writes_a_model_and_a_run_that_simulate_md_runs(frames_file, tmp_path, capsys):
    data, model = frames_file
    assert (model / "weights.safetensors").is_file() and (model / "potential.json").is_file()
    out = tmp_path / "learned.h5"
    code, stdout, err = cli(capsys, "simulate", "md", "--n", "108", "--steps", "20", "--potential", str(model),
                            "--frames", "10", "-o", str(out), "--quiet")
    assert code == 0, err
    with h5py.File(out) as f:
        assert f["frames/forces"].shape == (3, 108, 3)
        assert np.all(np.isfinite(f["total_energy"][()]))
        assert "learned_potential" in f.attrs


def test_frames_without_forces_are_refused(frames_file, tmp_path, capsys):
    bad = tmp_path / "old.h5"
    bad.write_bytes(frames_file[0].read_bytes())
    with h5py.File(bad, "a") as f:
        del f["frames/forces"]
    code, _, err = cli(capsys, "train-potential", str(bad), "-o", str(tmp_path / "m"), "--quiet",
                       "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "without forces")
    assert not (tmp_path / "m").exists()


def test_non_finite_positions_are_refused(frames_file, tmp_path, capsys):
    bad = tmp_path / "nan.h5"
    bad.write_bytes(frames_file[0].read_bytes())
    with h5py.File(bad, "a") as f:
        f["frames/positions"][0, 0, 0] = np.nan
    code, _, err = cli(capsys, "train-potential", str(bad), "-o", str(tmp_path / "m"), "--quiet",
                       "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "non-finite", "positions")


def test_a_cutoff_beyond_half_the_box_is_refused(frames_file, tmp_path, capsys):
    code, _, err = cli(capsys, "train-potential", str(frames_file[0]), "--cutoff", "3.0", "-o", str(tmp_path / "m"),
                       "--quiet", "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "cutoff", "half the smallest box side")


def test_a_density_outside_the_training_range_is_refused_with_its_distance(frames_file, tmp_path, capsys):
    code, _, err = cli(capsys, "simulate", "md", "--n", "256", "--density", "1.0", "--steps", "5", "--potential",
                       str(frames_file[1]), "-o", str(tmp_path / "x.h5"), "--quiet")
    assert_one_line_error(code, err, "density", "0.2 sigma^-3 outside", "allow-extrapolation")
    assert not (tmp_path / "x.h5").exists()
    code, _, err = cli(capsys, "simulate", "md", "--potential", str(tmp_path), "-o", str(tmp_path / "x.h5"),
                       "--quiet")
    assert_one_line_error(code, err, "potential")
