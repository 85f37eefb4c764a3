"""``physml/EnergyLevels-v0``: climbing a ladder of energy levels with one- and two-photon drives.

A small, exactly solvable MDP for tabular methods. Levels ``k = 0 .. n-1``;
the episode ends on reaching ``target``. Actions:

* 0, wait: spontaneous emission ``k -> k-1`` with probability ``decay`` (k > 0);
* 1, one-photon drive: ``k -> k+1`` with probability ``p1``, except from the
  levels in ``forbidden`` (a dipole selection rule: the one-photon transition
  out of them has zero matrix element, so it never succeeds);
* 2, two-photon drive: ``k -> k+2`` with probability ``p2`` (weaker), allowed
  everywhere below ``n-2``.

A drive that does not succeed leaves the system to decay as under ``wait``.
Each drive costs its photon energy (``cost1``, ``2 * cost1``); reaching the
target pays ``reward_target``. Episodes start in the ground state, or with
``random_start`` in a uniformly drawn non-target level (exploring starts). :meth:`EnergyLevelsEnv.transition_model`
returns the exact ``P[s, a, s']`` and expected rewards ``R[s, a]``, and
:func:`value_iteration` the optimal values and policy to compare learners with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ...errors import ParameterError
from ...validation import check_int, check_real

__all__ = ["EnergyLevelsParams", "EnergyLevelsEnv", "value_iteration"]


@dataclass(frozen=True)
class EnergyLevelsParams:
    n_levels: int = 7
    target: int = 6
    forbidden: tuple[int, ...] = (2,)
    p1: float = 0.9
    p2: float = 0.5
    decay: float = 0.2
    cost1: float = 0.05
    reward_target: float = 1.0
    random_start: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_levels", check_int("n_levels", self.n_levels, 3))
        t = self.target
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t < self.n_levels:
            raise ParameterError.invalid("target", t, f"an integer level in [1, {self.n_levels - 1}]")
        set_(self, "target", int(t))
        try:
            forb = tuple(sorted({int(k) for k in self.forbidden}))
        except (TypeError, ValueError):
            raise ParameterError.invalid("forbidden", self.forbidden, "a list of levels") from None
        if any(not 0 <= k < self.target for k in forb):
            raise ParameterError.invalid("forbidden", self.forbidden, f"levels in [0, {self.target - 1}]")
        set_(self, "forbidden", forb)
        for name in ("p1", "p2", "decay"):
            set_(self, name, check_real(name, getattr(self, name), 0.0, 1.0, "(probability)"))
        set_(self, "cost1", check_real("cost1", self.cost1, 0.0, 1e3, ""))
        set_(self, "reward_target", check_real("reward_target", self.reward_target, 0.0, 1e6, ""))
        set_(self, "random_start", bool(self.random_start))


class EnergyLevelsEnv(gym.Env):
    """Observation: the level (``Discrete(n_levels)``); actions: wait, one-photon, two-photon (``Discrete(3)``)."""

    metadata = {"render_modes": []}

    def __init__(self, **kwargs):
        self.params = EnergyLevelsParams(**kwargs)
        self.observation_space = spaces.Discrete(self.params.n_levels)
        self.action_space = spaces.Discrete(3)
        self._P, self._R = self.transition_model()
        self._level = 0

    def transition_model(self) -> tuple[np.ndarray, np.ndarray]:
        """``P[s, a, s']`` and expected reward ``R[s, a]``; the target level is absorbing with zero reward."""
        p = self.params
        n = p.n_levels
        P = np.zeros((n, 3, n))
        R = np.zeros((n, 3))
        for s in range(n):
            if s == p.target:
                P[s, :, s] = 1.0
                continue
            down = max(s - 1, 0)
            for a in range(3):
                step = (0, 1, 2)[a]
                prob = (0.0, 0.0 if s in p.forbidden else p.p1, p.p2)[a]
                if s + step > n - 1:
                    prob = 0.0
                if prob:
                    P[s, a, s + step] += prob
                P[s, a, down] += (1 - prob) * (p.decay if s > 0 else 0.0)
                P[s, a, s] += (1 - prob) * (1 - (p.decay if s > 0 else 0.0))
                R[s, a] = -p.cost1 * step + p.reward_target * P[s, a, p.target]
        return P, R

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        p = self.params
        starts = [k for k in range(p.n_levels) if k != p.target]
        self._level = int(self.np_random.choice(starts)) if p.random_start else 0
        return self._level, {}

    def step(self, action):
        if not self.action_space.contains(action):
            raise ParameterError.invalid("action", action, "0 (wait), 1 (one-photon) or 2 (two-photon)")
        s = self._level
        probs = self._P[s, int(action)]
        s2 = int(self.np_random.choice(self.params.n_levels, p=probs))
        reward = -self.params.cost1 * int(action) + (self.params.reward_target if s2 == self.params.target else 0.0)
        self._level = s2
        return s2, float(reward), s2 == self.params.target, False, {}

    def describe(self) -> dict:
        return asdict(self.params)


def value_iteration(P: np.ndarray, R: np.ndarray, gamma: float, *, terminal: np.ndarray | None = None,
                    tol: float = 1e-12, max_iter: int = 100_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal ``V``, ``Q`` and greedy policy of the MDP ``(P, R)`` with discount ``gamma``.

    ``Q(s, a) = R(s, a) + gamma sum_s' P(s, a, s') V(s')``, iterated to a sup-norm change below ``tol``;
    ``terminal`` states have ``V = 0``.
    """
    n = P.shape[0]
    V = np.zeros(n)
    for _ in range(max_iter):
        Q = R + gamma * P @ V
        V_new = Q.max(axis=1)
        if terminal is not None:
            V_new[terminal] = 0.0
        if np.max(np.abs(V_new - V)) < tol:
            V = V_new
            break
        V = V_new
    Q = R + gamma * P @ V
    if terminal is not None:
        Q[terminal] = 0.0
    return V, Q, Q.argmax(axis=1)
