"""The command line: datasets written as documented; every bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest

from physml.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("physml: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_simulate_ising_writes_documented_dataset(tmp_path, capsys):
    out = tmp_path / "ising.h5"
    code, stdout, _ = cli(capsys, "simulate", "ising", "--L", "8", "--temperatures", "2.0,2.5,3.0", "--samples", "5",
                          "--seed", "1", "-o", str(out), "--quiet")
    assert code == 0 and out.exists()
    with h5py.File(out, "r") as f:
        assert f["spins"].dtype == np.int8 and f["spins"].shape == (15, 8, 8)
        assert set(np.unique(f["spins"][()])) <= {-1, 1}
        assert np.allclose(np.unique(f["temperature"][()]), [2.0, 2.5, 3.0])
        assert f["energy"].shape == f["magnetization"].shape == (15,)
        m = f["spins"][()].reshape(15, -1).mean(axis=1)
        assert np.allclose(f["magnetization"][()], m)  # signed, per spin
        for key in ("simulator", "parameters", "seed", "physml_version", "created"):
            assert key in f.attrs
    code, stdout, _ = cli(capsys, "dataset", "info", str(out))
    assert code == 0 and "spins" in stdout and "int8" in stdout


def test_temperature_range_syntax(tmp_path, capsys):
    out = tmp_path / "r.h5"
    code, _, _ = cli(capsys, "simulate", "ising", "--L", "4", "--temperatures", "1.0:3.5:6", "--samples", "1",
                     "-o", str(out), "--quiet")
    assert code == 0
    with h5py.File(out, "r") as f:
        assert np.allclose(f["temperature"][()], [1.0, 1.5, 2.0, 2.5, 3.0, 3.5])


@pytest.mark.parametrize(
    "args, words",
    [
        (["--temperatures", "0,1.0"], ["temperatures", "0"]),
        (["--temperatures", "-1.5"], ["temperatures", "-1.5"]),
        (["--L", "3"], ["L", "3"]),
        (["--temperatures", "2.0:2.0:5"], ["temperatures"]),
        (["--temperatures", "1.0:x:3"], ["temperatures"]),
        (["--samples", "0"], ["samples", "0"]),
    ],
)
def test_bad_simulation_parameters(tmp_path, capsys, args, words):
    out = tmp_path / "bad.h5"
    code, _, err = cli(capsys, "simulate", "ising", "--samples", "2", *args, "-o", str(out), "--quiet")
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_unknown_system_and_study(capsys, tmp_path):
    code, _, err = cli(capsys, "simulate", "potts", "-o", str(tmp_path / "x.h5"))
    assert_one_line_error(code, err, "unknown system", "potts", "ising")
    code, _, err = cli(capsys, "study", "run", "no-such-study", "--runs-dir", str(tmp_path / "runs"))
    assert_one_line_error(code, err, "unknown study", "no-such-study", "ising-phases")
    assert list(tmp_path.iterdir()) == []


def test_missing_and_truncated_hdf5(tmp_path, capsys):
    code, _, err = cli(capsys, "dataset", "info", str(tmp_path / "missing.h5"))
    assert_one_line_error(code, err, "missing.h5", "does not exist")
    good = tmp_path / "good.h5"
    assert cli(capsys, "simulate", "ising", "--L", "8", "--temperatures", "2.0", "--samples", "20", "-o", str(good),
               "--quiet")[0] == 0
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[:1000])
    code, _, err = cli(capsys, "dataset", "info", str(truncated))
    assert_one_line_error(code, err, "truncated.h5", "truncated")


def test_existing_output_needs_force(tmp_path, capsys):
    out = tmp_path / "ising.h5"
    out.write_bytes(b"precious")
    code, _, err = cli(capsys, "simulate", "ising", "--L", "4", "--temperatures", "2.0", "--samples", "1",
                       "-o", str(out), "--quiet")
    assert_one_line_error(code, err, str(out), "--force")
    assert out.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ising.h5"]
    code, _, _ = cli(capsys, "simulate", "ising", "--L", "4", "--temperatures", "2.0", "--samples", "1",
                     "-o", str(out), "--quiet", "--force")
    assert code == 0 and out.read_bytes()[:4] == b"\x89HDF"


def test_runs_commands_without_registry(tmp_path, capsys):
    code, _, err = cli(capsys, "runs", "list", "--runs-dir", str(tmp_path))
    assert_one_line_error(code, err, "registry")


def test_python_dash_m_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "physml", "simulate", "ising", "--L", "2", "-o", str(tmp_path / "a.h5")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "'L'" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_bench_json_keys(capsys):
    import json

    code, out, _ = cli(capsys, "bench", "ising", "--json", "--L", "64")
    result = json.loads(out.strip().splitlines()[-1])
    assert code == 0
    for key in ("flips_per_ns_1thread", "flips_per_ns_all_threads", "numpy_flips_per_ns", "speedup_vs_numpy"):
        assert result[key] > 0
    assert result["speedup_vs_numpy"] == pytest.approx(result["flips_per_ns_1thread"] / result["numpy_flips_per_ns"], rel=1e-6)
