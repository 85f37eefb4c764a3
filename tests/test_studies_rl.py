"""The RL studies: energy levels (Q-learning = value iteration), qubit (fidelity >= 0.99), thermostat (runs, scored)."""

from __future__ import annotations

import pytest

from physml.studies import run_study

from conftest import single_threaded

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)


def test_rl_energy_levels_recovers_value_iteration():
    r = run_study("rl-energy-levels", quick=True, seed=0, progress=False, overrides={"n_seeds": 1})
    assert r.metrics["policy_exact_all_seeds"] == 1.0
    assert r.audits[0].passed, [(c.name, c.value) for c in r.audits[0].checks]
    assert {f.name for f in r.figures} == {"q_values", "learning_curve"}


@pytest.mark.slow
def test_rl_qubit_reaches_high_fidelity():
    # the quick preset itself (16 bang-bang steps, 24,000 training steps; ~40 s): shorter runs stall near F = 0.988
    r = run_study("rl-qubit", quick=True, seed=0, progress=False)
    assert r.metrics["optimal_fidelity_exhaustive"] > 0.9999
    assert r.metrics["final_fidelity"] >= 0.99
    assert r.metrics["final_fidelity"] <= r.metrics["optimal_fidelity_exhaustive"] + 1e-12  # nothing beats the optimum


def test_rl_thermostat_scores_both_controllers_on_the_same_episodes():
    # training to PID level takes the default preset (minutes); here: the pipeline, the PID tuning and the scoring
    r = run_study("rl-thermostat", quick=True, seed=0, progress=False,
                  overrides={"steps": 500, "tune_episodes": 1, "eval_episodes": 2,
                             "hyper": {"n_steps": 250, "batch_size": 50, "n_epochs": 1}})
    m = r.metrics
    assert m["pid_mean_abs_error"] < m["no_control_mean_abs_error"]  # the tuned PID controls the temperature
    assert {"agent_mean_abs_error", "pid_mean_abs_error"} <= set(m)
    # same episodes for both: the paired difference's mean is the difference of the means
    assert m["agent_minus_pid"] == pytest.approx(m["agent_mean_abs_error"] - m["pid_mean_abs_error"], abs=1e-12)
    assert {f.name for f in r.figures} == {"trajectories", "learning_curve"}
