"""``physml/ThermostatControl-v0``: hold a Lennard-Jones system at a target temperature by setting its heating rate.

The system is :class:`physml.sim.md.LJSystem` (reduced units): ``n_particles``
atoms at ``density``, starting each episode from an FCC lattice with
Maxwell-Boltzmann velocities at a temperature drawn uniformly from
``initial_temperature``. The lattice melts and kinetic energy flows into
potential energy, so the temperature relaxes by itself for a while: a
controller has to anticipate it. Every control interval of ``steps_per_action``
velocity-Verlet steps the agent sets the heating (> 0) or cooling (< 0) rate
``r = action * max_rate``: velocities are scaled by ``sqrt(1 + r dt)`` per
step, so the kinetic energy grows as ``exp(r t)`` without the forces.

Observation (seven numbers, all dimensionless): the relative temperature error
``e = <T>/T_target - 1`` of the last interval (``<T>``: mean of the kinetic
temperature sampled ``samples_per_action`` times in the interval; the signal a
PID thermostat uses), the previous interval's error, the last action, the change
of potential energy per particle over the interval (the melting / relaxation
signal), the instantaneous temperature error at the end of the interval, the
potential energy per particle at the end of the interval in units of
``k_B T_target``, and the elapsed fraction of the episode. The two instantaneous
numbers together give the total energy, which (the dynamics being
energy-conserving between actions) fixes the temperature the system relaxes to;
the elapsed fraction makes the time-limited episode Markov (Pardo et al. 2018,
"Time limits in reinforcement learning"). ``observation`` selects a subset for
ablations (:data:`OBSERVATIONS`): ``"interval"`` keeps the first four, the
interval-averaged signals. Reward: ``-|e| - effort |action|``.
Actions: ``Box([-1], [1])``, or ``Discrete(n_actions)`` rates evenly spaced in
``[-1, 1]`` when ``n_actions > 0`` (for value-based agents).
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ...errors import ParameterError
from ...validation import check_int, check_range, check_real

__all__ = ["OBSERVATIONS", "ThermostatParams", "ThermostatControlEnv"]

#: observation subsets (indices into the full seven-number observation)
OBSERVATIONS = {"full": (0, 1, 2, 3, 4, 5, 6), "interval": (0, 1, 2, 3), "interval+time": (0, 1, 2, 3, 6),
                "interval+energy": (0, 1, 2, 3, 4, 5)}
_HIGH = np.array([10, 10, 1, 10, 10, 1000, 1], np.float32)
_LOW = np.array([-10, -10, -1, -10, -10, -1000, 0], np.float32)


@dataclass(frozen=True)
class ThermostatParams:
    n_particles: int = 108
    density: float = 0.8
    target_temperature: float = 1.0
    initial_temperature: tuple[float, float] = (0.5, 2.5)
    dt: float = 0.005
    steps_per_action: int = 20
    samples_per_action: int = 4
    max_rate: float = 5.0
    effort: float = 0.01
    episode_actions: int = 50
    n_actions: int = 0
    observation: str = "full"

    def __post_init__(self) -> None:
        from ...sim.md import MDParams  # validates N, density, dt and the box

        set_ = object.__setattr__
        MDParams(n_particles=self.n_particles, density=self.density, temperature=1.0, dt=self.dt)
        set_(self, "target_temperature", check_real("target_temperature", self.target_temperature, 0.05, 20.0,
                                                    "(epsilon/k_B)"))
        set_(self, "initial_temperature", check_range("initial_temperature", self.initial_temperature, 0.0, 20.0,
                                                      "(epsilon/k_B)", allow_equal=True))
        set_(self, "steps_per_action", check_int("steps_per_action", self.steps_per_action, 1))
        set_(self, "samples_per_action", check_int("samples_per_action", self.samples_per_action, 1))
        if self.steps_per_action % self.samples_per_action:
            raise ParameterError.invalid("samples_per_action", self.samples_per_action,
                                         f"a divisor of steps_per_action = {self.steps_per_action}")
        set_(self, "max_rate", check_real("max_rate", self.max_rate, 1e-3, 0.5 / self.dt, "(1/LJ time)"))
        set_(self, "effort", check_real("effort", self.effort, 0.0, 10.0, ""))
        set_(self, "episode_actions", check_int("episode_actions", self.episode_actions, 1))
        set_(self, "n_actions", check_int("n_actions", self.n_actions, 0))
        if self.n_actions == 1:
            raise ParameterError.invalid("n_actions", 1, "0 (continuous) or an integer >= 2")
        if self.observation not in OBSERVATIONS:
            raise ParameterError.invalid("observation", self.observation, " | ".join(OBSERVATIONS))


class ThermostatControlEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, **kwargs):
        self.params = p = ThermostatParams(**kwargs)
        self._keep = list(OBSERVATIONS[p.observation])
        self.observation_space = spaces.Box(_LOW[self._keep], _HIGH[self._keep], dtype=np.float32)
        self.action_space = (spaces.Discrete(p.n_actions) if p.n_actions else
                             spaces.Box(-1.0, 1.0, (1,), np.float32))
        self._system = None
        self._k = 0

    def action_value(self, action) -> float:
        """The action as a number in [-1, 1] (the fraction of ``max_rate``)."""
        if self.params.n_actions:
            return -1.0 + 2.0 * int(action) / (self.params.n_actions - 1)
        return float(np.clip(np.asarray(action, np.float64).reshape(-1)[0], -1.0, 1.0))

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        from ...sim.md import LJSystem, MDParams

        super().reset(seed=seed)
        p = self.params
        T0 = float(self.np_random.uniform(*p.initial_temperature))
        md = MDParams(n_particles=p.n_particles, density=p.density, temperature=T0, dt=p.dt)
        self._system = LJSystem(md, seed=int(self.np_random.integers(2**63)))
        self._k = 0
        e = self._system.temperature() / p.target_temperature - 1.0
        self._last = (e, e, 0.0, 0.0)
        return self._obs(), {"temperature": self._system.temperature()}

    def _obs(self) -> np.ndarray:
        s, p = self._system, self.params
        now = (s.temperature() / p.target_temperature - 1.0, s.potential / p.target_temperature,
               self._k / p.episode_actions)
        return np.clip(np.array((*self._last, *now), np.float32)[self._keep], self.observation_space.low,
                       self.observation_space.high)

    def step(self, action):
        if self._system is None:
            raise RuntimeError("call reset() before step()")
        a = self.action_value(action)
        p = self.params
        s = self._system
        rate = a * p.max_rate
        u0 = s.potential
        temps = []
        sub = p.steps_per_action // p.samples_per_action
        for _ in range(p.samples_per_action):
            s.run_heating(sub, rate)
            temps.append(s.temperature())
        T = float(np.mean(temps))
        e = T / p.target_temperature - 1.0
        self._last = (e, self._last[0], a, s.potential - u0)
        self._k += 1
        reward = -abs(e) - p.effort * abs(a)
        truncated = self._k >= p.episode_actions
        return self._obs(), float(reward), False, truncated, {"temperature": T, "rate": rate}
