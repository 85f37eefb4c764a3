"""Baseline policies an RL agent is compared with on the same evaluation episodes.

* :class:`RandomPolicy`: uniform random actions from the action space, from its own seeded generator;
* :data:`HEURISTICS`: a one-line physical rule for the classic-control tasks where one is well known
  (push the cart toward the side the pole leans; push the car along its velocity; torque the acrobot's
  second joint along its angular velocity). :func:`heuristic_policy` returns it, or ``None``.

Each has ``predict(obs, deterministic=True)``, so :func:`physml.rl.agents.evaluate` runs it like an agent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["RandomPolicy", "Heuristic", "HEURISTICS", "heuristic_policy"]


class RandomPolicy:
    """Uniformly random actions (``Discrete``: each action equally likely; ``Box``: uniform in the finite bounds,
    an infinite bound replaced by +-1)."""

    def __init__(self, space: gym.Space, seed: int = 0):
        self.space = space
        self.rng = np.random.default_rng(seed)

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        if isinstance(self.space, gym.spaces.Discrete):
            return int(self.space.start + self.rng.integers(self.space.n))
        if isinstance(self.space, gym.spaces.Box):
            low = np.where(np.isfinite(self.space.low), self.space.low, -1.0)
            high = np.where(np.isfinite(self.space.high), self.space.high, 1.0)
            return self.rng.uniform(low, high).astype(self.space.dtype)
        raise TypeError(f"no random policy for a {type(self.space).__name__} action space")


@dataclass(frozen=True)
class Heuristic:
    """A fixed rule ``action = rule(obs)`` with the sentence that describes it."""

    rule: Callable[[np.ndarray], Any]
    description: str

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        return self.rule(np.asarray(obs))


HEURISTICS: dict[str, Heuristic] = {
    "CartPole-v1": Heuristic(lambda o: int(o[2] > 0), "push the cart toward the side the pole leans (sign of the "
                                                      "pole angle)"),
    "MountainCar-v0": Heuristic(lambda o: 2 if o[1] >= 0 else 0, "push the car along its velocity (pumps energy)"),
    "Acrobot-v1": Heuristic(lambda o: 2 if o[5] > 0 else 0, "torque the second joint along its angular velocity"),
}


def heuristic_policy(env_id: str) -> Heuristic | None:
    """The heuristic baseline of ``env_id``, or ``None`` where physml knows none."""
    return HEURISTICS.get(env_id)
