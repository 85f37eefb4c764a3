"""``physml/QubitControl-v0``: prepare a target state of a driven qubit (after Bukov et al., PRX 8, 031086, 2018).

``H(t) = -S^z - h(t) S^x`` (hbar = 1, ``S = sigma / 2``). The qubit starts in
the ground state of ``H(h_initial)`` and must reach the ground state of
``H(h_target)`` at time ``t_total``, in ``n_steps`` equal steps; in each the
agent holds the field constant: bang-bang ``h = +-h_max`` (``Discrete(2)``,
Bukov's protocol class) or, with ``continuous=True``, any ``h`` in
``[-h_max, h_max]`` (``Box``). Each step is the exact propagator
``exp(-i H dt) = cos(|b| dt) - i sin(|b| dt) (b . sigma) / |b|`` with
``H = b . sigma``, ``b = (-h/2, 0, -1/2)``.

Observation: the Bloch vector ``(x, y, z)`` of the state and the elapsed
fraction of ``t_total``. Reward: the change of fidelity
``F = |<target|psi>|^2`` over the step, so that an episode's return is
``F(t_total) - F(0)``: the final fidelity, less the (fixed) initial overlap
(``reward="final"`` pays ``F(t_total)`` at the last step only, as Bukov et al.).
:func:`best_bang_bang` finds the optimal bang-bang protocol by exhaustive search.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ...errors import ParameterError
from ...validation import check_int, check_real

__all__ = ["QubitParams", "QubitControlEnv", "propagator", "ground_state", "bloch", "best_bang_bang"]

_SX = np.array([[0, 1], [1, 0]], complex) / 2
_SY = np.array([[0, -1j], [1j, 0]], complex) / 2
_SZ = np.array([[1, 0], [0, -1]], complex) / 2


def propagator(h: float, dt: float) -> np.ndarray:
    """Exact ``exp(-i H dt)`` of ``H = -S^z - h S^x`` (2x2 unitary)."""
    b = np.array([-h / 2.0, 0.0, -0.5])
    nb = float(np.linalg.norm(b))
    n_sigma = (b[0] * 2 * _SX + b[2] * 2 * _SZ) / nb
    return np.cos(nb * dt) * np.eye(2) - 1j * np.sin(nb * dt) * n_sigma


def ground_state(h: float) -> np.ndarray:
    w, v = np.linalg.eigh(-_SZ - h * _SX)
    return v[:, 0]


def bloch(psi: np.ndarray) -> np.ndarray:
    return np.array([2 * np.real(np.vdot(psi, S @ psi)) for S in (_SX, _SY, _SZ)])


@dataclass(frozen=True)
class QubitParams:
    t_total: float = 3.0
    n_steps: int = 16
    h_max: float = 4.0
    h_initial: float = -2.0
    h_target: float = 2.0
    continuous: bool = False
    reward: str = "delta"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "t_total", check_real("t_total", self.t_total, 1e-3, 100.0, "(hbar/E)"))
        set_(self, "n_steps", check_int("n_steps", self.n_steps, 1))
        if self.n_steps > 1000:
            raise ParameterError.invalid("n_steps", self.n_steps, "an integer in [1, 1000]")
        set_(self, "h_max", check_real("h_max", self.h_max, 1e-3, 100.0, "(E)"))
        set_(self, "h_initial", check_real("h_initial", self.h_initial, -100.0, 100.0, "(E)"))
        set_(self, "h_target", check_real("h_target", self.h_target, -100.0, 100.0, "(E)"))
        set_(self, "continuous", bool(self.continuous))
        if self.reward not in ("delta", "final"):
            raise ParameterError.invalid("reward", self.reward, "'delta' or 'final'")


class QubitControlEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, **kwargs):
        self.params = p = QubitParams(**kwargs)
        self.dt = p.t_total / p.n_steps
        self.psi0 = ground_state(p.h_initial)
        self.target = ground_state(p.h_target)
        self.observation_space = spaces.Box(np.array([-1, -1, -1, 0], np.float32), np.ones(4, np.float32))
        if p.continuous:
            self.action_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        else:
            self.action_space = spaces.Discrete(2)
            self._U = (propagator(-p.h_max, self.dt), propagator(p.h_max, self.dt))
        self._psi = self.psi0.copy()
        self._k = 0

    def field(self, action) -> float:
        """The field ``h`` an action sets."""
        if self.params.continuous:
            return float(np.clip(np.asarray(action, np.float64).reshape(-1)[0], -1, 1)) * self.params.h_max
        return (-1.0, 1.0)[int(action)] * self.params.h_max

    def fidelity(self, psi: np.ndarray | None = None) -> float:
        psi = self._psi if psi is None else psi
        return float(abs(np.vdot(self.target, psi)) ** 2)

    def _obs(self) -> np.ndarray:
        b = np.clip(bloch(self._psi), -1, 1)
        return np.array([*b, self._k / self.params.n_steps], np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._psi = self.psi0.copy()
        self._k = 0
        return self._obs(), {"fidelity": self.fidelity()}

    def step(self, action):
        if not self.action_space.contains(np.asarray(action, np.float32) if self.params.continuous else action):
            raise ParameterError.invalid("action", action, f"an element of {self.action_space}")
        f_before = self.fidelity()
        U = propagator(self.field(action), self.dt) if self.params.continuous else self._U[int(action)]
        self._psi = U @ self._psi
        self._psi /= np.linalg.norm(self._psi)  # unitary to round-off; keep the norm exactly 1
        self._k += 1
        done = self._k >= self.params.n_steps
        F = self.fidelity()
        if self.params.reward == "delta":
            reward = F - f_before
        else:
            reward = F if done else 0.0
        return self._obs(), float(reward), done, False, {"fidelity": F, "field": self.field(action)}


def best_bang_bang(params: QubitParams | None = None) -> tuple[float, np.ndarray]:
    """Exhaustive search over all ``2^n_steps`` bang-bang protocols (n_steps <= 22): (best fidelity, its fields)."""
    p = params or QubitParams()
    if p.n_steps > 22:
        raise ParameterError.invalid("n_steps", p.n_steps, "<= 22 for exhaustive search")
    dt = p.t_total / p.n_steps
    Um, Up = propagator(-p.h_max, dt), propagator(p.h_max, dt)
    states = ground_state(p.h_initial)[None, :]
    for _ in range(p.n_steps):  # index bit k (from the most significant) = action at step k
        states = np.concatenate([states @ Um.T, states @ Up.T])
    F = np.abs(states @ ground_state(p.h_target).conj()) ** 2
    best = int(np.argmax(F))
    bits = [(best >> (p.n_steps - 1 - k)) & 1 for k in range(p.n_steps)]
    # the concatenation puts the last step's choice in the most significant position
    bits = bits[::-1]
    return float(F[best]), np.array([(-1.0, 1.0)[b] * p.h_max for b in bits])
