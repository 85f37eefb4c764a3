"""Classical controllers and closed-loop rollouts, the baselines RL controllers are compared with."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

__all__ = ["PID", "rollout", "tune_pid"]


@dataclass
class PID:
    """Discrete PID on an error ``e`` (observation component ``index``): ``u = -(kp e + ki sum e + kd (e - e_prev))``,
    clipped to ``[-1, 1]``; the integral is clamped to ``+-windup`` (anti-windup). Call :meth:`reset` per episode."""

    kp: float
    ki: float = 0.0
    kd: float = 0.0
    index: int = 0
    windup: float = 5.0

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._integral = 0.0
        self._prev: float | None = None

    def __call__(self, obs) -> np.ndarray:
        e = float(np.asarray(obs).ravel()[self.index])
        self._integral = float(np.clip(self._integral + e, -self.windup, self.windup))
        de = 0.0 if self._prev is None else e - self._prev
        self._prev = e
        u = -(self.kp * e + self.ki * self._integral + self.kd * de)
        return np.array([np.clip(u, -1.0, 1.0)], np.float32)


def rollout(env: gym.Env, controller: Callable, seed: int, *, info_key: str = "temperature",
            reset: Callable[[], None] | None = None) -> tuple[np.ndarray, float]:
    """One episode under ``controller(obs) -> action``: (``info[info_key]`` per step, return)."""
    if reset is not None:
        reset()
    obs, info = env.reset(seed=seed)
    values, total, done = [info[info_key]], 0.0, False
    while not done:
        obs, r, term, trunc, info = env.step(controller(obs))
        values.append(info[info_key])
        total += float(r)
        done = term or trunc
    return np.asarray(values), total


def tune_pid(env: gym.Env, score: Callable[[np.ndarray], float], seeds: Sequence[int], *,
             kp=(0.5, 1.0, 2.0, 4.0, 8.0), ki=(0.0, 0.1, 0.3, 1.0), kd=(0.0, 1.0, 3.0)) -> tuple[PID, float]:
    """Grid search of PID gains minimising the mean of ``score(trajectory)`` over episodes ``seeds``."""
    best, best_score = None, np.inf
    for p, i, d in itertools.product(kp, ki, kd):
        pid = PID(p, i, d)
        s = float(np.mean([score(rollout(env, pid, sd, reset=pid.reset)[0]) for sd in seeds]))
        if s < best_score:
            best, best_score = pid, s
    return best, best_score
