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

from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ._base import Agent
from ._nets import encode, mlp, obs_dim, obs_tensor, state_dict_from_numpy, state_dict_to_numpy
from ._policy import Policy, act

__all__ = ["PPO", "A2C"]


class PPO(Agent):
    name = "ppo"
    uses_torch = True

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {"gamma": 0.98, "gae_lambda": 0.8, "lr": 1e-3, "n_steps": 256, "batch_size": 256, "n_epochs": 20,
                "clip": 0.2, "vf_coef": 0.5, "ent_coef": 0.0, "max_grad_norm": 0.5, "hidden": (64, 64),
                "policy_hidden": None,
                "activation": "tanh", "log_std_init": 0.0, "anneal": True}

    def _build(self) -> None:
        import torch

        h = self.hyper
        space = self.env.observation_space
        # policy_hidden: the actor's own layers (None: as the critic's); () is a linear policy, enough where a
        # classical linear controller (P, PID) is near-optimal and a small search space learns faster
        actor = h["hidden"] if h.get("policy_hidden") is None else h["policy_hidden"]
        self.policy = Policy(space, self.env.action_space, tuple(actor), h["activation"],
                             h["log_std_init"])
        self.value = mlp(obs_dim(space), tuple(h["hidden"]), 1, h["activation"], out_gain=1.0)
        params = list(self.policy.parameters()) + list(self.value.parameters())
        self.opt = torch.optim.Adam(params, lr=h["lr"], eps=1e-5)
        self._params = params

    def _learn(self, total_steps: int, progress: bool) -> None:
        import torch

        h = self.hyper
        space = self.env.observation_space
        n = int(h["n_steps"])
        obs = self._reset()
        ep_return = 0.0
        done_steps = 0
        bar = tqdm(total=total_steps, disable=not progress, desc=self.name)
        while done_steps < total_steps:
            frac = 1.0 - done_steps / total_steps if h["anneal"] else 1.0
            for g in self.opt.param_groups:
                g["lr"] = h["lr"] * frac
            m = min(n, total_steps - done_steps)
            O = np.zeros((m, obs_dim(space)), np.float32)
            A, LP, R = [], np.zeros(m, np.float32), np.zeros(m, np.float32)
            V, NEXT_V = np.zeros(m, np.float32), np.zeros(m, np.float32)
            TERM, END = np.zeros(m, bool), np.zeros(m, bool)
            for t in range(m):
                O[t] = encode(obs, space)
                with torch.no_grad():
                    ot = torch.from_numpy(O[t])
                    dist = self.policy.dist(ot)
                    a = dist.sample()
                    LP[t] = float(self.policy.log_prob(dist, a))
                    V[t] = float(self.value(ot))
                A.append(a.numpy())
                obs, r, term, trunc, _ = self.env.step(self.policy.to_env(a))
                R[t], TERM[t] = r, term
                ep_return += float(r)
                self.steps_done += 1
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
                delta = R[t] + h["gamma"] * nv - V[t]
                last = delta + (0.0 if END[t] else h["gamma"] * h["gae_lambda"] * last)
                adv[t] = last
            self._update(O, np.asarray(A), LP, adv, adv + V, frac)
            done_steps += m
            bar.update(m)
        bar.close()

    def _update(self, O, A, LP, adv, ret, frac: float) -> None:
        import torch

        h = self.hyper
        O, A, LP, adv, ret = (torch.from_numpy(np.ascontiguousarray(x)) for x in (O, A, LP, adv, ret))
        m = len(O)
        bs = min(int(h["batch_size"]), m)
        clip = h["clip"] * frac
        for _ in range(int(h["n_epochs"])):
            perm = torch.from_numpy(self.rng.permutation(m))
            for start in range(0, m, bs):
                idx = perm[start:start + bs]
                dist = self.policy.dist(O[idx])
                lp = self.policy.log_prob(dist, A[idx])
                a = adv[idx]
                if len(a) > 1:
                    a = (a - a.mean()) / (a.std() + 1e-8)
                ratio = torch.exp(lp - LP[idx])
                if clip is None or clip == float("inf"):
                    pg = -(lp * a).mean()
                else:
                    pg = -torch.min(ratio * a, torch.clamp(ratio, 1 - clip, 1 + clip) * a).mean()
                v_loss = ((self.value(O[idx]).squeeze(-1) - ret[idx]) ** 2).mean()
                loss = pg + h["vf_coef"] * v_loss - h["ent_coef"] * self.policy.entropy(dist).mean()
                self.opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self._params, h["max_grad_norm"])
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

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {**super().defaults(), "gamma": 0.99, "gae_lambda": 1.0, "lr": 7e-4, "n_steps": 16,
                "batch_size": 16, "n_epochs": 1, "clip": float("inf"), "ent_coef": 0.0, "anneal": False}
