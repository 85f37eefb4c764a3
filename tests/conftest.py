"""Hermetic tests: caches in temporary folders, and no test may change global RNG state."""

from __future__ import annotations

import os
import tempfile

_CACHE = tempfile.mkdtemp(prefix="physml-test-cache-")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_CACHE, "matplotlib"))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_CACHE, "numba"))
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _global_rng_untouched(request):
    """Fail any test whose code reads or sets numpy's or torch's global RNG (DESIGN: randomness is explicit).

    ``@pytest.mark.third_party_global_rng`` exempts tests that run other projects' checkers
    (scikit-learn's estimator checks draw from ``np.random``).
    """
    if request.node.get_closest_marker("third_party_global_rng"):
        yield
        return
    np_state = np.random.get_state()[1].copy()
    torch = __import__("sys").modules.get("torch")
    t_state = torch.random.get_rng_state().clone() if torch is not None else None
    yield
    assert np.array_equal(np.random.get_state()[1], np_state), "global numpy RNG state changed"
    if t_state is not None:
        assert torch.equal(torch.random.get_rng_state(), t_state), "global torch RNG state changed"


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """Run ``physml study run ising-phases --quick`` once, as a user would; return the run directory."""
    import subprocess
    import sys
    from pathlib import Path

    runs = tmp_path_factory.mktemp("runs")
    proc = subprocess.run([sys.executable, "-m", "physml", "study", "run", "ising-phases", "--quick", "--seed", "1",
                           "--runs-dir", str(runs), "--quiet"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert run_dir.parent == runs.resolve() and run_dir.is_dir()
    return run_dir


def single_threaded():
    """One torch and one BLAS/OpenMP thread for a test module: small fits lose more to threads than they gain,
    and OpenMP stalls on a loaded 2-core machine. Use as ``pytest.fixture(autouse=True, scope="module")(...)``."""
    import torch
    from threadpoolctl import threadpool_limits

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(n)
