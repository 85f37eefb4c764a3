"""Agents: same seed same learning curve, save/load, Q-learning against value iteration, learning on tiny runs."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

from conftest import single_threaded
from physml.errors import DataError, ParameterError, UnknownNameError
from physml.rl.agents import (
    AGENTS,
    A2CHyper,
    Discretizer,
    DQNHyper,
    PPOHyper,
    QLearning,
    QLearningHyper,
    ReinforceHyper,
    check_hyper,
    evaluate,
    load_agent,
    make_agent,
)
from physml.rl.envs import value_iteration

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


# -- typed hyper-parameters -------------------------------------------------------------------------
def test_each_agent_declares_its_hyper_parameters():
    assert {name: cls.Hyper for name, cls in AGENTS.items()} == {
        "q-learning": QLearningHyper, "dqn": DQNHyper, "reinforce": ReinforceHyper, "a2c": A2CHyper, "ppo": PPOHyper}
    for cls in AGENTS.values():
        h = cls.Hyper()
        assert set(h.CONSTRAINTS) == {f.name for f in dataclasses.fields(h)}  # every field is constrained
        with pytest.raises(dataclasses.FrozenInstanceError):
            h.gamma = 0.5


def test_hyper_reads_as_a_dict_and_keeps_the_defaults():
    agent = make_agent("ppo", gym.make("CartPole-v1"), hidden=[8], gamma=1)
    h = agent.hyper
    assert isinstance(h, PPOHyper) and h.hidden == (8,) and h["hidden"] == (8,)  # JSON lists become tuples
    assert h.gamma == 1.0 and isinstance(h.gamma, float)
    assert dict(h) == {**dataclasses.asdict(PPOHyper()), "hidden": (8,), "gamma": 1.0}
    assert dict(h.items())["n_steps"] == 256 and len(h) == len(dataclasses.fields(PPOHyper))
    with pytest.raises(KeyError):
        h["CONSTRAINTS"]
    # A2C is PPO's loop with its own defaults; inf switches the ratio clipping off and survives JSON
    a2c = A2CHyper()
    assert (a2c.n_steps, a2c.n_epochs, a2c.clip, a2c.anneal) == (16, 1, math.inf, False)
    assert A2CHyper(**json.loads(json.dumps(dict(a2c)))) == a2c


def test_saved_agent_json_holds_the_hyper_parameters(tmp_path):
    agent = make_agent("a2c", gym.make("CartPole-v1"), seed=3, hidden=(8,), lr=0.01)
    agent.save(tmp_path / "a")
    meta = json.loads((tmp_path / "a" / "agent.json").read_text())
    assert meta["hyper"] == {**json.loads(json.dumps(dict(A2CHyper()))), "hidden": [8], "lr": 0.01}
    assert load_agent(tmp_path / "a", gym.make("CartPole-v1")).hyper == agent.hyper


_BAD_HYPER = [  # (agent, hyper, parameter named in the message)
    ("ppo", {"n_steps": 0}, "n_steps"),
    ("ppo", {"gamma": 5.0}, "gamma"),
    ("ppo", {"gamma": 0.0}, "gamma"),
    ("ppo", {"lr": -1e-3}, "lr"),
    ("ppo", {"lr": float("nan")}, "lr"),
    ("ppo", {"lrr": 1.0}, "lrr"),
    ("ppo", {"gamma": "0.99"}, "gamma"),
    ("ppo", {"n_epochs": True}, "n_epochs"),
    ("ppo", {"batch_size": 2.0}, "batch_size"),
    ("ppo", {"clip": 0.0}, "clip"),
    ("ppo", {"hidden": (64, 0)}, "hidden"),
    ("ppo", {"policy_hidden": "64"}, "policy_hidden"),
    ("ppo", {"activation": "sigmoid"}, "activation"),
    ("ppo", {"anneal": 1}, "anneal"),
    ("ppo", {"gae_lambda": 1.5}, "gae_lambda"),
    ("a2c", {"ent_coef": -0.1}, "ent_coef"),
    ("dqn", {"eps_start": 1.5}, "eps_start"),
    ("dqn", {"learning_starts": -1}, "learning_starts"),
    ("dqn", {"gae_lambda": 0.9}, "gae_lambda"),  # a PPO key: not a hyper-parameter of DQN
    ("reinforce", {"episodes_per_update": 0}, "episodes_per_update"),
    ("q-learning", {"alpha": 0.0}, "alpha"),
    ("q-learning", {"bins": 0}, "bins"),
]


@pytest.mark.parametrize("name, hyper, param", _BAD_HYPER)
def test_bad_hyper_parameter_is_one_parameter_error(name, hyper, param):
    env_id = "physml/EnergyLevels-v0" if name == "q-learning" else "CartPole-v1"
    with pytest.raises(ParameterError, match=rf"^parameter '{param}' must be "):
        make_agent(name, gym.make(env_id), **hyper)
    with pytest.raises(ParameterError, match=rf"^parameter '{param}' must be "):
        check_hyper(name, **hyper)  # the same check without an environment (what a study's Config can call)


def test_check_hyper_returns_the_validated_values_and_refuses_unknown_agents():
    assert check_hyper("dqn", hidden=[32]) == DQNHyper(hidden=(32,))
    with pytest.raises(UnknownNameError, match="sarsa"):
        check_hyper("sarsa")
    with pytest.raises(ParameterError, match="seed"):
        make_agent("ppo", gym.make("CartPole-v1"), seed=-1)


@pytest.mark.parametrize("agent, hyper, param", [
    ("ppo", '{"n_steps": 0}', "n_steps"),
    ("ppo", '{"gamma": 5.0}', "gamma"),
    ("ppo", '{"lr": -0.001}', "lr"),
    ("ppo", '{"n_stepz": 16}', "n_stepz"),
    ("ppo", '{"gamma": "high"}', "gamma"),
    ("ppo", '{"batch_size": true}', "batch_size"),
    ("dqn", '{"exploration_fraction": 2}', "exploration_fraction"),
])
def test_cli_rl_train_bad_hyper_exits_2_with_one_line(agent, hyper, param, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "physml", "rl", "train", "CartPole-v1", "--steps", "100",
                           "--agent", agent, "--hyper", hyper], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"parameter '{param}' must be" in lines[0], proc.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # nothing written
