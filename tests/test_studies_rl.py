"""The RL studies: energy levels (Q-learning = value iteration), qubit (fidelity >= 0.99), thermostat (runs, scored)."""

from __future__ import annotations

import numpy as np
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


@pytest.mark.parametrize("observation", ["full", "interval"])
def test_rl_thermostat_scores_both_controllers_on_the_same_episodes(observation):
    # training to PID level takes the default preset (minutes); here: the pipeline, the PID tuning and the scoring
    # (with the agent's observation cut to the interval signals, energy feedback still sees the energy)
    r = run_study("rl-thermostat", quick=True, seed=0, progress=False,
                  overrides={"steps": 500, "tune_episodes": 1, "eval_episodes": 2, "pid_kp": [1.0, 2.0],
                             "env_kwargs": {"effort": 0.0, "observation": observation},
                             "hyper": {"n_steps": 250, "batch_size": 50, "n_epochs": 1}})
    m = r.metrics
    assert m["pid_mean_abs_error"] < m["no_control_mean_abs_error"]  # the tuned PID controls the temperature
    assert {"agent_mean_abs_error", "pid_mean_abs_error"} <= set(m)
    # same episodes for both: the paired difference's mean is the difference of the means
    assert m["agent_minus_pid"] == pytest.approx(m["agent_mean_abs_error"] - m["pid_mean_abs_error"], abs=1e-12)
    assert m["energy_feedback_mean_abs_error"] < m["no_control_mean_abs_error"]
    assert {f.name for f in r.figures} == {"trajectories", "learning_curve"}


def test_energy_feedback_sets_the_total_energy_it_aims_for():
    # one interval of the model-based controller moves the total energy per particle to E* up to the part of
    # the heating that the forces move into potential energy during the interval (same 30 % as the env's own test)
    import gymnasium as gym

    from physml.studies.rl_thermostat import EnergyFeedback

    env = gym.make("physml/ThermostatControl-v0", initial_temperature=(1.0, 1.0)).unwrapped
    obs, _ = env.reset(seed=3)
    for _ in range(5):
        obs, *_ = env.step(np.zeros(1, np.float32))
    s, p = env._system, env.params
    E0 = s.kinetic + s.potential
    c = (3 * p.n_particles - 3) / (2 * p.n_particles)
    assert c * p.target_temperature * (1 + obs[4]) + p.target_temperature * obs[5] == pytest.approx(E0, abs=1e-5)
    for target_shift in (0.3, -0.3):
        E_star = s.kinetic + s.potential + target_shift
        ctrl = EnergyFeedback(u_star=E_star - c * p.target_temperature, params=p)
        a = ctrl(obs)
        assert -1 < a[0] < 1  # not clipped
        E_before = s.kinetic + s.potential
        obs, *_ = env.step(a)
        assert s.kinetic + s.potential - E_before == pytest.approx(target_shift, rel=0.3)


def test_canonical_potential_energy_is_reproducible_within_its_standard_error():
    # independent Langevin replicas (other seeds) agree within the quoted error: the error bar is honest
    from physml.rl.envs.thermostat import ThermostatParams
    from physml.studies.rl_thermostat import canonical_potential_energy

    p = ThermostatParams()
    kw = dict(replicas=3, equilibrate=1000, samples=100)
    u0, se0 = canonical_potential_energy(p, seed=0, **kw)
    assert canonical_potential_energy(p, seed=0, **kw) == (u0, se0)  # seeded
    u1, se1 = canonical_potential_energy(p, seed=1, **kw)
    assert 0 < se0 < 0.05 and 0 < se1 < 0.05
    assert abs(u0 - u1) < 4 * np.hypot(se0, se1)
    # a bound liquid: negative, and above the FCC ground state of the full potential (-8.6; shifting raises it)
    assert -8.6 < u0 < 0


@pytest.mark.parametrize("overrides, name", [({"pid_kp": []}, "pid_kp"), ({"pid_kp": [1.0, -2.0]}, "pid_kp"),
                                             ({"agent": "dqn"}, "agent"), ({"settle": 60}, "settle")])
def test_rl_thermostat_bad_config_is_one_line_naming_the_parameter(overrides, name):
    from physml.errors import ParameterError

    with pytest.raises(ParameterError, match=f"'{name}'") as e:
        run_study("rl-thermostat", quick=True, seed=0, progress=False, overrides=overrides)
    assert "\n" not in str(e.value)
