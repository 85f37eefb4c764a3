"""Run every study's ``--quick`` preset and compare its metrics with an earlier capture.

    python scripts/compare_quick_metrics.py capture DIR [--studies a,b] [--seed 0] [--jobs 1]
    python scripts/compare_quick_metrics.py compare BEFORE_DIR AFTER_DIR [--studies a,b]

``capture`` runs ``physml study run NAME --quick --seed S --device cpu --quiet`` in a fresh
process per study (one thread each: OMP/MKL/Numba pinned to 1, so float results do not depend
on the thread count) and keeps each run's ``metrics.json`` as ``DIR/NAME.json``.
``compare`` prints, per study, the metrics that differ. Wall-clock figures (names holding
``seconds``, ``speedup``, ``per_s``, ``time_ratio``...) differ by nature and are listed apart.
Exit status 1 when any non-timing metric differs or a study is missing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TIMING = re.compile(r"(seconds|speedup|speed_up|per_s\b|per_second|_ms\b|_ms_per|time_ratio|cost|_s$|wall|throughput)")


def _studies() -> list[str]:
    out = subprocess.run([sys.executable, "-m", "physml", "study", "list"], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _capture_one(name: str, out: Path, seed: int) -> str:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "physml", "study", "run", name, "--quick", "--seed", str(seed),
                               "--device", "cpu", "--quiet", "--runs-dir", tmp], capture_output=True, text=True,
                              env=env)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            (out / f"{name}.err").write_text(proc.stdout + proc.stderr)
            return f"{name}: FAILED (rc {proc.returncode}, {wall:.0f} s), see {name}.err"
        # the run directory is the last line; a library may have printed without a newline before it
        run_dir = Path(tmp) / proc.stdout.strip().rsplit(tmp + "/", 1)[-1].splitlines()[0]
        shutil.copy(run_dir / "metrics.json", out / f"{name}.json")
    return f"{name}: {wall:.0f} s"


def capture(args) -> int:
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    names = args.studies.split(",") if args.studies else _studies()
    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(lambda n: _capture_one(n, out, args.seed), names):
            print(line, flush=True)
    return 0


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def compare(args) -> int:
    before, after = Path(args.before), Path(args.after)
    bad = 0
    only = set(args.studies.split(",")) if args.studies else None
    for path in sorted(before.glob("*.json")):
        name = path.stem
        if only is not None and name not in only:
            continue
        other = after / path.name
        if not other.exists():
            print(f"{name}: missing in {after}")
            bad += 1
            continue
        a, b = json.loads(path.read_text()), json.loads(other.read_text())
        changed = [k for k in sorted(set(a) | set(b)) if not TIMING.search(k) and not _same(a.get(k), b.get(k))]
        timing = [k for k in sorted(set(a) | set(b)) if TIMING.search(k)]
        if changed:
            bad += 1
            print(f"{name}: {len(changed)} of {len(a)} metrics differ")
            for k in changed:
                print(f"    {k:<48} {a.get(k, '(absent)')!r:>24} -> {b.get(k, '(absent)')!r}")
        else:
            print(f"{name}: identical ({len(a) - len(timing)} metrics; {len(timing)} timings not compared)")
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("dir")
    c.add_argument("--studies", default="")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--jobs", type=int, default=1)
    d = sub.add_parser("compare")
    d.add_argument("before")
    d.add_argument("after")
    d.add_argument("--studies", default="", help="comma list: compare only these")
    args = p.parse_args()
    return capture(args) if args.cmd == "capture" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
