"""physml's Gymnasium environments: registration, check_env, determinism, and the physics inside each."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from scipy.linalg import expm

from physml.errors import ParameterError
from physml.rl import ENV_IDS
from physml.rl.envs import EnergyLevelsEnv, QubitControlEnv, QubitParams, best_bang_bang, value_iteration
from physml.rl.envs.qubit_control import _SX, _SZ, ground_state, propagator


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env(env_id):
    check_env(gym.make(env_id).unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id, kwargs", [(i, {}) for i in ENV_IDS] + [
    ("physml/QubitControl-v0", {"continuous": True}), ("physml/ThermostatControl-v0", {"n_actions": 5})])
def test_same_seed_same_trajectory(env_id, kwargs):
    def rollout(seed, action_seed=0):
        env = gym.make(env_id, **kwargs)
        env.action_space.seed(action_seed)
        obs, _ = env.reset(seed=seed)
        out = [np.asarray(obs, float).ravel()]
        for _ in range(12):
            obs, r, term, trunc, _ = env.step(env.action_space.sample())
            out.append(np.append(np.asarray(obs, float).ravel(), r))
            if term or trunc:
                obs, _ = env.reset()
        return np.concatenate(out)

    a = rollout(3)
    np.testing.assert_array_equal(a, rollout(3))
    # the same actions from another environment seed: the stochastic environments (random decays of the levels,
    # random initial temperature and velocities) follow another trajectory; the qubit's dynamics is the
    # deterministic Schroedinger equation from a fixed state, so its trajectory is the seed's to ignore
    stochastic = env_id != "physml/QubitControl-v0"
    assert np.array_equal(a, rollout(4)) != stochastic


def test_import_physml_is_light_and_physml_rl_registers():
    import subprocess
    import sys

    code = ("import sys, physml; heavy = ('gymnasium', 'torch', 'sklearn', 'numba');"
            "print(sorted(m for m in heavy if m in sys.modules));"
            "import physml.rl, gymnasium as gym; gym.make('physml/EnergyLevels-v0');"
            "print(sorted(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "['gymnasium']"]  # registering imports Gymnasium alone


# -- energy levels ---------------------------------------------------------------------------
def test_energy_levels_model_is_stochastic_and_value_iteration_is_optimal():
    env = EnergyLevelsEnv()
    P, R = env.transition_model()
    np.testing.assert_allclose(P.sum(axis=2), 1.0, atol=1e-15)
    terminal = np.zeros(P.shape[0], bool)
    terminal[env.params.target] = True
    gamma = 0.8
    V, Q, pi = value_iteration(P, R, gamma, terminal=terminal)
    # the greedy policy's exact value, (I - gamma P_pi)^-1 R_pi, equals V (policy evaluation = Bellman optimum)
    n = P.shape[0]
    P_pi = P[np.arange(n), pi].copy()
    R_pi = R[np.arange(n), pi].copy()
    P_pi[terminal] = 0.0
    R_pi[terminal] = 0.0
    np.testing.assert_allclose(np.linalg.solve(np.eye(n) - gamma * P_pi, R_pi), V, atol=1e-10)
    # no single-state deviation improves it (policy improvement theorem)
    assert np.all(Q.max(axis=1) <= V + 1e-10)
    assert pi[2] == 2  # level 2 is dipole-forbidden: the optimum uses the two-photon drive there


def test_energy_levels_empirical_transitions_match_the_model():
    env = EnergyLevelsEnv()
    P, _ = env.transition_model()
    env.reset(seed=0)
    counts = np.zeros(env.params.n_levels)
    n = 4000
    for _ in range(n):
        env._level = 3
        counts[env.step(1)[0]] += 1
    # binomial standard error sqrt(p(1-p)/n) <= 0.008; 5 sigma
    np.testing.assert_allclose(counts / n, P[3, 1], atol=0.04)


# -- qubit --------------------------------------------------------------------------------------
def test_qubit_propagator_is_the_exact_exponential():
    for h in (-4.0, 0.3, 4.0):
        H = -_SZ - h * _SX
        np.testing.assert_allclose(propagator(h, 0.37), expm(-1j * 0.37 * H), atol=1e-14)


def test_qubit_protocol_replay_and_optimum():
    p = QubitParams(n_steps=10)
    F, fields = best_bang_bang(p)
    env = QubitControlEnv(n_steps=10)
    env.reset(seed=0)
    F0 = env.fidelity()
    total = 0.0
    for h in fields:
        _, r, term, _, info = env.step(int(h > 0))
        total += r
    assert term and info["fidelity"] == pytest.approx(F, abs=1e-12)
    assert total == pytest.approx(F - F0, abs=1e-12)  # telescoping reward
    assert F > 0.999  # Bukov et al.: above the quantum speed limit (T ~ 2.4) the bang-bang optimum reaches F ~ 1
    # initial overlap of the two ground states, closed form: cos^2 of half the angle between the field directions
    th = np.arctan2(-2.0, 1.0) - np.arctan2(2.0, 1.0)
    assert F0 == pytest.approx(np.cos(th / 2) ** 2, abs=1e-12)
    assert abs(np.vdot(ground_state(2.0), ground_state(2.0))) == pytest.approx(1.0)


# -- thermostat -----------------------------------------------------------------------------------
@pytest.mark.parametrize("observation", ["interval", "interval+time", "interval+energy"])
def test_thermostat_observation_subsets_are_slices_of_the_full_observation(observation):
    from physml.rl.envs.thermostat import OBSERVATIONS

    sub = gym.make("physml/ThermostatControl-v0", observation=observation).unwrapped
    check_env(sub, skip_render_check=True)
    full = gym.make("physml/ThermostatControl-v0").unwrapped
    keep = list(OBSERVATIONS[observation])
    for env in (sub, full):
        env.reset(seed=7)
    a = np.array([0.3], np.float32)
    for _ in range(3):  # same seed, same actions: the same dynamics, seen through fewer numbers
        o_sub, *_ = sub.step(a)
        o_full, *_ = full.step(a)
        np.testing.assert_array_equal(o_sub, o_full[keep])
    assert sub.observation_space.shape == (len(keep),)


def test_thermostat_heating_rate_acts_as_documented():
    env = gym.make("physml/ThermostatControl-v0", initial_temperature=(1.0, 1.0)).unwrapped
    env.reset(seed=1)
    s = env._system
    E0 = s.kinetic + s.potential
    for _ in range(5):
        env.step(np.array([0.0], np.float32))  # zero rate: plain NVE
    assert abs(s.kinetic + s.potential - E0) < 5e-3
    K0 = s.kinetic
    U0 = s.potential
    env.step(np.array([1.0], np.float32))
    # kinetic energy gains a factor (1 + r dt)^steps without forces; the forces move only part of it
    gain = (1 + 5.0 * 0.005) ** 20
    assert s.kinetic + s.potential - (K0 + U0) == pytest.approx(K0 * (gain - 1), rel=0.3)


@pytest.mark.parametrize("env_id, kwargs, name", [
    ("physml/EnergyLevels-v0", {"target": 9}, "target"),
    ("physml/EnergyLevels-v0", {"p1": 1.5}, "p1"),
    ("physml/QubitControl-v0", {"t_total": -1.0}, "t_total"),
    ("physml/QubitControl-v0", {"reward": "bonus"}, "reward"),
    ("physml/ThermostatControl-v0", {"n_particles": 100}, "n_particles"),
    ("physml/ThermostatControl-v0", {"dt": 0.5}, "dt"),
    ("physml/ThermostatControl-v0", {"observation": "energy"}, "observation"),
])
def test_bad_environment_parameters(env_id, kwargs, name):
    with pytest.raises(ParameterError, match=name):
        gym.make(env_id, **kwargs)
