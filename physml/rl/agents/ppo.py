"""Proximal policy optimisation (Schulman et al. 2017) and advantage actor-critic (A2C) as its one-step case.

One environment, rollouts of ``n_steps``; generalised advantage estimation
(``gae_lambda``), value bootstrap at rollout ends and at time-limit
truncations (not at termination); then ``n_epochs`` passes of minibatch Adam on
``-min(rho A, clip(rho, 1 +- clip) A) + vf_coef (V - R)^2 - ent_coef H`` with
``rho = pi/pi_old``, advantages normalised per minibatch and gradients clipped
to ``max_grad_norm``. The learning rate and the clip range anneal linearly to 0
when ``anneal`` is set. Categorical or Gaussian policy (discrete or continuous
actions), separate value network. Defaults: the RL Baselines3 Zoo's CartPole-v1
settings (8 envs x 32 steps there; one env x 256 steps here).

:class:`A2C` is the same loop with a short rollout, one epoch, one minibatch
and no clipping (Mnih et al. 2016, synchronous, one environment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
from tqdm.auto import tqdm

from ... import checkpoint
from ...validation import Bool, Ints, OneOf, OptionalOf
from ._base import ANY_REAL, COUNT, DISCOUNT, FRACTION, NON_NEGATIVE, POSITIVE, Agent, Hyper, PositiveOrInf
from ._nets import ACTIVATIONS, encode, mlp, obs_dim, obs_tensor, state_dict_from_numpy, state_dict_to_numpy
from ._policy import Policy, act

__all__ = ["PPO", "A2C", "PPOHyper", "A2CHyper"]


@dataclass(frozen=True)
class PPOHyper(Hyper):
    """PPO's hyper-parameters (defaults: the RL Baselines3 Zoo's CartPole-v1 settings, one environment)."""

    gamma: float = 0.98
    gae_lambda: float = 0.8
    lr: float = 1e-3
    n_steps: int = 256
    """Environment steps per rollout."""
    batch_size: int = 256
    n_epochs: int = 20
    clip: float = 0.2
    """Clip range of the probability ratio (``inf``: no clipping)."""
    vf_coef: float = 0.5
    ent_coef: float = 0.0
    max_grad_norm: float = 0.5
    hidden: tuple[int, ...] = (64, 64)
    policy_hidden: tuple[int, ...] | None = None
    """The actor's own layers (None: as the critic's ``hidden``); () is a linear policy."""
    activation: str = "tanh"
    log_std_init: float = 0.0
    anneal: bool = True
    """Learning rate and clip range fall linearly to 0 over training."""

    agent: ClassVar[str] = "ppo"
    CONSTRAINTS: ClassVar = {"gamma": DISCOUNT, "gae_lambda": FRACTION, "lr": POSITIVE, "n_steps": COUNT,
                             "batch_size": COUNT, "n_epochs": COUNT, "clip": PositiveOrInf(), "vf_coef": NON_NEGATIVE,
                             "ent_coef": NON_NEGATIVE, "max_grad_norm": POSITIVE, "hidden": Ints(1, allow_empty=True),
                             "policy_hidden": OptionalOf(Ints(1, allow_empty=True)),
                             "activation": OneOf(*ACTIVATIONS), "log_std_init": ANY_REAL, "anneal": Bool()}


@dataclass(frozen=True)
class A2CHyper(PPOHyper):
    """A2C's hyper-parameters: PPO's, with a short rollout, one epoch, one minibatch and no clipping."""

    gamma: float = 0.99
    gae_lambda: float = 1.0
    lr: float = 7e-4
    n_steps: int = 16
    batch_size: int = 16
    n_epochs: int = 1
    clip: float = math.inf
    ent_coef: float = 0.0
    anneal: bool = False

    agent: ClassVar[str] = "a2c"


class PPO(Agent):
    name = "ppo"
    Hyper = PPOHyper
    uses_torch = True

    def _build(self) -> None:
        import torch

        h = self.hyper
        space = self.env.observation_space
        # policy_hidden: the actor's own layers (None: as the critic's); () is a linear policy, enough where a
        # classical linear controller (P, PID) is near-optimal and a small search space learns faster
        actor = h.hidden if h.policy_hidden is None else h.policy_hidden
        self.policy = Policy(space, self.env.action_space, actor, h.activation, h.log_std_init)
        self.value = mlp(obs_dim(space), h.hidden, 1, h.activation, out_gain=1.0)
        params = list(self.policy.parameters()) + list(self.value.parameters())
        self.opt = torch.optim.Adam(params, lr=h.lr, eps=1e-5)
        self._params = params

    def _learn(self, total_steps: int, progress: bool) -> None:
        import torch

        h = self.hyper
        space = self.env.observation_space
        n = h.n_steps
        obs = self._reset()
        ep_return = 0.0
        done_steps = 0
        ckpt = checkpoint.slot(self.name)  # a checkpoint after each update when a session is active
        if ckpt is not None and (saved := ckpt.load()) is not None:
            obs, ep_return, loop = self._restore_checkpoint(saved)
            done_steps = loop["done_steps"]
        bar = tqdm(total=total_steps, initial=done_steps, disable=not progress, desc=self.name)
        while done_steps < total_steps:
            frac = 1.0 - done_steps / total_steps if h.anneal else 1.0
            for g in self.opt.param_groups:
                g["lr"] = h.lr * frac
            m = min(n, total_steps - done_steps)
            OBS = np.zeros((m, obs_dim(space)), np.float32)
            A, LP, R = [], np.zeros(m, np.float32), np.zeros(m, np.float32)
            V, NEXT_V = np.zeros(m, np.float32), np.zeros(m, np.float32)
            TERM, END = np.zeros(m, bool), np.zeros(m, bool)
            for t in range(m):
                OBS[t] = encode(obs, space)
                with torch.no_grad():
                    ot = torch.from_numpy(OBS[t])
                    dist = self.policy.dist(ot)
                    a = dist.sample()
                    LP[t] = float(self.policy.log_prob(dist, a))
                    V[t] = float(self.value(ot))
                A.append(a.numpy())
                env_action = self.policy.to_env(a)
                self._episode_actions.append(env_action)
                obs, r, term, trunc, _ = self.env.step(env_action)
                R[t], TERM[t] = r, term
                ep_return += float(r)
                self.steps_done += 1
                self._tick()
                if term or trunc or t == m - 1:
                    END[t] = True
                    if not term:  # bootstrap from the state where the rollout or the time limit cut it
                        with torch.no_grad():
                            NEXT_V[t] = float(self.value(obs_tensor(obs, space)))
                if term or trunc:
                    self.curve.add(self.steps_done, ep_return)
                    ep_return = 0.0
                    obs = self._reset()
            # GAE over the rollout; V[t+1] inside an episode, NEXT_V at its (cut or truncated) end
            adv = np.zeros(m, np.float32)
            last = 0.0
            for t in range(m - 1, -1, -1):
                nv = NEXT_V[t] if END[t] else V[t + 1]
                delta = R[t] + h.gamma * nv - V[t]
                last = delta + (0.0 if END[t] else h.gamma * h.gae_lambda * last)
                adv[t] = last
            self._update(OBS, np.asarray(A), LP, adv, adv + V, frac)
            done_steps += m
            bar.update(m)
            if ckpt is not None:
                ckpt.step(self.steps_done, partial(self._checkpoint_state, {"done_steps": done_steps}),
                          done=done_steps >= total_steps)
        bar.close()

    def _update(self, OBS, A, LP, adv, ret, frac: float) -> None:
        import torch

        h = self.hyper
        OBS, A, LP, adv, ret = (torch.from_numpy(np.ascontiguousarray(x)) for x in (OBS, A, LP, adv, ret))
        m = len(OBS)
        bs = min(h.batch_size, m)
        clip = h.clip * frac
        for _ in range(h.n_epochs):
            perm = torch.from_numpy(self.rng.permutation(m))
            for start in range(0, m, bs):
                idx = perm[start:start + bs]
                dist = self.policy.dist(OBS[idx])
                lp = self.policy.log_prob(dist, A[idx])
                a = adv[idx]
                if len(a) > 1:
                    a = (a - a.mean()) / (a.std() + 1e-8)
                ratio = torch.exp(lp - LP[idx])
                if clip == math.inf:
                    pg = -(lp * a).mean()
                else:
                    pg = -torch.min(ratio * a, torch.clamp(ratio, 1 - clip, 1 + clip) * a).mean()
                v_loss = ((self.value(OBS[idx]).squeeze(-1) - ret[idx]) ** 2).mean()
                loss = pg + h.vf_coef * v_loss - h.ent_coef * self.policy.entropy(dist).mean()
                self.opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self._params, h.max_grad_norm)
                self.opt.step()

    def predict(self, obs: Any, deterministic: bool = True) -> Any:
        return act(self.policy, obs, self.env.observation_space, deterministic)

    def _state(self) -> dict[str, np.ndarray]:
        return {**state_dict_to_numpy(self.policy, "pi."), **state_dict_to_numpy(self.value, "v.")}

    def _load_state(self, state: dict[str, np.ndarray]) -> None:
        state_dict_from_numpy(self.policy, state, "pi.")
        state_dict_from_numpy(self.value, state, "v.")


class A2C(PPO):
    """Advantage actor-critic: PPO's loop with ``n_steps`` short, one epoch, one minibatch, no ratio clipping
    (at one epoch the ratio is 1 and the clipped loss is the plain policy gradient)."""

    name = "a2c"
    Hyper = A2CHyper
