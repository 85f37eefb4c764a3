"""Time and peak memory of refusing over-budget requests, in-process after the imports.

    python scripts/refuse_time.py [--max-memory 16G]

Each request from issue 15 runs through ``physml.cli.main``; one line per request: exit code, milliseconds from
the call to the refusal, growth of the process's peak memory (ru_maxrss) during it, and the message.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import tempfile
import time
from pathlib import Path

import h5py

from physml.cli import main

SIMULATE = [
    ["ising", "--L", "100000"],
    ["ising", "--temperatures", "1:3:1000000000"],
    ["schrodinger", "--n-points", "100000"],
    ["md", "--n", "32000000"],
    ["md", "--steps", "10000000", "--frames", "1"],
    ["scattering", "--n-frequencies", "1000000000"],
    ["burgers", "--n-grid", "100000000"],
    ["navier-stokes", "--n-grid", "16384"],
    ["water-phases", "--n-samples", "100000000"],
    ["pipe-flow", "--n-samples", "100000000"],
]


def header_bomb(folder: Path) -> Path:
    path = folder / "bomb.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"], f.attrs["format_version"] = "physml-dataset", 1
        for name in ("x", "y"):
            f.create_dataset(name, shape=(10**11,), dtype="f8", chunks=(10**6,), compression="gzip")
    return path


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-memory", default="16G")
    opts = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="physml-refuse-"))
    bomb = header_bomb(folder)
    requests = [["simulate", *args, "-o", str(folder / "never.h5")] for args in SIMULATE]
    requests += [["dataset", "info", str(bomb)], ["train", str(bomb), "--target", "y", "--runs-dir", str(folder)]]
    for args in requests:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        err = io.StringIO()
        start = time.perf_counter()
        code = 0
        with contextlib.redirect_stderr(err):
            try:
                main([*args, "--max-memory", opts.max_memory])
            except SystemExit as exc:
                code = exc.code
        ms = 1000 * (time.perf_counter() - start)
        grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
        shown = " ".join(a for a in args if not a.startswith(str(folder)))
        print(f"{shown:<48} exit {code}  {ms:7.1f} ms  peak +{grew:5.1f} MB | {err.getvalue().strip()[:80]}")
    print(f"{bomb.name}: {bomb.stat().st_size} bytes on disk")


if __name__ == "__main__":
    main_()
