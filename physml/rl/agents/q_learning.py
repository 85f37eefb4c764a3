"""Tabular Q-learning (Watkins 1989), with a uniform discretisation wrapper for Box observations.

``Q(s, a) += alpha_n [r + gamma max_a' Q(s', a') (1 - terminated) - Q(s, a)]``
with epsilon-greedy exploration (epsilon decays linearly from ``eps_start``
to ``eps_end`` over ``eps_fraction`` of training). The step size is constant
(``alpha``) or, with ``alpha_power = w > 0``, ``alpha_n = n(s, a)^-w`` for the
n-th update of the pair: the Robbins-Monro conditions (1/2 < w <= 1) under
which Q-learning converges to Q* in a finite MDP. A truncated episode (time
limit) still bootstraps from its last state; only termination stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from ...errors import ParameterError
from ...validation import Real
from ._base import COUNT, DISCOUNT, FRACTION, POSITIVE, Agent, Hyper, finite_bounds, linear_schedule

__all__ = ["QLearning", "QLearningHyper", "Discretizer"]


@dataclass(frozen=True)
class QLearningHyper(Hyper):
    """Q-learning's hyper-parameters: discount, step size, epsilon schedule, discretisation of Box observations."""

    gamma: float = 0.99
    alpha: float = 0.1
    """Constant step size (used when ``alpha_power`` is 0)."""
    alpha_power: float = 0.0
    """``w`` of the step size ``n(s, a)^-w``; 0: the constant ``alpha``."""
    eps_start: float = 1.0
    eps_end: float = 0.05
    eps_fraction: float = 0.5
    bins: int = 10
    clip: float = 4.0
    """Infinite Box bounds are replaced by ``+-clip``."""

    agent: ClassVar[str] = "q-learning"
    CONSTRAINTS: ClassVar = {"gamma": DISCOUNT, "alpha": Real(0.0, 1.0, closed="right"), "alpha_power": FRACTION,
                             "eps_start": FRACTION, "eps_end": FRACTION, "eps_fraction": FRACTION, "bins": COUNT,
                             "clip": POSITIVE}


class Discretizer:
    """Map observations to one integer: ``Discrete`` as is; ``Box`` by ``bins`` equal bins per dimension
    between its bounds (infinite bounds replaced by ``+-clip``; values outside fall in the edge bins)."""

    def __init__(self, space: gym.Space, bins: int, clip: float):
        self.space = space
        if isinstance(space, gym.spaces.Discrete):
            self.n = int(space.n)
            self.start = int(space.start)
        elif isinstance(space, gym.spaces.Box):
            self.low, self.high = finite_bounds(space, clip)
            self.bins = int(bins)
            self.n = self.bins ** len(self.low)
            if self.n > 5_000_000:
                raise ParameterError.invalid("bins", bins, f"small enough that bins^{len(self.low)} <= 5e6 states")
        else:
            raise ParameterError.invalid("env", space, "Discrete or Box observations for tabular Q-learning")

    def __call__(self, obs: Any) -> int:
        if isinstance(self.space, gym.spaces.Discrete):
            return int(obs) - self.start
        x = (np.asarray(obs, float).ravel() - self.low) / (self.high - self.low)
        idx = np.clip((x * self.bins).astype(np.int64), 0, self.bins - 1)
        return int(np.ravel_multi_index(idx, (self.bins,) * len(idx)))


class QLearning(Agent):
    name = "q-learning"
    Hyper = QLearningHyper
    discrete_only = True

    def _build(self) -> None:
        h = self.hyper
        self.disc = Discretizer(self.env.observation_space, h.bins, h.clip)
        self.q = np.zeros((self.disc.n, int(self.env.action_space.n)))
        self.visits = np.zeros_like(self.q)

    def _learn(self, total_steps: int, progress: bool) -> None:
        h = self.hyper
        n_actions = self.q.shape[1]
        s = self.disc(self._reset())
        ep_return = 0.0
        for t in tqdm(range(total_steps), disable=not progress, desc=self.name):
            eps = linear_schedule(h.eps_start, h.eps_end, h.eps_fraction, t / total_steps)
            if self.rng.random() < eps:
                a = int(self.rng.integers(n_actions))
            else:
                a = self._greedy(s)
            obs, r, term, trunc, _ = self.env.step(a)
            s2 = self.disc(obs)
            self.visits[s, a] += 1
            alpha = self.visits[s, a] ** -h.alpha_power if h.alpha_power > 0 else h.alpha
            target = r + (0.0 if term else h.gamma * self.q[s2].max())
            self.q[s, a] += alpha * (target - self.q[s, a])
            ep_return += r
            self.steps_done += 1
            self._tick()
            s = s2
            if term or trunc:
                self.curve.add(self.steps_done, ep_return)
                ep_return = 0.0
                s = self.disc(self._reset())

    def _greedy(self, s: int) -> int:
        row = self.q[s]
        best = np.flatnonzero(row == row.max())
        return int(best[0]) if len(best) == 1 else int(self.rng.choice(best))

    def predict(self, obs: Any, deterministic: bool = True) -> int:
        return int(np.argmax(self.q[self.disc(obs)]))

    def policy(self) -> np.ndarray:
        """The greedy action of every (discretised) state."""
        return self.q.argmax(axis=1)

    def _state(self) -> dict[str, np.ndarray]:
        return {"q": self.q, "visits": self.visits}

    def _load_state(self, state: dict[str, np.ndarray]) -> None:
        self.q, self.visits = state["q"], state["visits"]
