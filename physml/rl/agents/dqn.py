"""Deep Q-network (Mnih et al. 2015): replay buffer, target network, epsilon schedule, Huber loss.

Reads top to bottom like CleanRL's ``dqn.py``: an MLP Q-network, a ring-buffer
replay memory, epsilon decaying linearly over ``exploration_fraction`` of
training, every ``train_freq`` environment steps ``gradient_steps`` Adam steps
on minibatches of the TD error against the target network, which is copied
from the online network every ``target_update`` environment steps (as SB3 counts). A time-limit
truncation bootstraps; termination does not. Defaults are the RL Baselines3
Zoo's CartPole-v1 hyper-parameters for SB3's DQN.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
from tqdm.auto import tqdm

from ... import checkpoint
from ...validation import Int, Ints
from ._base import COUNT, DISCOUNT, FRACTION, POSITIVE, Agent, Hyper, linear_schedule
from ._nets import encode, mlp, obs_dim, obs_tensor, state_dict_from_numpy, state_dict_to_numpy

__all__ = ["DQN", "DQNHyper"]


@dataclass(frozen=True)
class DQNHyper(Hyper):
    """DQN's hyper-parameters (defaults: the RL Baselines3 Zoo's CartPole-v1 settings for SB3's DQN)."""

    gamma: float = 0.99
    lr: float = 2.3e-3
    buffer_size: int = 100_000
    batch_size: int = 64
    learning_starts: int = 1000
    train_freq: int = 256
    """Environment steps between training phases."""
    gradient_steps: int = 128
    """Adam steps per training phase."""
    target_update: int = 10
    """Environment steps between copies of the online network into the target network."""
    exploration_fraction: float = 0.16
    eps_start: float = 1.0
    eps_end: float = 0.04
    hidden: tuple[int, ...] = (256, 256)
    max_grad_norm: float = 10.0

    agent: ClassVar[str] = "dqn"
    CONSTRAINTS: ClassVar = {"gamma": DISCOUNT, "lr": POSITIVE, "buffer_size": COUNT, "batch_size": COUNT,
                             "learning_starts": Int(0), "train_freq": COUNT, "gradient_steps": COUNT,
                             "target_update": COUNT, "exploration_fraction": FRACTION, "eps_start": FRACTION,
                             "eps_end": FRACTION, "hidden": Ints(1, allow_empty=True), "max_grad_norm": POSITIVE}


class DQN(Agent):
    name = "dqn"
    Hyper = DQNHyper
    discrete_only = True
    uses_torch = True

    def _build(self) -> None:
        import torch

        h = self.hyper
        self.n_obs = obs_dim(self.env.observation_space)
        self.n_actions = int(self.env.action_space.n)
        self.q_net = mlp(self.n_obs, h.hidden, self.n_actions)
        self.target = mlp(self.n_obs, h.hidden, self.n_actions)
        self.target.load_state_dict(self.q_net.state_dict())
        self.opt = torch.optim.Adam(self.q_net.parameters(), lr=h.lr)
        n = h.buffer_size
        self.buf_obs = np.zeros((n, self.n_obs), np.float32)
        self.buf_next = np.zeros((n, self.n_obs), np.float32)
        self.buf_act = np.zeros(n, np.int64)
        self.buf_rew = np.zeros(n, np.float32)
        self.buf_done = np.zeros(n, np.float32)
        self.buf_len = 0
        self.buf_pos = 0
        self.n_updates = 0

    # -- replay -----------------------------------------------------------------------------------
    def _store(self, o, a, r, o2, terminated) -> None:
        i = self.buf_pos
        self.buf_obs[i], self.buf_act[i], self.buf_rew[i], self.buf_next[i] = o, a, r, o2
        self.buf_done[i] = float(terminated)
        self.buf_pos = (i + 1) % len(self.buf_obs)
        self.buf_len = min(self.buf_len + 1, len(self.buf_obs))

    def _update(self) -> None:
        import torch
        import torch.nn.functional as F

        h = self.hyper
        idx = self.rng.integers(0, self.buf_len, h.batch_size)
        o, o2 = torch.from_numpy(self.buf_obs[idx]), torch.from_numpy(self.buf_next[idx])
        a, r, d = (torch.from_numpy(x[idx]) for x in (self.buf_act, self.buf_rew, self.buf_done))
        with torch.no_grad():
            target = r + h.gamma * (1.0 - d) * self.target(o2).max(dim=1).values
        q = self.q_net(o).gather(1, a[:, None]).squeeze(1)
        loss = F.smooth_l1_loss(q, target)
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.q_net.parameters(), h.max_grad_norm)
        self.opt.step()
        self.n_updates += 1

    # -- training loop ----------------------------------------------------------------------------
    def _learn(self, total_steps: int, progress: bool) -> None:
        h = self.hyper
        obs = self._reset()
        ep_return = 0.0
        first = 0
        ckpt = checkpoint.slot(self.name)  # a checkpoint after any step when due and a session is active
        if ckpt is not None and (saved := ckpt.load()) is not None:
            obs, ep_return, loop = self._restore_checkpoint(saved)
            first = loop["t"]
        for t in tqdm(range(first, total_steps), initial=first, total=total_steps, disable=not progress,
                      desc=self.name):
            eps = linear_schedule(h.eps_start, h.eps_end, h.exploration_fraction, t / total_steps)
            if self.rng.random() < eps:
                a = int(self.rng.integers(self.n_actions))
            else:
                a = self.predict(obs)
            self._episode_actions.append(a)
            obs2, r, term, trunc, _ = self.env.step(a)
            space = self.env.observation_space
            self._store(encode(obs, space), a, r, encode(obs2, space), term)
            ep_return += float(r)
            self.steps_done += 1
            self._tick()
            obs = obs2
            if term or trunc:
                self.curve.add(self.steps_done, ep_return)
                ep_return = 0.0
                obs = self._reset()
            if self.steps_done > h.learning_starts and self.steps_done % h.train_freq == 0:
                for _ in range(h.gradient_steps):
                    self._update()
            if self.steps_done % h.target_update == 0:
                self.target.load_state_dict(self.q_net.state_dict())
            if ckpt is not None:
                ckpt.step(self.steps_done, partial(self._checkpoint_state, {"t": t + 1}), done=t + 1 == total_steps)

    # -- checkpoints: the base's state plus the target network, the update count and the filled replay buffer --
    def _checkpoint_state(self, loop: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        import torch

        tensors, state = super()._checkpoint_state(loop)
        n = self.buf_len
        tensors.update({"target." + k: v for k, v in self.target.state_dict().items()})
        tensors.update({f"buf.{name}": torch.from_numpy(np.ascontiguousarray(getattr(self, f"buf_{name}")[:n]))
                        for name in self._BUFFER})
        state.update(buf_len=n, buf_pos=self.buf_pos, n_updates=self.n_updates)
        return tensors, state

    def _restore_checkpoint(self, saved: tuple[int, dict[str, Any], dict[str, Any]]) -> tuple[Any, float, dict]:
        out = super()._restore_checkpoint(saved)  # loads the online network into the target network too
        _, tensors, state = saved
        checkpoint.restore_module("target.", self.target, tensors)
        n = state["buf_len"]
        for name in self._BUFFER:
            getattr(self, f"buf_{name}")[:n] = tensors[f"buf.{name}"].numpy()
        self.buf_len, self.buf_pos, self.n_updates = n, state["buf_pos"], state["n_updates"]
        return out

    _BUFFER = ("obs", "next", "act", "rew", "done")

    def predict(self, obs: Any, deterministic: bool = True) -> int:
        import torch

        with torch.no_grad():
            return int(self.q_net(obs_tensor(obs, self.env.observation_space)).argmax())

    def _state(self) -> dict[str, np.ndarray]:
        return state_dict_to_numpy(self.q_net, "q.")

    def _load_state(self, state: dict[str, np.ndarray]) -> None:
        state_dict_from_numpy(self.q_net, state, "q.")
        self.target.load_state_dict(self.q_net.state_dict())
