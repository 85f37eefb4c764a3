"""REINFORCE (Williams 1992): Monte-Carlo policy gradient with a mean-return baseline.

After every ``episodes_per_update`` episodes: ``G_t = sum_k gamma^k r_{t+k}``,
advantages ``(G_t - mean) / std`` over the batch (a baseline that leaves the
gradient unbiased up to the normalisation's scale), and one Adam step on
``-mean(log pi(a_t|s_t) A_t) - ent_coef H``. Discrete and continuous actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
from tqdm.auto import tqdm

from ... import checkpoint
from ...validation import Ints, OneOf
from ._base import ANY_REAL, COUNT, DISCOUNT, NON_NEGATIVE, POSITIVE, Agent, Hyper
from ._nets import ACTIVATIONS, encode, state_dict_from_numpy, state_dict_to_numpy
from ._policy import Policy, act

__all__ = ["Reinforce", "ReinforceHyper"]


@dataclass(frozen=True)
class ReinforceHyper(Hyper):
    """REINFORCE's hyper-parameters."""

    gamma: float = 0.99
    lr: float = 3e-3
    hidden: tuple[int, ...] = (64, 64)
    episodes_per_update: int = 4
    ent_coef: float = 0.0
    activation: str = "tanh"
    log_std_init: float = 0.0
    """Initial log standard deviation of a Gaussian policy (Box actions)."""

    agent: ClassVar[str] = "reinforce"
    CONSTRAINTS: ClassVar = {"gamma": DISCOUNT, "lr": POSITIVE, "hidden": Ints(1, allow_empty=True),
                             "episodes_per_update": COUNT, "ent_coef": NON_NEGATIVE,
                             "activation": OneOf(*ACTIVATIONS), "log_std_init": ANY_REAL}


class Reinforce(Agent):
    name = "reinforce"
    Hyper = ReinforceHyper
    uses_torch = True

    def _build(self) -> None:
        import torch

        h = self.hyper
        self.policy = Policy(self.env.observation_space, self.env.action_space, h.hidden, h.activation, h.log_std_init)
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=h.lr)

    def _learn(self, total_steps: int, progress: bool) -> None:
        import torch

        h = self.hyper
        space = self.env.observation_space
        batch_obs, batch_act, batch_ret = [], [], []
        episodes, first = 0, 0
        obs = self._reset()
        rewards: list[float] = []
        ckpt = checkpoint.slot(self.name)  # a checkpoint after any step when due and a session is active
        if ckpt is not None and (saved := ckpt.load()) is not None:
            obs, _, loop = self._restore_checkpoint(saved)
            first, episodes, rewards = loop["t"], loop["episodes"], loop["rewards"]
            batch_obs, batch_act, batch_ret = self._restore_batch(saved[1])
        bar = tqdm(total=total_steps, initial=first, disable=not progress, desc=self.name)
        for t in range(first, total_steps):
            o = encode(obs, space)
            with torch.no_grad():
                action = self.policy.dist(torch.from_numpy(o)).sample()
            env_action = self.policy.to_env(action)
            self._episode_actions.append(env_action)
            obs, r, term, trunc, _ = self.env.step(env_action)
            batch_obs.append(o)
            batch_act.append(action.numpy())
            rewards.append(float(r))
            self.steps_done += 1
            self._tick()
            bar.update()
            if term or trunc:
                self.curve.add(self.steps_done, sum(rewards))
                G, running = np.zeros(len(rewards)), 0.0
                for k in range(len(rewards) - 1, -1, -1):  # truncation: the tail beyond the limit is unknown
                    running = rewards[k] + h.gamma * running
                    G[k] = running
                batch_ret.extend(G)
                rewards = []
                episodes += 1
                obs = self._reset()
                if episodes % h.episodes_per_update == 0:
                    self._update(batch_obs, batch_act, batch_ret)
                    batch_obs, batch_act, batch_ret = [], [], []
            if ckpt is not None:
                loop = {"t": t + 1, "episodes": episodes, "rewards": rewards}
                ckpt.step(self.steps_done, partial(self._batch_state, loop, batch_obs, batch_act, batch_ret),
                          done=t + 1 == total_steps)
        bar.close()

    # -- checkpoints: the base's state plus the unfinished batch (its steps, actions and finished returns) --
    def _batch_state(self, loop, batch_obs, batch_act, batch_ret) -> tuple[dict[str, Any], dict[str, Any]]:
        import torch

        tensors, state = self._checkpoint_state(loop)
        if batch_obs:
            tensors["batch.obs"] = torch.from_numpy(np.asarray(batch_obs, np.float32))
            tensors["batch.act"] = torch.from_numpy(np.asarray(batch_act))
        if batch_ret:
            tensors["batch.ret"] = torch.from_numpy(np.asarray(batch_ret, np.float64))
        return tensors, state

    @staticmethod
    def _restore_batch(tensors: dict[str, Any]) -> tuple[list, list, list]:
        obs, act, ret = (list(tensors[k].numpy()) if k in tensors else [] for k in ("batch.obs", "batch.act",
                                                                                     "batch.ret"))
        return obs, act, ret

    def _update(self, obs, act, ret) -> None:
        import torch

        o = torch.from_numpy(np.asarray(obs, np.float32))
        a = torch.from_numpy(np.asarray(act))
        G = torch.as_tensor(np.asarray(ret, np.float32))
        adv = (G - G.mean()) / (G.std() + 1e-8) if len(G) > 1 else G - G.mean()
        dist = self.policy.dist(o)
        loss = -(self.policy.log_prob(dist, a) * adv).mean() - self.hyper.ent_coef * self.policy.entropy(dist).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        return act(self.policy, obs, self.env.observation_space, deterministic)

    def _state(self) -> dict[str, np.ndarray]:
        return state_dict_to_numpy(self.policy, "pi.")

    def _load_state(self, state: dict[str, np.ndarray]) -> None:
        state_dict_from_numpy(self.policy, state, "pi.")
