"""Classical baselines: the PID's discrete law and anti-windup, gain scheduling, and the grid tuners."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import physml  # noqa: F401
from physml.rl.control import PID, ScheduledPID, rollout, tune_pid, tune_scheduled_pid


def test_pid_discrete_law_clipping_and_anti_windup():
    pid = PID(2.0, 0.5, 1.0, windup=1.0)
    errors = [0.1, 0.3, -0.2, 0.05]
    integral, prev = 0.0, None
    for e in errors:
        integral = min(max(integral + e, -1.0), 1.0)
        de = 0.0 if prev is None else e - prev
        prev = e
        want = np.clip(-(2.0 * e + 0.5 * integral + 1.0 * de), -1, 1)
        assert pid(np.array([e]))[0] == pytest.approx(want, abs=1e-7)
    for _ in range(10):  # a persistent error: the integral stops at the clamp, the output at the bound
        u = pid(np.array([0.4]))
    assert pid._integral == 1.0 and u[0] == -1.0
    pid.reset()
    assert pid(np.array([0.1]))[0] == pytest.approx(-(0.2 + 0.05), abs=1e-7)


def test_scheduled_pid_switches_after_exactly_switch_steps_and_resets():
    sched = ScheduledPID(PID(2.0), PID(0.5), switch=3)
    out = [sched(np.array([0.1]))[0] for _ in range(5)]
    np.testing.assert_allclose(out, [-0.2, -0.2, -0.2, -0.05, -0.05], atol=1e-7)
    sched.reset()
    assert sched(np.array([0.1]))[0] == pytest.approx(-0.2, abs=1e-7)


def test_tuners_return_the_grid_point_with_the_lowest_score():
    # short seeded thermostat episodes (deterministic for a seed): the tuner's pick must score no worse than
    # every other grid point on the same episodes
    env = gym.make("physml/ThermostatControl-v0", episode_actions=6)

    def score(T):
        return float(np.mean(np.abs(T[1:] - 1.0)))

    grid = (0.5, 2.0)
    best, best_score = tune_pid(env, score, [1, 2], kp=grid, ki=(0.0,), kd=(0.0,))
    for kp in grid:
        pid = PID(kp)
        s = np.mean([score(rollout(env, pid, sd, reset=pid.reset)[0]) for sd in (1, 2)])
        assert best_score <= s + 1e-12
    assert best.kp in grid
    sched, sched_score = tune_scheduled_pid(env, score, [1, 2], early_kp=(2.0,), late_kp=(0.5, 2.0), switch=(2,))
    assert sched.early.kp == 2.0 and sched.late.kp in (0.5, 2.0) and sched.switch == 2
    # a schedule with equal gains is the plain PID: the tuner can only do as well or better
    assert sched_score <= np.mean([score(rollout(env, PID(2.0), sd)[0]) for sd in (1, 2)]) + 1e-12


def test_energy_feedback_sets_the_total_energy_it_aims_for():
    # one interval of the model-based controller moves the total energy per particle to E* up to the part of
    # the heating that the forces move into potential energy during the interval (same 30 % as the env's own test)
    from physml.rl.thermostat_control import EnergyFeedback

    env = gym.make("physml/ThermostatControl-v0", initial_temperature=(1.0, 1.0)).unwrapped
    obs, _ = env.reset(seed=3)
    for _ in range(5):
        obs, *_ = env.step(np.zeros(1, np.float32))
    s, p = env._system, env.params
    c = (3 * p.n_particles - 3) / (2 * p.n_particles)
    # the controller's reading of the energy from observations 4 and 5 is the system's energy
    assert c * p.target_temperature * (1 + obs[4]) + p.target_temperature * obs[5] == pytest.approx(
        s.kinetic + s.potential, abs=1e-5)
    for target_shift in (0.3, -0.3):
        E_star = s.kinetic + s.potential + target_shift
        ctrl = EnergyFeedback(u_star=E_star - c * p.target_temperature, params=p)
        a = ctrl(obs)
        assert -1 < a[0] < 1  # not clipped
        E_before = s.kinetic + s.potential
        obs, *_ = env.step(a)
        assert s.kinetic + s.potential - E_before == pytest.approx(target_shift, rel=0.3)


def test_energy_feedback_sign_and_clipping():
    # below the target energy it heats, above it cools, at it does nothing; far off it saturates at +-1
    from physml.rl.envs.thermostat import ThermostatParams
    from physml.rl.thermostat_control import EnergyFeedback

    p = ThermostatParams()
    c = (3 * p.n_particles - 3) / (2 * p.n_particles)
    u_star = -5.0
    ctrl = EnergyFeedback(u_star=u_star, params=p)
    obs = np.zeros(7, np.float32)
    obs[5] = u_star / p.target_temperature  # kinetic at the target (obs[4] = 0), potential at u*: E = E*
    assert ctrl(obs)[0] == pytest.approx(0.0, abs=1e-6)
    tau = p.steps_per_action * p.dt
    for dE in (0.05, -0.05):
        obs[5] = (u_star - dE) / p.target_temperature  # E = E* - dE
        want = np.log(1 + dE / (c * p.target_temperature)) / tau / p.max_rate
        assert ctrl(obs)[0] == pytest.approx(want, rel=1e-5) and np.sign(ctrl(obs)[0]) == np.sign(dE)
    obs[5] = (u_star - 100.0) / p.target_temperature
    assert ctrl(obs)[0] == 1.0
    obs[5] = (u_star + 100.0) / p.target_temperature
    assert ctrl(obs)[0] == -1.0


def test_canonical_potential_energy_is_reproducible_within_its_standard_error():
    # independent Langevin replicas (other seeds) agree within the quoted error: the error bar is honest
    from physml.rl.envs.thermostat import ThermostatParams
    from physml.rl.thermostat_control import canonical_potential_energy

    p = ThermostatParams()
    kw = dict(replicas=3, equilibrate=1000, samples=100)
    u0, se0 = canonical_potential_energy(p, seed=0, **kw)
    assert canonical_potential_energy(p, seed=0, **kw) == (u0, se0)  # seeded
    u1, se1 = canonical_potential_energy(p, seed=1, **kw)
    assert 0 < se0 < 0.05 and 0 < se1 < 0.05
    assert abs(u0 - u1) < 4 * np.hypot(se0, se1)
    # a bound liquid: negative, and above the FCC ground state of the full potential (-8.6; shifting raises it)
    assert -8.6 < u0 < 0
