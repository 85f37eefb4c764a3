"""``physml simulate scattering|heat``: datasets as documented; bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from physml.sim import heat_rod as heat
from physml.sim import scattering
from test_cli import assert_one_line_error, cli  # noqa: E402


def test_scattering_dataset_holds_spectra_of_its_parameters(tmp_path, capsys):
    out = tmp_path / "sc.h5"
    code, _, err = cli(capsys, "simulate", "scattering", "--n-samples", "20", "--noise", "0.01", "--seed", "3",
                       "-o", str(out))
    assert code == 0, err
    with h5py.File(out, "r") as f:
        theta = np.column_stack([f[n][()] for n in scattering.PARAMETER_NAMES])
        obs = f["observations"][()]
        assert obs.shape == (20, 48) and f["frequency_Hz"].attrs["unit"] == "Hz"
    resid = obs - scattering.observe(scattering.ScatteringParams(noise_std=0.01), theta)
    assert np.abs(resid).max() < 0.06  # 960 draws of 0.01-std noise: |z| < 6
    assert np.all(np.hypot(obs[:, :24], obs[:, 24:]) <= 1.05)  # |R| <= 1 (passive medium) up to the noise


def test_heat_dataset_holds_readings_of_its_conductivities(tmp_path, capsys):
    out = tmp_path / "heat.h5"
    code, _, err = cli(capsys, "simulate", "heat", "--n-samples", "5", "--sensors", "0.2,0.5", "--n-times", "4",
                       "--noise", "0.1", "-o", str(out))
    assert code == 0, err
    with h5py.File(out, "r") as f:
        k, T, T0 = f["conductivity_W_mK"][()], f["sensor_temperature_K"][()], f["sensor_temperature_true_K"][()]
    assert T.shape == (5, 4, 2) and np.all((k >= 10) & (k <= 100))
    p = heat.HeatRodParams(sensor_positions=(0.2, 0.5), n_times=4)
    np.testing.assert_allclose(T0, heat.sensor_temperatures(p, k), atol=1e-12)
    assert np.abs(T - T0).max() < 0.6  # 40 draws of 0.1 K noise


@pytest.mark.parametrize("args, words", [
    (["scattering", "--noise", "-0.1"], ["noise_std", "-0.1"]),
    (["scattering", "--n-frequencies", "1"], ["n_frequencies", "1"]),
    (["scattering", "--band", "5000,500"], ["frequency_range_Hz"]),
    (["scattering", "--band", "nan,500"], ["frequency_range_Hz"]),
    (["heat", "--conductivity", "0,100"], ["conductivity_range"]),
    (["heat", "--sensors", "0.5,1.5"], ["sensor_positions"]),
    (["heat", "--t-max", "inf"], ["t_max_s"]),
    (["heat", "--n-times", "0"], ["n_times", "0"]),
])
def test_bad_inverse_simulator_parameters(tmp_path, capsys, args, words):
    code, _, err = cli(capsys, "simulate", *args, "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "heat.h5"
    out.write_text("keep")
    code, _, err = cli(capsys, "simulate", "heat", "--n-samples", "2", "-o", str(out))
    assert_one_line_error(code, err, "exists")
    assert out.read_text() == "keep"
