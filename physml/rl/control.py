"""Classical controllers and closed-loop rollouts, the baselines RL controllers are compared with."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

__all__ = ["PID", "ScheduledPID", "rollout", "tune_pid", "tune_scheduled_pid"]


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


@dataclass
class ScheduledPID:
    """Gain scheduling on time: the ``early`` PID for the first ``switch`` control steps of an episode, then
    the ``late`` one (e.g. a strong gain through a transient, a gentle one that does not chase noise after it).
    Call :meth:`reset` per episode."""

    early: PID
    late: PID
    switch: int

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._k = 0
        self.early.reset()
        self.late.reset()

    def __call__(self, obs) -> np.ndarray:
        self._k += 1
        return (self.early if self._k <= self.switch else self.late)(obs)


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
    return _best(env, score, seeds, (PID(p, i, d) for p, i, d in itertools.product(kp, ki, kd)))


def tune_scheduled_pid(env: gym.Env, score: Callable[[np.ndarray], float], seeds: Sequence[int], *,
                       early_kp=(1.0, 2.0, 4.0), late_kp=(0.25, 0.5, 0.75), switch=(5, 10, 15)
                       ) -> tuple[ScheduledPID, float]:
    """Grid search of a proportional :class:`ScheduledPID` (early gain, late gain, switch step) minimising the
    mean of ``score(trajectory)`` over episodes ``seeds``."""
    return _best(env, score, seeds, (ScheduledPID(PID(e), PID(la), k)
                                     for e, la, k in itertools.product(early_kp, late_kp, switch)))


def _best(env, score, seeds, controllers):
    best, best_score = None, np.inf
    for ctrl in controllers:
        s = float(np.mean([score(rollout(env, ctrl, sd, reset=ctrl.reset)[0]) for sd in seeds]))
        if s < best_score:
            best, best_score = ctrl, s
    return best, best_score
