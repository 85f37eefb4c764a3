"""The Ising benchmark: its report, its NumPy reference, and thread-count hygiene.

Speed itself is not asserted (it depends on the machine and its load); the
numbers are what ``physml bench ising`` prints.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from physml.bench import ising as bench
from physml.sim.ising import energy_per_spin, onsager_energy

KEYS = {
    "flips_per_ns_1thread",
    "flips_per_ns_all_threads",
    "numpy_flips_per_ns",
    "speedup_vs_numpy",
    "speedup_all_vs_1thread",
    "threads",
    "L",
}


def test_run_reports_every_figure_and_restores_threads():
    before = numba.get_num_threads()
    result = bench.run(L=64, sweeps=5, numpy_sweeps=1, repeats=1)
    assert numba.get_num_threads() == before
    assert set(result) == KEYS
    assert result["L"] == 64 and result["threads"] == numba.config.NUMBA_NUM_THREADS
    for key in KEYS - {"L", "threads"}:
        assert np.isfinite(result[key]) and result[key] > 0
    assert result["speedup_vs_numpy"] == pytest.approx(result["flips_per_ns_1thread"] / result["numpy_flips_per_ns"])
    text = bench.format_report(result)
    assert "numpy" in text and f"{result['flips_per_ns_1thread']:.3f}" in text


def test_numpy_reference_is_a_correct_sampler():
    """The baseline is a real Metropolis sampler, so the speed-up compares like with like."""
    T = 3.0
    rng = np.random.default_rng(0)
    spins = np.where(rng.random((32, 32)) < 0.5, 1, -1).astype(np.int8)
    bench.numpy_metropolis_sweeps(spins, 1.0 / T, 100, rng)
    energies = []
    for _ in range(150):
        bench.numpy_metropolis_sweeps(spins, 1.0 / T, 2, rng)
        energies.append(energy_per_spin(spins))
    assert spins.dtype == np.int8
    assert abs(np.mean(energies) - onsager_energy(T)) < 0.02
