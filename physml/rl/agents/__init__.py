"""Agents with one interface: ``Agent(env, seed=..., **hyper)``, ``learn(total_steps)``, ``predict(obs)``,
``save(path)`` / ``Agent.load(path, env)`` (safetensors + JSON), ``curve`` (episode returns vs steps).

* :class:`QLearning` (tabular, :class:`Discretizer` for Box observations), :class:`DQN`,
  :class:`Reinforce`, :class:`PPO` and :class:`A2C` (discrete and continuous actions).
* Their hyper-parameters: one frozen dataclass each (:class:`QLearningHyper`, :class:`DQNHyper`,
  :class:`ReinforceHyper`, :class:`A2CHyper`, :class:`PPOHyper`) with its defaults and constraints; a wrong
  name, type or range is one :class:`~physml.errors.ParameterError` at construction (:func:`check_hyper`
  checks a set of keywords without an environment, e.g. in a study's ``Config``).
* :func:`make_agent` by name (``AGENTS``), :func:`evaluate` (greedy returns), :func:`load_agent`.

Each is written out in one compact file rather than taken from Stable-Baselines3 so that the algorithm
reads top to bottom and follows physml's seeding rules (SB3 seeds numpy's and torch's global RNGs);
``benchmarks/rl_cartpole.py`` times DQN and PPO beside SB3's in the same run.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym

from ...errors import DataError, UnknownNameError
from ._base import Agent, Hyper, LearningCurve, check_steps, evaluate
from .dqn import DQN, DQNHyper
from .ppo import A2C, PPO, A2CHyper, PPOHyper
from .q_learning import Discretizer, QLearning, QLearningHyper
from .reinforce import Reinforce, ReinforceHyper

__all__ = ["Agent", "Hyper", "LearningCurve", "evaluate", "check_steps", "QLearning", "QLearningHyper", "Discretizer",
           "DQN", "DQNHyper", "Reinforce", "ReinforceHyper", "PPO", "PPOHyper", "A2C", "A2CHyper",
           "AGENTS", "make_agent", "load_agent", "check_hyper"]

AGENTS: dict[str, type[Agent]] = {c.name: c for c in (QLearning, DQN, Reinforce, A2C, PPO)}


def check_hyper(name: str, **hyper) -> Hyper:
    """The validated hyper-parameters of agent ``name`` (UnknownNameError, or ParameterError for a wrong key,
    type or range), without building the agent."""
    if name not in AGENTS:
        raise UnknownNameError("agent", name, list(AGENTS))
    return AGENTS[name].Hyper.from_kwargs(**hyper)


def make_agent(name: str, env: gym.Env, *, seed: int = 0, **hyper) -> Agent:
    try:
        cls = AGENTS[name]
    except KeyError:
        raise UnknownNameError("agent", name, list(AGENTS)) from None
    return cls(env, seed=seed, **hyper)


def load_agent(path: str | Path, env: gym.Env) -> Agent:
    import json

    try:
        name = json.loads((Path(path) / "agent.json").read_text())["agent"]
    except (OSError, ValueError, KeyError):
        raise DataError(f"no saved agent in {str(path)!r} (agent.json missing or unreadable)") from None
    if name not in AGENTS:
        raise UnknownNameError("agent", name, list(AGENTS))
    return AGENTS[name].load(path, env)
