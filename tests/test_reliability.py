"""Reliability: every file, size or disk a user can hand physml ends in exit 0 with a right answer, or exit 2 with
one line and nothing written; never a traceback, a crash, a hang or a silently wrong file.

One parametrised test per category (bad tables, bad parameters, huge sizes, file-system faults, corrupted and
crafted files, kills during writes, concurrent writers). Each case is judged the same way:

* ``clear``: exit code 2, exactly one line ``physml: error: ...`` on stderr (notes aside), no new or changed
  file in the case's folder, and for crafted files no marker file (nothing the file names was run);
* ``silent``: exit 0 where the input had to be refused (or a refused run that left something behind);
* ``crash``: a traceback, another exit code, several lines;
* ``hang``: no answer within the case's time limit.

The scoreboard (``tried | clear errors | silent | crashes | hangs`` per category) is printed at the end of the
module. Cases run in-process through :func:`physml.cli.main` (fast); only those that could kill or hang the
interpreter on a regression (crafted tree models, SIGKILL during a write) run in a subprocess.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from physml.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCORE: dict[str, Counter] = defaultdict(Counter)
CASE_SECONDS = 60


# ---------------------------------------------------------------------------------------------- judging
class _Hang(Exception):
    pass


def run_cli(capsys, *args: str, env: dict | None = None, timeout: int = CASE_SECONDS) -> tuple[int | None, str, str]:
    """``physml *args`` in this process: ``(exit code or None if it hung, stdout, stderr)``."""
    old_env = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})

    def alarm(signum, frame):
        raise _Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    code: int | None
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except _Hang:
        code = None
    except BaseException as exc:  # noqa: BLE001 - an escaped exception is a crash, recorded as such
        code = -1
        sys.stderr.write(f"escaped {type(exc).__name__}: {exc}\nTraceback\n")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, str]:
    """Every file (with a digest of its content) and folder under ``folder``: what a refused run wrote or changed."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_dir() and not p.is_symlink():
            out[str(p.relative_to(folder)) + "/"] = "folder"
        elif p.is_file() and not p.is_symlink():
            try:
                out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
            except OSError:
                out[str(p.relative_to(folder))] = "unreadable"
    return out


def classify(code: int | None, err: str, changed: list[str]) -> str:
    if code is None:
        return "hang"
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("physml: note:", "physml: warning:"))]
    if code == 2 and len(lines) == 1 and lines[0].startswith("physml: error: ") and "Traceback" not in err:
        return "silent" if changed else "clear"
    if code == 0:
        return "silent"
    return "crash"


def judge(category: str, code: int | None, err: str, folder: Path, before: dict[str, str], *words: str,
          marker: Path | None = None) -> None:
    """Record the case on the scoreboard and assert it is a clear refusal that left ``folder`` as it was."""
    after = snapshot(folder)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    outcome = classify(code, err, changed)
    if marker is not None and marker.exists():
        outcome = "crash"  # the crafted file ran code
    SCORE[category][outcome] += 1
    assert outcome == "clear", (outcome, code, err[-2000:], changed)
    for word in words:
        assert word in err, (word, err)


@pytest.fixture(scope="module", autouse=True)
def scoreboard(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{'category':<22} {'tried':>6} {'clear errors':>13} {'silent':>7} {'crashes':>8} {'hangs':>6}"]
    total = Counter()
    for cat in sorted(SCORE):
        c = SCORE[cat]
        tried = sum(c.values())
        total.update(c)
        lines.append(f"{cat:<22} {tried:>6} {c['clear']:>13} {c['silent']:>7} {c['crash']:>8} {c['hang']:>6}")
    lines.append(f"{'all':<22} {sum(total.values()):>6} {total['clear']:>13} {total['silent']:>7} "
                 f"{total['crash']:>8} {total['hang']:>6}")
    text = "\nreliability scoreboard\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_line(text)
    out = os.environ.get("PHYSML_SCOREBOARD")
    if out:
        Path(out).write_text(text + "\n")


# ---------------------------------------------------------------------------------------------- shared inputs
@pytest.fixture(scope="module")
def w(tmp_path_factory):
    """A workspace with good inputs: a table, a saved tree model and a run registry holding it."""
    from physml.data import Dataset
    from physml.models import make_model, save_model

    base = tmp_path_factory.mktemp("reliability")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y}).to_csv(base / "ok.csv", index=False)
    Dataset({"a": X[:, 0], "b": X[:, 1], "y": y}, {"a": "m", "b": "m", "y": "J"}).save(base / "ok.h5")
    meta = {"feature_names": ["a", "b"], "target": "y", "task": "regression"}
    save_model(make_model("tree", "regression", seed=0).fit(X, y), base / "tree", metadata=meta)
    save_model(make_model("ridge", "regression", seed=0).fit(X, y), base / "ridge", metadata=meta)
    ns = type("W", (), {})()
    ns.base, ns.X, ns.y, ns.meta = base, X, y, meta
    return ns


@pytest.fixture
def case(tmp_path):
    """A fresh folder for one case."""
    return tmp_path


def _csv(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _table(path: Path, **cols) -> Path:
    pd.DataFrame(cols).to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------------------------- bad tables
def _bad_tables(d: Path, w) -> dict[str, tuple[Path, list[str]]]:
    X, y = w.X, w.y
    n = len(y)
    h5 = d / "t.h5"
    rows3 = "".join(f"{i},{i * 2},{i * 3}\n" for i in range(30))
    tables = {
        "empty file": (lambda: _csv(d / "t.csv", ""), []),
        "header only": (lambda: _csv(d / "t.csv", "a,b,y\n"), []),
        "one row": (lambda: _csv(d / "t.csv", "a,b,y\n1,2,3\n"), []),
        "two rows": (lambda: _csv(d / "t.csv", "a,b,y\n1,2,3\n2,3,5\n"), []),
        "constant target": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=np.full(n, 2.5)), []),
        "near-constant target": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=1 + 1e-13 * X[:, 0]), []),
        "tiny target": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=1e-170 * X[:, 0]), []),
        "huge target": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=1e300 * X[:, 0]), []),
        "NaN feature": (lambda: _csv(d / "t.csv", "a,b,y\n" + "".join(f"{i},{'nan' if i == 3 else i},{i}\n"
                                                               for i in range(20))), []),
        "inf feature": (lambda: _csv(d / "t.csv", "a,b,y\n" + "".join(f"{i},{'inf' if i == 3 else i},{i}\n"
                                                               for i in range(20))), []),
        "1e309 feature": (lambda: _csv(d / "t.csv", "a,b,y\n" + "".join(f"{i},{'1e309' if i == 3 else i},{i}\n"
                                                                 for i in range(20))), []),
        "text feature": (lambda: _table(d / "t.csv", a=["x"] * n, b=X[:, 1], y=y), []),
        "missing target value": (lambda: _csv(d / "t.csv", "a,b,y\n" + "".join(f"{i},{i},{'' if i == 4 else i}\n"
                                                                        for i in range(20))), []),
        "duplicate columns": (lambda: _csv(d / "t.csv", "a,a,y\n" + rows3), []),
        "duplicate target name": (lambda: _csv(d / "t.csv", "a,y,y\n" + rows3), []),
        "no such target": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], z=y), []),
        "target only": (lambda: _table(d / "t.csv", y=y), []),
        "unknown suffix": (lambda: _csv(d / "t.txt", "a,b,y\n1,2,3\n"), []),
        "binary garbage": (lambda: d / "t.csv", []),
        "not HDF5": (lambda: _csv(d / "t.h5", "this is not HDF5"), []),
        "HDF5 but not physml": (lambda: h5, []),
        "complex column (HDF5)": (lambda: d / "c.h5", []),
        "single-member class": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=["p"] * (n - 1) + ["q"]), []),
        "one class": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=["p"] * n), []),
        "cv larger than data": (lambda: _table(d / "t.csv", a=X[:12, 0], b=X[:12, 1], y=y[:12]), ["--cv", "20"]),
        "test fraction 0.99": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--test-fraction", "0.99"]),
        "test fraction 0": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--test-fraction", "0"]),
        "test fraction nan": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--test-fraction", "nan"]),
        "cv 1": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--cv", "1"]),
        "unknown model": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--models", "nope"]),
        "unknown task": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--task", "regressiof"]),
        "unknown feature": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--features", "a,zz"]),
        "target as feature": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--features", "a,y"]),
        "seed -1": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--seed", "-1"]),
        "seed 2^32": (lambda: _table(d / "t.csv", a=X[:, 0], b=X[:, 1], y=y), ["--seed", str(2**32)]),
    }
    return tables


def _make_special(d: Path, name: str, path: Path) -> None:
    if name == "binary garbage":
        path.write_bytes(bytes(range(256)) * 40)
    elif name == "HDF5 but not physml":
        with h5py.File(path, "w") as f:
            f["a"] = np.arange(5.0)
    elif name == "complex column (HDF5)":
        from physml.data import Dataset

        Dataset({"a": np.arange(20.0) + 1j, "b": np.arange(20.0), "y": np.arange(20.0) ** 2}).save(path)


BAD_TABLES = list(_bad_tables(Path("/nonexistent"), type("W", (), {"X": np.zeros((60, 2)), "y": np.zeros(60)})))


@pytest.mark.parametrize("name", BAD_TABLES)
def test_bad_tables_are_refused_by_train(name, w, case, capsys):
    make, extra = _bad_tables(case, w)[name]
    path = make()
    _make_special(case, name, path)
    runs = case / "runs"
    before = snapshot(case)
    code, _, err = run_cli(capsys, "train", path, "--target", "y", "--models", "ridge", "--cv", "2",
                           "--runs-dir", runs, "--quiet", *extra)
    judge("bad tables", code, err, case, before)


PREDICT_TABLES = ["empty file", "header only", "NaN feature", "inf feature", "text feature", "duplicate columns",
                  "unknown suffix", "binary garbage", "not HDF5", "complex column (HDF5)", "target only"]


@pytest.mark.parametrize("name", PREDICT_TABLES)
def test_bad_tables_are_refused_by_predict(name, w, case, capsys):
    make, _ = _bad_tables(case, w)[name]
    path = make()
    _make_special(case, name, path)
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", w.base / "ridge", path, "-o", case / "p.csv")
    judge("bad tables", code, err, case, before)


def test_predict_refuses_inputs_that_overflow_the_model(w, case, capsys):
    """Defect 6: a huge (finite) input made ``predict`` write ``inf`` with exit 0."""
    _table(case / "x.csv", a=[1.6e308, 0.0], b=[1e308, 0.0])  # the ridge predicts inf for the first row
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", w.base / "ridge", case / "x.csv", "-o", case / "p.csv")
    judge("bad tables", code, err, case, before, "NaN or infinite")


def test_predict_refuses_duplicate_feature_columns(w, case, capsys):
    """Defect 6: duplicate column names were ignored by predict (pandas renames the second one ``a.1``)."""
    _csv(case / "x.csv", "a,a,b\n1,2,3\n4,5,6\n")
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", w.base / "ridge", case / "x.csv", "-o", case / "p.csv")
    judge("bad tables", code, err, case, before, "duplicate column")


# ---------------------------------------------------------------------------------------------- bad parameters
SIMULATE_SEEDED = ["ising", "water-phases", "pipe-flow", "schrodinger", "quantum-dynamics", "md", "scattering", "heat",
                   "burgers", "navier-stokes"]
BAD_PARAMETERS = [
    *[(f"{s} seed -1", ["simulate", s, "--seed", "-1"]) for s in SIMULATE_SEEDED],
    *[(f"{s} seed 2^32", ["simulate", s, "--seed", str(2**32)]) for s in SIMULATE_SEEDED],
    ("ising seed 2^64", ["simulate", "ising", "--seed", str(2**64)]),
    ("ising h 1e308 (energy overflows)", ["simulate", "ising", "--L", "4", "--samples", "1", "--temperatures", "2",
                                          "--h", "1e308", "--quiet"]),
    ("ising h inf", ["simulate", "ising", "--h", "inf"]),
    ("ising L 3", ["simulate", "ising", "--L", "3"]),
    ("ising L 0", ["simulate", "ising", "--L", "0"]),
    ("ising L -8", ["simulate", "ising", "--L", "-8"]),
    ("ising temperature 0", ["simulate", "ising", "--temperatures", "0"]),
    ("ising temperature nan", ["simulate", "ising", "--temperatures", "nan"]),
    ("ising temperature range count 0", ["simulate", "ising", "--temperatures", "1:3:0"]),
    ("ising temperature range count 1e9 text", ["simulate", "ising", "--temperatures", "1:3:1e9"]),
    ("ising temperatures text", ["simulate", "ising", "--temperatures", "a,b"]),
    ("ising samples 0", ["simulate", "ising", "--samples", "0"]),
    ("ising algorithm", ["simulate", "ising", "--algorithm", "gibbs"]),
    ("ising triangular with field", ["simulate", "ising", "--lattice", "triangular", "--h", "0.5"]),
    ("md dt 1", ["simulate", "md", "--dt", "1"]),
    ("md density 0", ["simulate", "md", "--density", "0"]),
    ("md n 7", ["simulate", "md", "--n", "7"]),
    ("md ensemble", ["simulate", "md", "--ensemble", "npt"]),
    ("burgers nu 0", ["simulate", "burgers", "--nu", "0"]),
    ("burgers odd grid", ["simulate", "burgers", "--n-grid", "255"]),
    ("navier-stokes forcing", ["simulate", "navier-stokes", "--forcing", "wind"]),
    ("scattering band reversed", ["simulate", "scattering", "--band", "5000,500"]),
    ("scattering band text", ["simulate", "scattering", "--band", "low,high"]),
    ("heat sensor outside", ["simulate", "heat", "--sensors", "2"]),
    ("quantum system", ["simulate", "quantum-dynamics", "--system", "qubitz"]),
    ("quantum n-spins 40", ["simulate", "quantum-dynamics", "--n-spins", "40"]),
    ("schrodinger family", ["simulate", "schrodinger", "--family", "coulomb"]),
    ("water n-samples 0", ["simulate", "water-phases", "--n-samples", "0"]),
    ("pipe noise -1", ["simulate", "pipe-flow", "--noise", "-1"]),
    ("max-memory text", ["--max-memory", "lots", "simulate", "ising"]),
    ("max-memory 0", ["simulate", "ising", "--max-memory", "0"]),
    ("max-memory missing", ["simulate", "ising", "--max-memory"]),
    ("unknown system", ["simulate", "lorenz"]),
    ("unknown study", ["study", "run", "no-such-study"]),
    ("study unknown field", ["study", "run", "pipe-scaling", "--set", "bogus=1"]),
    ("study seed -1", ["study", "run", "pipe-scaling", "--seed", "-1"]),
    ("device tpu", ["study", "run", "pipe-scaling", "--device", "tpu"]),
    ("runs show unknown", ["runs", "show", "zzzzzz"]),
]


@pytest.mark.parametrize("name, args", BAD_PARAMETERS, ids=[c[0] for c in BAD_PARAMETERS])
def test_bad_parameters_are_refused(name, args, case, capsys):
    args = [*args]
    if args[0] == "simulate" or (args[0] == "--max-memory" and "simulate" in args):
        args += ["-o", str(case / "out.h5")]
    if args[:2] == ["study", "run"] or args[:2] == ["runs", "show"]:
        args += ["--runs-dir", str(case / "runs")]
    before = snapshot(case)
    code, _, err = run_cli(capsys, *args)
    judge("bad parameters", code, err, case, before)


# ---------------------------------------------------------------------------------------------- huge sizes
HUGE = [
    ("ising L 100000", ["simulate", "ising", "--L", "100000"]),
    ("ising 1e9 temperatures", ["simulate", "ising", "--temperatures", "1:3:1000000000"]),
    ("ising 1e9 samples", ["simulate", "ising", "--samples", "1000000000"]),
    ("schrodinger n-points 100000", ["simulate", "schrodinger", "--n-points", "100000"]),
    ("schrodinger 1e9 potentials", ["simulate", "schrodinger", "--n-potentials", "1000000000"]),
    ("md n 32000000", ["simulate", "md", "--n", "32000000"]),
    ("md 1e7 steps, every frame", ["simulate", "md", "--steps", "10000000", "--frames", "1"]),
    ("md 1e10 steps", ["simulate", "md", "--steps", "10000000000"]),
    ("scattering 1e9 frequencies", ["simulate", "scattering", "--n-frequencies", "1000000000"]),
    ("burgers n-grid 1e8", ["simulate", "burgers", "--n-grid", "100000000"]),
    ("burgers 1e7 snapshots", ["simulate", "burgers", "--n-save", "10000000"]),
    ("navier-stokes n-grid 16384", ["simulate", "navier-stokes", "--n-grid", "16384"]),
    ("water-phases 1e8", ["simulate", "water-phases", "--n-samples", "100000000"]),
    ("pipe-flow 1e8", ["simulate", "pipe-flow", "--n-samples", "100000000"]),
    ("heat 1e9 rods", ["simulate", "heat", "--n-samples", "1000000000"]),
    ("quantum 1e9 times", ["simulate", "quantum-dynamics", "--n-times", "1000000000", "--n-trajectories", "1000"]),
]


@pytest.mark.parametrize("name, args", HUGE, ids=[c[0] for c in HUGE])
def test_huge_requests_are_refused_before_allocating(name, args, case, capsys):
    """Defect 3: no size was checked before allocating. The budget is fixed (2 GiB) so the case does not depend
    on the machine; ``ru_maxrss`` shows nothing big was allocated."""
    import resource

    before = snapshot(case)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, _, err = run_cli(capsys, *args, "-o", case / "out.h5", "--max-memory", "2G")
    judge("huge sizes", code, err, case, before, "needs about", "budget of 2 GiB")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 200 * 1024  # KiB: < 200 MB more


@pytest.fixture(scope="module")
def header_bomb(tmp_path_factory) -> Path:
    """A 6 KB physml HDF5 file whose header declares 2 x 10^11 float64 values (1.5 TB)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"], f.attrs["format_version"] = "physml-dataset", 1
        for name in ("x", "y"):
            f.create_dataset(name, shape=(10**11,), dtype="f8", chunks=(10**6,), compression="gzip")
    assert path.stat().st_size < 20_000
    return path


@pytest.mark.parametrize("command", ["dataset info", "train", "predict"])
def test_hdf5_header_declaring_1e11_values_is_refused(command, header_bomb, w, case, capsys):
    args = {"dataset info": ["dataset", "info", header_bomb],
            "train": ["train", header_bomb, "--target", "y", "--runs-dir", case / "runs"],
            "predict": ["predict", w.base / "ridge", header_bomb, "-o", case / "p.csv"]}[command]
    before = snapshot(case)
    code, _, err = run_cli(capsys, *args)
    judge("huge sizes", code, err, case, before, "needs about")


def test_npy_header_declaring_a_huge_array_is_refused(case, capsys):
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    with open(case / "v.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
    before = snapshot(case)
    code, _, err = run_cli(capsys, "simulate", "schrodinger", "--potential", case / "v.npy", "-o", case / "o.h5")
    judge("huge sizes", code, err, case, before, "needs about")


def test_csv_over_the_budget_is_refused(w, case, capsys):
    before = snapshot(case)
    code, _, err = run_cli(capsys, "train", w.base / "ok.csv", "--target", "y", "--runs-dir", case / "runs",
                           env={"PHYSML_MAX_MEMORY": "1K"})
    judge("huge sizes", code, err, case, before, "PHYSML_MAX_MEMORY")


# ---------------------------------------------------------------------------------------------- file-system faults
@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "64k", readonly: bool = False):
    """Mount a small tmpfs at ``folder`` (skip the test where the machine does not allow it)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the full-disk and read-only cases are skipped")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if proc.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield folder
        if readonly:
            pass
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _remount_ro(folder: Path) -> None:
    proc = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
    if proc.returncode:
        pytest.skip(f"cannot remount read-only: {proc.stderr.decode().strip()}")


FULL_DISK = [
    ("ising", ["simulate", "ising", "--L", "32", "--samples", "100", "--temperatures", "3,4", "--quiet"]),
    ("burgers", ["simulate", "burgers", "--n-samples", "4", "--n-grid", "128", "--t-final", "0.05"]),
    ("md", ["simulate", "md", "--n", "256", "--steps", "50", "--frames", "1", "--quiet"]),
    ("pipe-flow", ["simulate", "pipe-flow", "--n-samples", "4000"]),
    ("scattering", ["simulate", "scattering", "--n-samples", "400"]),
]


@pytest.mark.parametrize("name, args", FULL_DISK, ids=[c[0] for c in FULL_DISK])
def test_full_disk_is_one_line_and_leaves_nothing(name, args, case, capsys):
    """Defect 2: a full disk ended in a segmentation fault while writing HDF5."""
    with tmpfs(case / "disk", "16k") as disk:
        before = snapshot(disk)
        code, _, err = run_cli(capsys, *args, "-o", disk / "out.h5")
        judge("file-system faults", code, err, disk, before, "no space left")


def test_full_disk_during_a_run_leaves_no_run_and_no_row(case):
    """A run whose artifacts fill the disk: one DataError line, no run directory, no temporary, no row."""
    from physml.errors import DataError
    from physml.result import StudyResult
    from physml.runs import Registry, write_run

    with tmpfs(case / "disk", "128k") as disk:
        write_run(StudyResult(study="small", config={}), disk / "runs", wall_seconds=0.0)
        before = snapshot(disk)
        result = StudyResult(study="big", config={})
        result.artifacts["big.bin"] = lambda p: p.write_bytes(os.urandom(256 * 1024))
        with pytest.raises(DataError) as info:
            write_run(result, disk / "runs", wall_seconds=0.0)
        code, err = 2, f"physml: error: {info.value}"
        judge("file-system faults", code, err, disk, {**before, **{k: v for k, v in snapshot(disk).items()
                                                                    if k.endswith(("-wal", "-shm"))}},
              "no space left")
        assert [r.study for r in Registry(disk / "runs").list()] == ["small"]


@pytest.mark.parametrize("what", ["simulate", "train", "predict", "fine-tune"])
def test_read_only_output_is_refused_before_any_work(what, w, case, capsys):
    """Defect 5: a read-only output folder gave a traceback, for train and fine-tune only after the training."""
    with tmpfs(case / "ro", "1m") as ro:
        _remount_ro(ro)
        args = {"simulate": ["simulate", "pipe-flow", "--n-samples", "100", "-o", ro / "o.h5"],
                "train": ["train", w.base / "ok.csv", "--target", "y", "--runs-dir", ro / "runs"],
                "predict": ["predict", w.base / "ridge", w.base / "ok.csv", "-o", ro / "p.csv"],
                "fine-tune": ["transfer", "fine-tune", w.base / "ridge", w.base / "ok.csv", "--target", "y",
                              "-o", ro / "tuned"]}[what]
        before = snapshot(ro)
        start = time.perf_counter()
        code, _, err = run_cli(capsys, *args)
        judge("file-system faults", code, err, ro, before, "Read-only")
        del start


def test_read_only_registry_is_refused_before_a_run(w, case, capsys):
    """Defect 5: a read-only registry.sqlite left a complete run directory with no registry row."""
    with tmpfs(case / "ro", "1m") as ro:
        code, _, err = run_cli(capsys, "runs", "list", "--runs-dir", w.base / "noruns")
        _make_registry(ro / "runs", w)
        _remount_ro(ro)
        before = snapshot(ro)
        code, _, err = run_cli(capsys, "train", w.base / "ok.csv", "--target", "y", "--models", "ridge",
                               "--runs-dir", ro / "runs", "--quiet")
        judge("file-system faults", code, err, ro, before)


def _make_registry(runs: Path, w, *, path: str | None = None) -> str:
    """A registry with one run whose best model is the workspace's ridge; return the run id."""
    from physml.result import StudyResult
    from physml.runs import Registry, write_run

    result = StudyResult(study="train", config={"case": "reliability"})
    result.artifacts["best_model"] = lambda p: shutil.copytree(w.base / "ridge", p)
    record = write_run(result, runs, wall_seconds=0.0)
    if path is not None:
        con = sqlite3.connect(Registry(runs).path)
        with con:
            con.execute("UPDATE runs SET path = ? WHERE id = ?", (path, record.id))
        con.close()
    return record.id


PATH_KINDS = ["output is a folder", "parent is a file", "grandparent is a file", "output exists (no --force)",
              "input is a folder", "input missing", "model is a file", "model missing", "runs-dir is a file"]


@pytest.mark.parametrize("kind", PATH_KINDS)
def test_wrong_path_kinds_are_refused(kind, w, case, capsys):
    (case / "afile").write_text("x")
    (case / "adir").mkdir()
    (case / "exists.h5").write_text("keep me")
    sim = ["simulate", "pipe-flow", "--n-samples", "100", "-o"]
    args = {"output is a folder": [*sim, case / "adir"],
            "parent is a file": [*sim, case / "afile" / "o.h5"],
            "grandparent is a file": [*sim, case / "afile" / "sub" / "o.h5"],
            "output exists (no --force)": [*sim, case / "exists.h5"],
            "input is a folder": ["dataset", "info", case / "adir"],
            "input missing": ["train", case / "missing.csv", "--target", "y", "--runs-dir", case / "runs"],
            "model is a file": ["predict", case / "afile", w.base / "ok.csv", "-o", case / "p.csv"],
            "model missing": ["predict", case / "nomodel", w.base / "ok.csv", "-o", case / "p.csv"],
            "runs-dir is a file": ["train", w.base / "ok.csv", "--target", "y", "--runs-dir", case / "afile"]}[kind]
    before = snapshot(case)
    code, _, err = run_cli(capsys, *args)
    judge("file-system faults", code, err, case, before)


@pytest.mark.parametrize("damage", ["corrupt", "locked"])
def test_corrupt_or_locked_registry_is_refused_before_a_run(damage, w, case, capsys):
    runs = case / "runs"
    runs.mkdir()
    lock = None
    if damage == "corrupt":
        (runs / "registry.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    else:
        _make_registry(runs, w)
        lock = sqlite3.connect(runs / "registry.sqlite", timeout=0)
        lock.execute("PRAGMA journal_mode=DELETE")
        lock.execute("BEGIN EXCLUSIVE")
    try:
        before = snapshot(case)
        code, _, err = run_cli(capsys, "train", w.base / "ok.csv", "--target", "y", "--models", "ridge",
                               "--runs-dir", runs, "--quiet")
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
    judge("file-system faults", code, err, case, before, "registry")


def test_stale_temporaries_are_removed_on_the_next_write_and_live_ones_kept(case, capsys):
    """Defect 8: killed writes left ``.tmp`` files with random names that nothing ever cleaned."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = case / f".out.h5.physml-tmp-{int(dead.stdout)}-deadbeef"
    stale.write_bytes(b"half a file")
    live = case / f".out.h5.physml-tmp-{os.getpid()}-0badf00d"
    live.write_bytes(b"another writer, still working")
    code, _, err = run_cli(capsys, "simulate", "pipe-flow", "--n-samples", "50", "-o", case / "out.h5")
    assert code == 0 and (case / "out.h5").is_file()
    assert not stale.exists() and "removed" in err and live.exists()


# ---------------------------------------------------------------------------------------------- corrupted / crafted
def _reseal_model(path: Path) -> None:
    """Recompute every digest of a model folder, as whoever edits one can."""
    from physml.models._persist import _info_digest

    info = json.loads((path / "model.json").read_text())
    for name in info["files"]:
        if (path / name).is_file():
            info["files"][name] = hashlib.sha256((path / name).read_bytes()).hexdigest()
    info["description_sha256"] = _info_digest(info)
    (path / "model.json").write_text(json.dumps(info))


def _edit_tree(w, folder: Path, edit) -> Path:
    from physml.models import make_model, save_model

    tree = make_model("tree", "regression", seed=0).fit(w.X, w.y)
    edit(tree.tree_)
    save_model(tree, folder, metadata=w.meta)
    return folder


def _set(arr_name: str, index: int, value):
    def edit(t):
        getattr(t, arr_name)[index] = value
    return edit


def _model_json(edit):
    def damage(w, folder: Path, reseal: bool = True) -> Path:
        shutil.copytree(w.base / "ridge", folder)
        info = json.loads((folder / "model.json").read_text())
        edit(info)
        (folder / "model.json").write_text(json.dumps(info))
        if reseal:
            _reseal_model(folder)
        return folder
    return damage


def _skops_members(edit):
    def damage(w, folder: Path) -> Path:
        shutil.copytree(w.base / "ridge", folder)
        skops = folder / "model.skops"
        with zipfile.ZipFile(skops) as z:
            members = {n: z.read(n) for n in z.namelist()}
        members = edit(members)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in members.items():
                z.writestr(n, data)
        skops.write_bytes(buf.getvalue())
        _reseal_model(folder)
        return folder
    return damage


def _ridge_attr(name: str, value):
    def damage(w, folder: Path) -> Path:
        from physml.models import make_model, save_model

        model = make_model("ridge", "regression", seed=0).fit(w.X, w.y)
        setattr(model.regressor_.steps[-1][1], name, value)  # the Ridge inside the zoo's target-scaled pipeline
        save_model(model, folder, metadata=w.meta)
        return folder
    return damage


def _marker_schema(marker: Path):
    """A skops schema whose first numpy array node is replaced by a call of ``os.system('touch marker')``."""
    def edit(members):
        schema = json.loads(members["schema.json"])

        def walk(node):
            if isinstance(node, dict):
                if node.get("__class__") == "StandardScaler":
                    return {"__class__": "system", "__module__": "os", "__loader__": "FunctionNode", "__id__": 9,
                            "content": f"touch {marker}"}
                return {k: walk(v) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v) for v in node]
            return node
        members["schema.json"] = json.dumps(walk(schema)).encode()
        return members
    return edit


def _bomb(members):
    members["padding.bin"] = b"\0" * (64 * 2**20)  # 64 MiB that deflate packs into 64 KiB
    return members


def _many(members):
    members.update({f"m{i}.bin": b"" for i in range(1001)})
    return members


CRAFTED_MODELS = {
    "model.json task regressiof (bit flip, no reseal)": lambda w, f: _model_json(
        lambda i: i["metadata"].update(task="regressiof"))(w, f, reseal=False),
    "model.json task regressiof (resealed)": _model_json(lambda i: i["metadata"].update(task="regressiof")),
    "model.json storage unknown": _model_json(lambda i: i.update(storage="pickle")),
    "model.json files not listed": _model_json(lambda i: i.update(files={})),
    "model.json duplicate feature names": _model_json(lambda i: i["metadata"].update(feature_names=["a", "a"])),
    "model.json metadata not an object": _model_json(lambda i: i.update(metadata=[1, 2])),
    "model.json file outside the folder": _model_json(lambda i: i["files"].update({"../ok.csv": "0" * 64})),
    "model.json not JSON": lambda w, f: (shutil.copytree(w.base / "ridge", f), (f / "model.json").write_text("{"))[0],
    "model.skops truncated": lambda w, f: (shutil.copytree(w.base / "ridge", f), (f / "model.skops").write_bytes(
        (w.base / "ridge" / "model.skops").read_bytes()[:300]), _reseal_model(Path(f)))[0],
    "model.skops zip bomb": _skops_members(_bomb),
    "model.skops schema not JSON": _skops_members(lambda m: {**m, "schema.json": b"{oops"}),
    "coef_ of the wrong length": _ridge_attr("coef_", np.ones(7)),
    "coef_ with NaN": _ridge_attr("coef_", np.array([np.nan, 1.0])),
    "intercept_ inf": _ridge_attr("intercept_", np.inf),
    "tree threshold NaN": lambda w, f: _edit_tree(w, f, _set("threshold", 0, np.nan)),
    "tree leaf value inf": lambda w, f: _edit_tree(w, f, lambda t: t.value.__setitem__((-1, 0, 0), np.inf)),
    "tree negative feature": lambda w, f: _edit_tree(w, f, _set("feature", 0, -5)),
}


@pytest.mark.parametrize("name", list(CRAFTED_MODELS))
def test_crafted_model_folders_are_refused_on_load(name, w, case, capsys):
    """Defect 1 (and the model.json bit flip): models made of allowed types that lie are refused with one line."""
    folder = CRAFTED_MODELS[name](w, case / "model")
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", folder, w.base / "ok.csv", "-o", case / "p.csv")
    judge("crafted files", code, err, case, before)


def test_crafted_skops_file_runs_nothing(w, case, capsys):
    marker = case / "MARKER"
    folder = _skops_members(_marker_schema(marker))(w, case / "model")
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", folder, w.base / "ok.csv", "-o", case / "p.csv")
    judge("crafted files", code, err, case, before, marker=marker)


def test_archive_with_too_many_members_is_refused(w, case, capsys, monkeypatch):
    from physml.models import _validate

    monkeypatch.setattr(_validate, "MAX_MEMBERS", 1000)  # the same check as with 100 000, written faster
    folder = _skops_members(_many)(w, case / "model")
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", folder, w.base / "ok.csv", "-o", case / "p.csv")
    judge("crafted files", code, err, case, before, "archive members")


TREE_ATTACKS = {"child index out of range": ("children_left", 0, 10**6),
                "node pointing to itself": ("children_left", 1, 1),
                "feature index 10^6": ("feature", 0, 10**6)}
_PREDICT_EACH = """
import contextlib, io, json, sys
from physml.cli import main
for folder, data, out in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            main(["predict", folder, data, "-o", out])
            code = 0
        except SystemExit as exc:
            code = exc.code
    print(json.dumps([code, err.getvalue()]), flush=True)
"""


def test_crafted_tree_node_arrays_are_refused_in_a_subprocess(w, case):
    """Defect 1: on main these give a segmentation fault, a hang at full CPU, and exit 0 with other predictions.
    They run in a subprocess (one for the three) so that a regression fails this test instead of killing or hanging
    the test session."""
    jobs = []
    for i, (attr, index, value) in enumerate(TREE_ATTACKS.values()):
        folder = _edit_tree(w, case / f"model{i}", _set(attr, index, value))
        _reseal_model(folder)
        jobs.append([str(folder), str(w.base / "ok.csv"), str(case / f"p{i}.csv")])
    before = snapshot(case)
    try:
        proc = subprocess.run([sys.executable, "-c", _PREDICT_EACH, json.dumps(jobs)], capture_output=True, text=True,
                              timeout=180, env={**os.environ, "PYTHONPATH": str(ROOT)})
        answers = [json.loads(line) for line in proc.stdout.splitlines()]
        if proc.returncode:  # killed (segmentation fault): the case it was on crashed
            answers.append([proc.returncode, proc.stderr])
    except subprocess.TimeoutExpired as exc:
        answers = [json.loads(line) for line in (exc.stdout or b"").decode().splitlines()] + [[None, ""]]
    for code, err in answers[:len(jobs)]:
        judge("crafted files", code, err, case, before, "inconsistent")
    assert len(answers) == len(jobs)


def test_registry_row_pointing_outside_the_runs_folder_is_not_followed(w, case, capsys):
    """Defect 9: ``physml predict <id>`` followed a registry row's path anywhere."""
    outside = case / "elsewhere"
    (outside / "artifacts").mkdir(parents=True)
    shutil.copytree(w.base / "ridge", outside / "artifacts" / "best_model")
    run_id = _make_registry(case / "runs", w, path=str(outside))
    before = snapshot(case)
    code, _, err = run_cli(capsys, "predict", run_id, w.base / "ok.csv", "-o", case / "p.csv",
                           "--runs-dir", case / "runs")
    judge("crafted files", code, err, case, before, "outside its runs folder")


NPY = {"text": np.array(["a", "b"]), "complex": np.ones((16, 16)) * (1 + 1j), "object (pickled)": None,
       "NaN": np.full((16, 16), np.nan), "truncated": "truncated", "not npy": "text"}


@pytest.mark.parametrize("name", list(NPY))
def test_bad_npy_potential_is_refused(name, case, capsys):
    """Defect 4 and 6: a string .npy was a traceback, a complex one lost its imaginary part with a warning."""
    path = case / "v.npy"
    value = NPY[name]
    if name == "object (pickled)":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif name == "truncated":
        np.save(path, np.zeros((16, 16)))
        path.write_bytes(path.read_bytes()[:150])
    elif name == "not npy":
        path.write_text("hello")
    else:
        np.save(path, value)
    before = snapshot(case)
    code, _, err = run_cli(capsys, "simulate", "schrodinger", "--potential", path, "-o", case / "o.h5")
    judge("crafted files", code, err, case, before)


@pytest.fixture(scope="module")
def dataset_file(tmp_path_factory) -> tuple[Path, bytes, str]:
    from physml.data import Dataset

    path = tmp_path_factory.mktemp("flip") / "d.h5"
    rng = np.random.default_rng(1)
    Dataset({"spins": rng.choice(np.array([-1, 1], np.int8), size=(6, 8, 8)), "energy": rng.normal(size=6)},
            {"energy": "J"}, {"simulator": "test", "seed": 3}).save(path)
    return path, path.read_bytes(), Dataset.load(path).describe()


@pytest.mark.parametrize("seed", range(24))
def test_bit_flipped_dataset_is_refused_or_unchanged(seed, dataset_file, case, capsys):
    """Defect 7: bit flips loaded with changed contents and exit 0, or a ``Link iteration failed`` traceback.
    Each flip must give one line and exit 2, or (a flip in unused bytes) exactly the original contents."""
    path, original, described = dataset_file
    rng = np.random.default_rng(seed)
    data = bytearray(original)
    pos = int(rng.integers(len(data)))
    data[pos] ^= 1 << int(rng.integers(8))
    flipped = case / "d.h5"
    flipped.write_bytes(bytes(data))
    code, out, err = run_cli(capsys, "dataset", "info", flipped)
    if code == 0:
        same = out.split(": ", 1)[1].strip() == described.strip()
        SCORE["corrupted files"]["clear" if same else "silent"] += 1
        assert same, (pos, out)
        return
    judge("corrupted files", code, err, case, snapshot(case))


@pytest.mark.parametrize("array", ["energy", "spins"])
def test_bit_flip_inside_array_data_is_detected(array, dataset_file, case, capsys):
    """Defect 7: a flipped bit in an array's stored bytes loaded as different numbers with exit 0."""
    path, original, _ = dataset_file
    with h5py.File(path, "r") as f:
        offset = f[array].id.get_offset()  # contiguous (small, uncompressed) storage
        assert offset is not None
    data = bytearray(original)
    data[offset + 3] ^= 0x10
    (case / "d.h5").write_bytes(bytes(data))
    before = snapshot(case)
    code, _, err = run_cli(capsys, "dataset", "info", case / "d.h5")
    judge("corrupted files", code, err, case, before, "corrupt", array)


def test_truncated_and_legacy_datasets(dataset_file, case, capsys):
    path, original, _ = dataset_file
    (case / "t.h5").write_bytes(original[: len(original) // 2])
    code, _, err = run_cli(capsys, "dataset", "info", case / "t.h5")
    judge("corrupted files", code, err, case, snapshot(case))
    with h5py.File(case / "legacy.h5", "w") as f:  # what physml wrote before digests
        f.attrs["format"], f.attrs["format_version"] = "physml-dataset", 1
        f["x"] = np.arange(3.0)
    code, out, err = run_cli(capsys, "dataset", "info", case / "legacy.h5")
    assert code == 0 and "3 samples" in out and "no checksums" in err


# ---------------------------------------------------------------------------------------------- kills
@pytest.mark.parametrize("delay", [0.4, 1.2])
def test_sigkill_during_a_write_leaves_no_partial_file(delay, case, capsys):
    """Defect 8 as a test: kill ``simulate`` at a moment during its work; the output is absent or complete, and
    the next write to the same place leaves no temporary behind (scripts/kill_writes.py does 20 moments)."""
    out = case / "out.h5"
    proc = subprocess.Popen([sys.executable, "-m", "physml", "simulate", "pipe-flow", "--n-samples", "300000",
                             "-o", str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.kill()
    proc.wait()
    if out.exists():
        from physml.data import Dataset

        assert len(Dataset.load(out)) == 300000
    code, _, _ = run_cli(capsys, "simulate", "pipe-flow", "--n-samples", "100", "-o", out, "--force")
    assert code == 0
    assert not [p for p in case.iterdir() if ".physml-tmp-" in p.name]
    SCORE["kills during writes"]["clear"] += 1


# ---------------------------------------------------------------------------------------------- concurrency
def test_concurrent_writers_to_one_output_keep_one_whole_file(case):
    """Four processes write the same output without --force: each ends in exit 0 or one line and exit 2,
    and the file that is left is one whole dataset."""
    out = case / "same.h5"
    procs = [subprocess.Popen([sys.executable, "-m", "physml", "simulate", "pipe-flow", "--n-samples", "2000",
                               "--seed", str(i), "-o", str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    results = [(p.returncode, p.communicate(timeout=300)[1]) for p in procs]
    results = [(p.returncode, err) for p, (_, err) in zip(procs, results)]
    from physml.data import Dataset

    assert len(Dataset.load(out)) == 2000
    assert sum(code == 0 for code, _ in results) >= 1
    for code, err in results:
        SCORE["concurrent writers"]["clear" if code in (0, 2) and len(err.strip().splitlines()) <= 1 else "crash"] += 1
        assert code in (0, 2) and len(err.strip().splitlines()) <= 1, err
    assert not [p for p in case.iterdir() if ".physml-tmp-" in p.name]


def test_concurrent_runs_share_one_registry(w, case):
    from physml.result import StudyResult
    from physml.runs import Registry, write_run

    errors = []

    def worker(k):
        try:
            for i in range(5):
                write_run(StudyResult(study="train", config={"k": k, "i": i}), case / "runs", wall_seconds=0.0)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = Registry(case / "runs").list()
    ok = not errors and len(runs) == 20 and all(r.path.is_dir() for r in runs)
    SCORE["concurrent writers"]["clear" if ok else "silent"] += 1
    assert ok, errors
