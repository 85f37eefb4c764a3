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
def _global_rng_untouched():
    """Fail any test whose code reads or sets numpy's or torch's global RNG (DESIGN: randomness is explicit)."""
    np_state = np.random.get_state()[1].copy()
    torch = __import__("sys").modules.get("torch")
    t_state = torch.random.get_rng_state().clone() if torch is not None else None
    yield
    assert np.array_equal(np.random.get_state()[1], np_state), "global numpy RNG state changed"
    if t_state is not None:
        assert torch.equal(torch.random.get_rng_state(), t_state), "global torch RNG state changed"
