"""Thread discipline: a run's default thread count is the cores free to it (affinity minus other runs' claims)."""

from __future__ import annotations

import os
import subprocess
import sys

from physml.studies import _runner


def test_available_threads_subtracts_live_claims_and_drops_dead_ones(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(_runner, "_claims_dir", lambda: str(tmp_path))
    monkeypatch.setattr(_runner, "_cores", lambda: 4)
    assert _runner.available_threads() == 4
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"{dead.pid}-3").touch()  # a run that died without removing its claim
    (tmp_path / f"{os.getppid()}-1").touch()  # a live one
    assert _runner.available_threads() == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{os.getppid()}-1"]  # the stale claim is gone
    with _runner.claim_threads(2):  # our own claim does not count against us ...
        assert (tmp_path / f"{os.getpid()}-2").exists() and _runner.available_threads() == 3
    assert not (tmp_path / f"{os.getpid()}-2").exists()  # ... and is withdrawn at the end
    (tmp_path / f"{os.getppid()}-1").rename(tmp_path / f"{os.getppid()}-8")
    assert _runner.available_threads() == 1  # never below one
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert _runner.available_threads() == 2  # an explicit setting wins
