"""The command line: datasets written as documented; every bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from physml.cli import main
from physml.errors import ParameterError


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
        spins = f["spins"][()].astype(np.int64)
        m = spins.reshape(15, -1).mean(axis=1)
        assert np.allclose(f["magnetization"][()], m)  # signed, per spin
        bonds = spins * (np.roll(spins, 1, axis=1) + np.roll(spins, 1, axis=2))  # each periodic bond once
        np.testing.assert_allclose(f["energy"][()], -bonds.sum(axis=(1, 2)) / 64)  # J per spin at h = 0
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
    proc = subprocess.run([sys.executable, "-m", "physml", "simulate", "ising", "--L", "2",
                           "-o", str(tmp_path / "a.h5")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "'L'" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_bench_options_reach_the_benchmark(capsys):
    """``--L`` and ``--json`` are passed on: the JSON line is the benchmark's own record for that lattice."""
    import json

    import numba

    code, out, _ = cli(capsys, "bench", "ising", "--json", "--L", "16")
    assert code == 0 and len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert set(result) == {"flips_per_ns_1thread", "flips_per_ns_all_threads", "numpy_flips_per_ns",
                           "speedup_vs_numpy", "speedup_all_vs_1thread", "threads", "L", "temperature",
                           "multispin_flips_per_ns_1thread", "multispin_flips_per_ns_all_threads",
                           "multispin_vs_checkerboard", "multispin_all_vs_1thread"}
    assert result["L"] == 16 and result["threads"] == numba.config.NUMBA_NUM_THREADS
    code, out, _ = cli(capsys, "bench", "ising", "--L", "16")
    assert code == 0 and out.splitlines()[0] == "Ising checkerboard Metropolis, L = 16 (spin-flip attempts per ns)"


# ---------------------------------------------------------------------------- the package's shape
ROOT_ORDER = ["simulate", "study", "runs", "dataset", "train", "predict", "rl", "transfer", "bench"]


def _listed_commands(help_text: str, known: set[str]) -> list[str]:
    """Command names in the order a help page lists them (first word of each row of the Commands panel)."""
    rows = help_text.split("Commands", 1)[1].splitlines()
    names = [row.strip("│ ").split(" ", 1)[0] for row in rows]
    return list(dict.fromkeys(n for n in names if n in known))


def test_help_lists_the_groups_in_a_fixed_order(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    assert _listed_commands(out, set(ROOT_ORDER)) == ROOT_ORDER
    code, out, _ = cli(capsys, "simulate", "--help")
    systems = ["ising", "water-phases", "pipe-flow", "schrodinger", "quantum-dynamics", "md", "scattering", "heat",
               "burgers", "navier-stokes"]
    assert code == 0 and _listed_commands(out, set(systems)) == systems


def _imported_modules(source: str, module: str) -> set[str]:
    """Absolute names of what ``source`` (the text of ``module``, a module of a package) imports."""
    package = module.rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            if node.module is None:  # `from . import x`: x may be a module of that package
                names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_import_resolution_catches_an_import_of_the_root():
    assert "physml.cli" in _imported_modules("from . import app", "physml.cli.study")
    assert "physml.cli" in _imported_modules("from physml.cli import app", "physml.cli.study")
    assert "physml.cli" in _imported_modules("from .. import cli", "physml.cli.study") | \
        _imported_modules("import physml.cli", "physml.cli.study")
    assert _imported_modules("from ._options import Seed\nfrom ..sim import md", "physml.cli.simulate") == \
        {"physml.cli._options", "physml.sim"}


def test_leaf_modules_never_import_the_package_root_nor_each_other():
    import physml.cli

    folder = Path(physml.cli.__file__).parent
    leaves = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
    assert {p.stem for p in leaves} >= {"_options", "simulate", "study", "runs", "dataset", "train", "rl",
                                        "transfer", "bench"}
    for path in leaves:
        imported = _imported_modules(path.read_text(), f"physml.cli.{path.stem}")
        from_cli = {m for m in imported if m == "physml.cli" or m.startswith("physml.cli.")}
        allowed = set() if path.stem == "_options" else {"physml.cli._options"}
        assert from_cli <= allowed, f"{path.name} imports {sorted(from_cli - allowed)}"
    root = _imported_modules((folder / "__init__.py").read_text(), "physml.cli.__init__")
    assert {f"physml.cli.{p.stem}" for p in leaves if p.stem != "_options"} <= root  # every group is wired


@pytest.mark.parametrize("name", ["physml.cli", "physml.cli._options", "physml.cli.simulate", "physml.cli.study",
                                  "physml.cli.runs", "physml.cli.dataset", "physml.cli.train", "physml.cli.rl",
                                  "physml.cli.transfer", "physml.cli.bench"])
def test_all_is_consistent(name):
    from test_api import test_all_is_consistent as check

    check(name)


# ---------------------------------------------------------------------------- shared options
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
@pytest.mark.parametrize("command", [["simulate", "ising", "--L", "4", "--samples", "1"],
                                     ["simulate", "md", "--n", "108", "--steps", "10"],
                                     ["study", "run", "water-phases", "--quick"]])
def test_seed_outside_0_to_2_pow_32_exits_2(tmp_path, capsys, command, seed):
    code, _, err = cli(capsys, *command, "--seed", seed, "-o" if command[0] == "simulate" else "--runs-dir",
                       str(tmp_path / "out"), "--quiet")
    assert_one_line_error(code, err, "seed", seed, "4294967295")
    assert list(tmp_path.iterdir()) == []


def test_device_is_checked_on_parsing(tmp_path, capsys):
    code, _, err = cli(capsys, "study", "run", "water-phases", "--device", "gpu", "--runs-dir", str(tmp_path))
    assert_one_line_error(code, err, "device", "gpu", "auto, cpu, cuda")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- study run --set, study show
def test_parse_assignments():
    from physml.cli._options import parse_assignments

    assert parse_assignments(["n=3", "x=0.5", "flag=true", "none=null", "name=gbt", "models=[\"a\", \"b\"]",
                              "eq=a=b", "nested=[[1, 2], [3]]"]) == \
        {"n": 3, "x": 0.5, "flag": True, "none": None, "name": "gbt", "models": ("a", "b"), "eq": "a=b",
         "nested": ((1, 2), (3,))}
    assert parse_assignments(["n=1", "n=2"]) == {"n": 2}  # the last one wins, as for any repeated option
    for bad in ("n_samples", "=3"):
        with pytest.raises(ParameterError, match="field=value"):
            parse_assignments([bad])


@pytest.mark.parametrize("assignment, words", [
    ("unknown=1", ["unknown", "cv", "grid", "mlp_epochs", "models", "n_samples", "test_fraction"]),
    ("n_samples=many", ["n_samples", "integer", "many"]),
    ("n_samples=10", ["n_samples", ">= 200", "10"]),
    ("models=[\"gbt\"]", ["models", "mlp"]),
])
def test_study_run_set_is_validated_before_any_work(tmp_path, capsys, assignment, words):
    code, _, err = cli(capsys, "study", "run", "water-phases", "--quick", "--set", assignment,
                       "--runs-dir", str(tmp_path / "runs"), "--quiet")
    assert_one_line_error(code, err, *words)
    assert list(tmp_path.iterdir()) == []


def test_study_run_threads_is_validated(tmp_path, capsys):
    code, _, err = cli(capsys, "study", "run", "water-phases", "--threads", "0", "--runs-dir", str(tmp_path))
    assert_one_line_error(code, err, "threads", ">= 1", "0")
    assert list(tmp_path.iterdir()) == []


def test_study_run_passes_set_and_threads_to_the_runner(tmp_path, capsys, monkeypatch):
    import physml.studies
    from physml.result import StudyResult

    calls = []

    def fake_run_study(name, **kwargs):
        calls.append((name, kwargs))
        result = StudyResult(name, {"seed": kwargs["seed"]}, title="fake")
        result.add_metric("answer", 42.0)
        return result

    monkeypatch.setattr(physml.studies, "run_study", fake_run_study)
    code, out, err = cli(capsys, "study", "run", "water-phases", "--quick", "--set", "n_samples=500",
                         "--set", "models=[\"gbt\", \"mlp\"]", "--threads", "1", "--seed", "7", "--device", "cpu",
                         "--runs-dir", str(tmp_path / "runs"))
    assert code == 0, err
    assert calls == [("water-phases", {"quick": True, "seed": 7, "progress": True, "device": "cpu",
                                       "overrides": {"n_samples": 500, "models": ("gbt", "mlp")}, "threads": 1})]
    lines = out.strip().splitlines()
    assert lines[0].split() == ["answer", "42"]
    assert Path(lines[-1]).parent == tmp_path / "runs" and (Path(lines[-1]) / "metrics.json").is_file()


def test_study_show_lists_every_config_field(capsys):
    import dataclasses

    from physml.studies import water_phases

    code, out, err = cli(capsys, "study", "show", "water-phases")
    assert code == 0, err
    lines = out.splitlines()
    fields = [f.name for f in dataclasses.fields(water_phases.Config)]
    assert [line.split(":")[0] for line in lines if not line.startswith((" ", "water-phases"))] == fields
    default, quick = water_phases.Config(), water_phases.QUICK
    assert default.n_samples != quick.n_samples  # so the line below tells the two apart
    n_samples = lines.index(f"n_samples: int = {default.n_samples}  (--quick: {quick.n_samples})")
    assert lines[n_samples + 1] == "    Labelled (T, p) points drawn (T uniform, p log-uniform)."
    assert 'models: tuple[str, ...] = ["linear", "tree", "forest", "gbt", "svm", "mlp"]' in out
    code, _, err = cli(capsys, "study", "show", "no-such-study")
    assert_one_line_error(code, err, "unknown study", "no-such-study", "water-phases")


def test_field_docstrings_read_the_string_after_each_field():
    from physml.studies._config_fields import field_docstrings

    @dataclasses.dataclass(frozen=True)
    class Config:
        a: int = 1
        """First line of a.

        More about a."""
        b: float = 2.0
        c: str = "x"
        """About c."""

    assert field_docstrings(Config) == {"a": "First line of a.", "c": "About c."}


@pytest.mark.parametrize("args", [[], ["study"], ["simulate"]])
def test_a_group_without_a_command_prints_its_help_and_one_error_line(capsys, args):
    code, out, err = cli(capsys, *args)
    assert_one_line_error(code, err, "command is missing")
    assert "Commands" in out and "Usage: physml" in out
