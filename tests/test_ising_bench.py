"""The Ising benchmark: its accounting, its report, its NumPy reference, and thread-count hygiene.

Speed itself is not asserted (it depends on the machine and its load); the numbers are what
``physml bench ising`` prints. What can be wrong is the accounting: attempts per sweep, which run's time
is kept, which rate is divided by which. A fake clock and fake kernels with known costs check it exactly.
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
    "multispin_flips_per_ns_1thread",
    "multispin_flips_per_ns_all_threads",
    "multispin_vs_checkerboard",
    "multispin_all_vs_1thread",
    "threads",
    "L",
    "temperature",
}
NUMBA_NS = 0.5  # fake cost of one spin-flip attempt on one Numba thread (divided by the thread count)
MULTI_NS = 0.125  # fake cost of one replica's attempt in the multi-spin engine (64 per site)
NUMPY_NS = 4.0  # fake cost of one attempt in the NumPy reference
SLOW = 3.0  # every timed repeat but the second is this much slower (disturbed runs: best-of must drop them)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.calls = {"numba": 0, "multi": 0, "numpy": 0}

    def perf_counter(self) -> float:
        return self.now

    def spend(self, kind: str, attempts: int, ns_per_attempt: float) -> None:
        self.calls[kind] += 1
        # warm-ups come first (numba: one per thread count, 1 and all; numpy: one), then the timed repeats
        per_repeat = len({1, numba.config.NUMBA_NUM_THREADS}) if kind != "numpy" else 1
        timed = self.calls[kind] - per_repeat
        slow = SLOW if timed > 0 and (timed - 1) // per_repeat != 1 else 1.0
        self.now += attempts * ns_per_attempt * slow * 1e-9


@pytest.fixture
def fake(monkeypatch):
    clock = FakeClock()

    class FakeChain:
        def __init__(self, spins, thresholds, rng_state):
            self.size = spins.size

        def sweep(self, n_sweeps):
            clock.spend("numba", self.size * n_sweeps, NUMBA_NS / numba.get_num_threads())

    class FakeMulti:
        def __init__(self, words, always, planes, rng_state):
            self.size = 64 * words.size

        def sweep(self, n_sweeps):
            clock.spend("multi", self.size * n_sweeps, MULTI_NS / numba.get_num_threads())

    def fake_numpy(spins, beta, n_sweeps, rng):
        clock.spend("numpy", spins.size * n_sweeps, NUMPY_NS)
        return spins

    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    monkeypatch.setattr(bench, "MetropolisChain", FakeChain)
    monkeypatch.setattr(bench, "MultispinChain", FakeMulti)
    monkeypatch.setattr(bench, "numpy_metropolis_sweeps", fake_numpy)
    return clock


def test_rates_count_every_attempt_and_keep_the_best_run(fake):
    before = numba.get_num_threads()
    result = bench.run(L=16, sweeps=7, numpy_sweeps=3, repeats=4)
    threads = numba.config.NUMBA_NUM_THREADS
    assert numba.get_num_threads() == before
    assert set(result) == KEYS and result["L"] == 16 and result["threads"] == threads
    # L^2 attempts per sweep, time of the least disturbed run: rate = 1 / (ns per attempt)
    assert result["flips_per_ns_1thread"] == pytest.approx(1 / NUMBA_NS, rel=1e-9)
    assert result["flips_per_ns_all_threads"] == pytest.approx(threads / NUMBA_NS, rel=1e-9)
    assert result["numpy_flips_per_ns"] == pytest.approx(1 / NUMPY_NS, rel=1e-9)
    assert result["speedup_vs_numpy"] == pytest.approx(NUMPY_NS / NUMBA_NS, rel=1e-9)
    assert result["speedup_all_vs_1thread"] == pytest.approx(threads, rel=1e-9)
    assert result["multispin_flips_per_ns_1thread"] == pytest.approx(1 / MULTI_NS, rel=1e-9)
    assert result["multispin_vs_checkerboard"] == pytest.approx(NUMBA_NS / MULTI_NS, rel=1e-9)
    assert result["multispin_all_vs_1thread"] == pytest.approx(threads, rel=1e-9)
    n_kernels = len({1, threads})
    # warm-ups, then the repeats
    assert fake.calls == {"numba": n_kernels * (1 + 4), "multi": n_kernels * (1 + 4), "numpy": 1 + 4}


def test_report_shows_the_numbers(fake):
    text = bench.format_report(bench.run(L=16, sweeps=7, numpy_sweeps=3, repeats=2))
    lines = text.splitlines()
    assert lines[0] == "Ising checkerboard Metropolis, L = 16 (spin-flip attempts per ns)"
    assert "   2.000  (0.500 ns/attempt)" in lines[1]
    assert lines[3].split() == ["numpy", "reference", "0.250"]
    assert lines[4].endswith("x8.0")


def test_real_run_restores_threads():
    before = numba.get_num_threads()
    result = bench.run(L=64, sweeps=5, numpy_sweeps=1, repeats=1)
    assert numba.get_num_threads() == before
    assert set(result) == KEYS and result["L"] == 64
    assert np.isfinite([result[k] for k in KEYS]).all()


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
