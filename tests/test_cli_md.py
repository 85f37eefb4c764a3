"""``physml simulate md``: the documented datasets; bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from physml.data import Dataset
from physml.sim import md
from physml.sim.md.frames import energy_drift, save_with_frames
from test_cli import assert_one_line_error, cli  # noqa: E402


def test_simulate_md_writes_observables_frames_and_rdf(tmp_path, capsys):
    out = tmp_path / "md.h5"
    code, stdout, err = cli(capsys, "simulate", "md", "--n", "108", "--steps", "200", "--every", "10", "--frames", "50",
                            "--ensemble", "nve", "--seed", "3", "-o", str(out), "--quiet")
    assert code == 0, err
    assert "atom-steps/s" in stdout
    with h5py.File(out, "r") as f:
        for name in ("time", "kinetic_energy", "potential_energy", "total_energy", "temperature", "pressure"):
            assert f[name].shape == (21,), name
        assert f["time"].attrs["unit"] == "sqrt(m sigma^2/epsilon)"
        np.testing.assert_allclose(f["total_energy"][()], f["kinetic_energy"][()] + f["potential_energy"][()])
        np.testing.assert_allclose(f["time"][()], 0.005 * 10 * np.arange(21))
        # T = 2 K / (3 - 3/N) per particle with zero total momentum
        np.testing.assert_allclose(f["temperature"][()], 2 * f["kinetic_energy"][()] * 108 / (3 * 108 - 3))
        assert f["frames/positions"].shape == (5, 108, 3)
        np.testing.assert_allclose(f["frames/time"][()], 0.005 * 50 * np.arange(5))
        r, g = md.radial_distribution(f["frames/positions"][()], md.MDParams(n_particles=108, density=0.8).box_length)
        np.testing.assert_array_equal(f["rdf/r"][()], r)  # g(r) of the frames stored beside it
        np.testing.assert_array_equal(f["rdf/g"][()], g)
        assert [f[k].attrs["unit"] for k in ("frames/positions", "frames/time", "rdf/r", "rdf/g")] == \
            ["sigma", "sqrt(m sigma^2/epsilon)", "sigma", "1"]
        assert abs(f["total_energy"][-1] - f["total_energy"][0]) < 2e-3  # NVE


def test_simulate_md_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "md.h5"
    out.write_text("keep")
    code, _, err = cli(capsys, "simulate", "md", "--n", "108", "--steps", "10", "-o", str(out), "--quiet")
    assert_one_line_error(code, err, "exists")
    assert out.read_text() == "keep"


@pytest.mark.parametrize("args, words", [
    (["--n", "100"], ["n_particles", "100"]),
    (["--density", "0"], ["density"]),
    (["--temperature", "-1"], ["temperature"]),
    (["--dt", "0.1"], ["dt", "0.1"]),
    (["--steps", "0"], ["steps"]),
    (["--ensemble", "npt"], ["ensemble", "npt"]),
    (["--n", "32"], ["n_particles", "2 r_cut"]),
])
def test_bad_md_parameters(tmp_path, capsys, args, words):
    code, _, err = cli(capsys, "simulate", "md", *args, "-o", str(tmp_path / "x.h5"), "--quiet")
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_energy_drift_is_the_slope_of_a_least_squares_line_times_the_duration():
    t = np.linspace(0.0, 5.0, 51)
    wiggle = 1e-3 * np.cos(np.pi * np.arange(51))  # +-1e-3, nearly orthogonal to a line
    ds = Dataset({"time": t, "total_energy": -5.0 + 2e-4 * t + wiggle})
    slope = np.polyfit(t, wiggle, 1)[0]  # what the wiggle alone adds to the fitted slope
    assert energy_drift(ds) == pytest.approx((2e-4 + slope) * 5.0, rel=1e-9)
    assert abs(slope * 5.0) < 2e-4  # the wiggle (last - first = 0) barely moves it, unlike last - first
    two = Dataset({"time": np.array([0.0, 1.0]), "total_energy": np.array([1.0, 1.5])})
    assert energy_drift(two) == 0.5


def test_save_with_frames_leaves_nothing_when_it_fails(tmp_path, monkeypatch):
    import physml.sim.md.frames as frames_module

    params = md.MDParams(n_particles=108, steps=4, frame_every=2)
    ds, positions = md.simulate_frames(params, seed=0)
    assert positions.shape == (3, 108, 3)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(frames_module, "radial_distribution", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_with_frames(tmp_path / "md.h5", ds, positions, params)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    path = save_with_frames(tmp_path / "md.h5", ds, positions, params)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["md.h5"]
    assert len(Dataset.load(path)) == len(ds)
