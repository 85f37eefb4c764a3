"""``physml simulate md``: the documented datasets; bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

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
        assert f["rdf/g"].shape == f["rdf/r"].shape
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
