"""SIGKILL ``physml simulate`` at random moments; check the output is never partial and no temporary survives.

    python scripts/kill_writes.py [--kills 20] [--seed 0] [--folder DIR]

One complete run is timed first. Then, ``--kills`` times: start the same write (``--force``, over the complete
file of the previous round), kill it with SIGKILL at a moment drawn uniformly over that time, and check that

* the final path holds a complete dataset (the old one or the new one, never a partial file);
* after the next complete write to the same place, no ``.physml-tmp-`` file is left.

It prints one line per kill and a summary; the exit status is 1 if any check failed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = 400_000


def command(out: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "physml", "simulate", "pipe-flow", "--n-samples", str(N), "--seed", str(seed),
            "-o", str(out), "--force"]


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".physml-tmp-" in p.name]


def complete(out: Path) -> bool:
    from physml.data import Dataset
    from physml.errors import PhysmlError

    try:
        return len(Dataset.load(out)) == N
    except PhysmlError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="physml-kill-"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "out.h5"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(command(out, 0), env=env, check=True, capture_output=True)
    total = time.perf_counter() - start
    print(f"one complete write takes {total:.2f} s; killing at random moments in [0, {total:.2f}] s")
    rng = random.Random(args.seed)
    failures, during_write = 0, 0
    for k in range(args.kills):
        moment = rng.uniform(0.0, total)
        proc = subprocess.Popen(command(out, k + 1), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment)
        proc.kill()
        code = proc.wait()
        left = temporaries(folder)
        during_write += bool(left)
        whole = out.exists() and complete(out)
        subprocess.run(command(out, 100 + k), env=env, check=True, capture_output=True)
        after = temporaries(folder)
        ok = whole and not after
        failures += not ok
        print(f"kill {k + 1:2d} at {moment:5.2f} s (exit {code}): final file complete {whole}, "
              f"temporaries left by the kill {len(left)}, after the next write {len(after)}"
              + ("" if ok else "  <-- FAILED"))
    print(f"{args.kills} kills, {during_write} while the temporary file existed: {failures} failures "
          f"(partial final files or surviving temporaries)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
