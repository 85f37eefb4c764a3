"""Agents: same seed same learning curve, save/load, Q-learning against value iteration, learning on tiny runs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import physml  # noqa: F401
from physml.errors import DataError, ParameterError
from physml.rl.agents import AGENTS, Discretizer, QLearning, evaluate, load_agent, make_agent
from physml.rl.envs import value_iteration

from conftest import single_threaded

_threads = pytest.fixture(autouse=True, scope="module")(single_threaded)

_TINY = {"q-learning": {}, "dqn": {"learning_starts": 50, "train_freq": 50, "gradient_steps": 2, "batch_size": 16,
                                   "hidden": (16,)},
         "reinforce": {"hidden": (16,)}, "a2c": {"hidden": (16,)}, "ppo": {"hidden": (16,), "n_steps": 64,
                                                                           "batch_size": 32, "n_epochs": 2}}


@pytest.mark.parametrize("name", list(AGENTS))
def test_same_seed_same_learning_curve_and_save_load(name, tmp_path):
    env_id = "physml/EnergyLevels-v0" if name == "q-learning" else "CartPole-v1"

    def train(seed):
        return make_agent(name, gym.make(env_id), seed=seed, **_TINY[name]).learn(400)

    a, b = train(7), train(7)
    assert a.curve.returns == b.curve.returns and a.curve.steps == b.curve.steps and len(a.curve.returns) > 2
    assert train(8).curve.returns != a.curve.returns
    a.save(tmp_path / "agent")
    c = load_agent(tmp_path / "agent", gym.make(env_id))
    env = gym.make(env_id)
    obs, _ = env.reset(seed=0)
    for _ in range(20):
        assert np.array_equal(np.asarray(a.predict(obs)), np.asarray(c.predict(obs)))
        obs, _, term, trunc, _ = env.step(a.predict(obs))
        if term or trunc:
            obs, _ = env.reset()


def test_load_refuses_another_environment(tmp_path):
    make_agent("ppo", gym.make("CartPole-v1"), hidden=(8,)).save(tmp_path / "a")
    with pytest.raises(DataError, match="observation_space"):
        load_agent(tmp_path / "a", gym.make("physml/QubitControl-v0"))


def test_q_learning_recovers_the_value_iteration_policy():
    env = gym.make("physml/EnergyLevels-v0", random_start=True)
    P, R = env.unwrapped.transition_model()
    terminal = np.arange(P.shape[0]) == env.unwrapped.params.target
    _, Q, pi = value_iteration(P, R, 0.8, terminal=terminal)
    agent = QLearning(env, seed=0, gamma=0.8, alpha_power=0.85, eps_start=1.0, eps_end=1.0).learn(100_000)
    # Robbins-Monro step sizes n^-0.85, every pair visited thousands of times (uniform exploration, random starts):
    # |Q - Q*| below the smallest action gap of Q* (0.011 here; < gap/2 guarantees the same greedy action)
    q_sorted = np.sort(Q[~terminal], axis=1)
    gap = np.min(q_sorted[:, -1] - q_sorted[:, -2])
    assert np.abs(agent.q[~terminal] - Q[~terminal]).max() < gap
    np.testing.assert_array_equal(agent.policy()[~terminal], pi[~terminal])


def test_discretizer_bins_and_edges():
    space = gym.spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 2.0], np.float32))
    d = Discretizer(space, 4, clip=5.0)
    assert d.n == 16
    assert d([-1.0, 0.0]) == 0 and d([0.99, 1.99]) == 15 and d([5.0, -3.0]) == 12  # outside -> edge bins


@pytest.mark.parametrize("name", ["reinforce", "ppo"])
def test_policy_gradient_improves_on_cartpole(name):
    env = gym.make("CartPole-v1")
    agent = make_agent(name, env, seed=0, **({"hidden": (32,)} if name == "reinforce" else {})).learn(6000)
    first = np.mean(agent.curve.returns[:10])
    # a random policy balances ~22 steps; a learning agent's greedy policy does clearly better within 6000 steps
    assert evaluate(agent, gym.make("CartPole-v1"), 5).mean() > max(2 * first, 60)


def test_continuous_ppo_runs_on_the_qubit():
    env = gym.make("physml/QubitControl-v0", continuous=True)
    agent = make_agent("ppo", env, seed=0, hidden=(16,), n_steps=64, batch_size=32, n_epochs=2).learn(256)
    a = agent.predict(env.reset(seed=0)[0])
    assert a.shape == (1,) and -1 <= a[0] <= 1


def test_agent_errors():
    with pytest.raises(ParameterError, match="steps"):
        make_agent("ppo", gym.make("CartPole-v1")).learn(0)
    with pytest.raises(ParameterError, match="Discrete"):
        make_agent("dqn", gym.make("Pendulum-v1"))
    with pytest.raises(ParameterError, match="lrr"):
        make_agent("ppo", gym.make("CartPole-v1"), lrr=1.0)
