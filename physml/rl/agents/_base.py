"""What every agent shares: seeding, the learning curve, evaluation, and safetensors + JSON persistence.

An agent is built on an environment (``Agent(env, seed=..., **hyper)``), trains
with ``learn(total_steps)`` (counting environment steps), acts with
``predict(obs)`` (greedy / mean action) and is saved as ``agent.json``
(name, hyper-parameters, spaces) plus ``weights.safetensors`` (numpy arrays or
torch tensors): nothing is unpickled or executed on load.

Randomness: numpy draws come from ``self.rng`` (``numpy.random.default_rng(seed)``);
torch draws happen inside ``torch.random.fork_rng`` seeded from the same seed, so the
global torch RNG is left as found and the same seed gives the same learning curve.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from ...errors import DataError, ParameterError
from ...validation import Constraint, Int, Real, check_int, check_real, check_seed, validate_fields

__all__ = ["Agent", "Hyper", "LearningCurve", "evaluate", "space_spec", "check_steps", "PositiveOrInf"]


# ---------------------------------------------------------------------------------------------- hyper-parameters
@dataclass(frozen=True)
class Hyper(Mapping):
    """An agent's hyper-parameters: a frozen dataclass whose ``CONSTRAINTS`` are checked on construction.

    Each agent declares its subclass (``DQNHyper``, ...) with the fields, their defaults and their constraints;
    a wrong name, type or range is one :class:`~physml.errors.ParameterError`. It reads like a dict too
    (``h["gamma"]``, ``dict(h)``, ``h.items()``), which is what the JSON of a saved agent stores.
    """

    CONSTRAINTS: ClassVar[dict[str, Constraint]] = {}
    agent: ClassVar[str] = "agent"

    def __post_init__(self) -> None:
        validate_fields(self, self.CONSTRAINTS)

    @classmethod
    def from_kwargs(cls, **hyper: Any) -> Hyper:
        """The hyper-parameters from keywords; a name the agent does not have is a ParameterError."""
        known = [f.name for f in dataclasses.fields(cls)]
        for name in sorted(hyper):
            if name not in known:
                raise ParameterError.invalid(name, hyper[name], f"a hyper-parameter of {cls.agent}: "
                                             + ", ".join(sorted(known)))
        return cls(**hyper)

    def __getitem__(self, name: str) -> Any:
        if name not in {f.name for f in dataclasses.fields(self)}:  # __dataclass_fields__ has the ClassVars too
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self):
        return (f.name for f in dataclasses.fields(self))

    def __len__(self) -> int:
        return len(dataclasses.fields(self))


@dataclass(frozen=True)
class PositiveOrInf(Constraint):
    """A number > 0, or infinity (the switch-off value of a clip range)."""

    def check(self, name, value):
        if isinstance(value, (float, np.floating)) and value == math.inf:
            return math.inf
        return check_real(name, value, 0.0, math.inf, closed="neither")


@dataclass
class LearningCurve:
    """Undiscounted return of every finished training episode, with the environment step at its end."""

    steps: list[int] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)

    def add(self, step: int, ret: float) -> None:
        self.steps.append(int(step))
        self.returns.append(float(ret))

    def moving_average(self, window: int = 20) -> np.ndarray:
        r = np.asarray(self.returns, float)
        if not len(r):
            return r
        c = np.cumsum(np.insert(r, 0, 0.0))
        k = np.minimum(np.arange(1, len(r) + 1), window)
        return (c[1:] - c[np.arange(1, len(r) + 1) - k]) / k


def check_steps(total_steps: object) -> int:
    return check_int("steps", total_steps, 1)


def space_spec(space: gym.Space) -> dict[str, Any]:
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    if isinstance(space, gym.spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "low": np.asarray(space.low, float).ravel().tolist(),
                "high": np.asarray(space.high, float).ravel().tolist()}
    return {"type": type(space).__name__}


class Agent:
    """Base class; subclasses set ``name``, ``Hyper``, ``discrete_only`` and implement ``_learn`` / ``predict`` /
    weights. ``self.hyper`` is the validated ``Hyper`` instance."""

    name = "agent"
    Hyper: type[Hyper] = Hyper
    discrete_only = False
    uses_torch = False

    def __init__(self, env: gym.Env, *, seed: int = 0, **hyper: Any):
        if not isinstance(env.action_space, (gym.spaces.Discrete, gym.spaces.Box)):
            raise ParameterError.invalid("env", env.spec.id if env.spec else env, "an environment with Discrete "
                                         "or Box actions")
        if self.discrete_only and not isinstance(env.action_space, gym.spaces.Discrete):
            raise ParameterError.invalid("agent", self.name, f"an agent for continuous actions ({self.name} needs "
                                         "Discrete actions; try reinforce, a2c or ppo)")
        self.hyper = self.Hyper.from_kwargs(**hyper)
        self.env = env
        self.seed = check_seed("seed", seed)
        self.rng = np.random.default_rng(self.seed)
        self.curve = LearningCurve()
        self.steps_done = 0
        self._episode_seed_used = False
        self._callback: Callable[[Agent], None] | None = None
        self._every = 1
        with self._torch_rng():
            self._build()

    # -- to override ------------------------------------------------------------------------------
    def _build(self) -> None:
        """Create networks / tables (inside the seeded torch RNG)."""

    def _learn(self, total_steps: int, progress: bool) -> None:
        raise NotImplementedError

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        raise NotImplementedError

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _load_state(self, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _torch_rng(self):
        if not self.uses_torch:
            yield
            return
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed * 1_000_003 + self.steps_done)
            yield

    def learn(self, total_steps: int, *, progress: bool = False, callback: Callable[[Agent], None] | None = None,
              every: int = 1) -> Agent:
        """Train for ``total_steps`` environment steps; episode returns go to ``self.curve``.

        ``callback(agent)``, if given, runs whenever ``steps_done`` is a multiple of ``every`` (e.g. a greedy
        evaluation on separate episodes that keeps the best policy, see :meth:`snapshot`). It must not touch
        the training environment; a greedy evaluation draws no random numbers, so the training is the same
        with or without it. A callback with state travels in the agent's checkpoints when it has
        ``checkpoint_state() -> (arrays, json)`` and ``restore_checkpoint(arrays, json)``.
        """
        total_steps = check_steps(total_steps)
        self._callback, self._every = callback, check_int("every", every, 1)
        try:
            with self._torch_rng():
                self._learn(total_steps, progress)
        finally:
            self._callback = None
        return self

    def _tick(self) -> None:
        """Called by every training loop right after ``steps_done += 1``."""
        if self._callback is not None and self.steps_done % self._every == 0:
            self._callback(self)

    def snapshot(self) -> dict[str, np.ndarray]:
        """A copy of the policy's parameters (what :meth:`save` writes), for :meth:`restore`."""
        return {k: np.array(v, copy=True) for k, v in self._state().items()}

    def restore(self, snapshot: dict[str, np.ndarray]) -> None:
        """Put back parameters taken by :meth:`snapshot` (e.g. the best policy seen during training)."""
        self._load_state({k: np.array(v, copy=True) for k, v in snapshot.items()})

    def _reset(self) -> Any:
        """Reset the training environment: seeded on the first episode, continuing its RNG afterwards."""
        self._episode_actions: list[Any] = []  # with the RNG state before the reset: a checkpoint replays them
        if not self._episode_seed_used:
            self._episode_seed_used = True
            self._episode_rng = None
            self.env.action_space.seed(self.seed)
            return self.env.reset(seed=self.seed)[0]
        self._episode_rng = self.env.unwrapped.np_random.bit_generator.state
        return self.env.reset()[0]

    # -- checkpoints (physml.checkpoint): torch agents, after an update (PPO, A2C) or any step (DQN, REINFORCE)
    def _checkpoint_state(self, loop: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Networks, optimizer, RNGs, learning curve and the current episode (its start RNG and actions, so a
        resumed run replays it: environments need not be serialisable, only deterministic given their RNG)."""
        import torch

        from ... import checkpoint

        opt_tensors, opt_json = checkpoint.optimizer_state("opt", self.opt)
        tensors = {**{"net." + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in self._state().items()},
                   **opt_tensors, "rng.torch": torch.get_rng_state()}
        state = {"opt": opt_json, "rng": self.rng.bit_generator.state, "steps_done": self.steps_done,
                 "curve": [self.curve.steps, self.curve.returns], "episode_rng": self._episode_rng,
                 "episode_actions": [np.asarray(a).tolist() for a in self._episode_actions], "loop": loop}
        if hasattr(self._callback, "checkpoint_state"):  # e.g. the best policy a selection callback kept so far
            arrays, state["callback"] = self._callback.checkpoint_state()
            tensors.update({"cb." + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()})
        return tensors, state

    def _restore_checkpoint(self, saved: tuple[int, dict[str, Any], dict[str, Any]]) -> tuple[Any, float, dict]:
        """Put a checkpoint back; replay the current episode; return (observation, episode return, loop)."""
        import torch

        from ... import checkpoint

        _, tensors, state = saved
        self._load_state({k[4:]: v.numpy() for k, v in tensors.items() if k.startswith("net.")})
        checkpoint.restore_optimizer("opt", self.opt, tensors, state["opt"])
        torch.set_rng_state(tensors["rng.torch"])
        self.rng.bit_generator.state = state["rng"]
        self.steps_done = state["steps_done"]
        if hasattr(self._callback, "restore_checkpoint") and "callback" in state:
            self._callback.restore_checkpoint({k[3:]: v.numpy() for k, v in tensors.items() if k.startswith("cb.")},
                                              state["callback"])
        self.curve.steps[:], self.curve.returns[:] = state["curve"]
        self._episode_seed_used = True
        if state["episode_rng"] is None:
            self.env.action_space.seed(self.seed)
            obs = self.env.reset(seed=self.seed)[0]
        else:
            self.env.unwrapped.np_random.bit_generator.state = state["episode_rng"]
            obs = self.env.reset()[0]
        self._episode_rng = state["episode_rng"]
        self._episode_actions = []
        ep_return = 0.0
        dtype = self.env.action_space.dtype
        for a in state["episode_actions"]:
            action = np.asarray(a, dtype=dtype)
            obs, r, _, _, _ = self.env.step(action if action.ndim else action.item())
            self._episode_actions.append(action)
            ep_return += float(r)
        return obs, ep_return, state["loop"]

    def save(self, path: str | Path) -> Path:
        """Write ``path/agent.json`` and ``path/weights.safetensors`` (a new folder)."""
        from safetensors.numpy import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {k: np.ascontiguousarray(v) for k, v in self._state().items()}
        save_file(state, str(path / "weights.safetensors"))
        meta = {"agent": self.name, "seed": self.seed, "hyper": dict(self.hyper), "steps_done": self.steps_done,
                "observation_space": space_spec(self.env.observation_space),
                "action_space": space_spec(self.env.action_space)}
        (path / "agent.json").write_text(json.dumps(meta, indent=2, default=_json) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path, env: gym.Env) -> Agent:
        """Rebuild an agent saved by :meth:`save` on ``env`` (whose spaces must match)."""
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        path = Path(path)
        try:
            meta = json.loads((path / "agent.json").read_text())
            state = load_file(str(path / "weights.safetensors"))
        except (OSError, ValueError, SafetensorError) as exc:
            raise DataError(f"cannot read a saved agent from {str(path)!r} ({exc.__class__.__name__})") from None
        if meta.get("agent") != cls.name:
            raise DataError(f"{str(path)!r} holds a {meta.get('agent')!r} agent, not {cls.name!r}")
        for key, space in (("observation_space", env.observation_space), ("action_space", env.action_space)):
            if meta[key] != json.loads(json.dumps(space_spec(space))):
                raise DataError(f"the saved agent's {key} does not match the environment's")
        agent = cls(env, seed=meta["seed"], **meta["hyper"])  # JSON lists: Ints constraints make them tuples
        agent.steps_done = meta["steps_done"]
        agent._load_state(state)
        return agent


def _json(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(type(obj).__name__)


def evaluate(agent: Agent, env: gym.Env, episodes: int, *, seed: int = 10_000,
             max_steps: int = 100_000) -> np.ndarray:
    """Undiscounted returns of ``episodes`` episodes of the greedy policy (``env`` reset with ``seed + i``)."""
    episodes = check_int("episodes", episodes, 1)
    returns = np.zeros(episodes)
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done, k = 0.0, False, 0
        while not done and k < max_steps:
            obs, r, term, trunc, _ = env.step(agent.predict(obs, deterministic=True))
            total += float(r)
            done = term or trunc
            k += 1
        returns[i] = total
    if not np.all(np.isfinite(returns)):
        raise ParameterError.invalid("env", env, "an environment with finite rewards")
    return returns


# constraints the agents share
DISCOUNT = Real(0.0, 1.0, closed="right")  # gamma in (0, 1]
POSITIVE = Real(0.0, math.inf, closed="neither")  # a learning rate, a clip range, a gradient-norm bound
NON_NEGATIVE = Real(0.0, math.inf)  # a loss coefficient
FRACTION = Real(0.0, 1.0)  # a probability (epsilon) or a fraction of training
COUNT = Int(1)  # steps, batch sizes, epochs, ...
ANY_REAL = Real()  # finite


def linear_schedule(start: float, end: float, fraction: float, progress: float) -> float:
    """``start`` -> ``end`` linearly over the first ``fraction`` of training, then ``end``."""
    if fraction <= 0:
        return end
    return start + (end - start) * min(progress / fraction, 1.0)


def finite_bounds(space: gym.spaces.Box, default: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    low = np.asarray(space.low, float).ravel()
    high = np.asarray(space.high, float).ravel()
    low = np.where(np.isfinite(low), low, -default)
    high = np.where(np.isfinite(high), high, default)
    return low, high


