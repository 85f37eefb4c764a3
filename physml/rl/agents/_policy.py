"""Stochastic policies for the policy-gradient agents: categorical (Discrete) or Gaussian (Box) heads on an MLP."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ._nets import mlp, obs_dim

__all__ = ["Policy", "act"]


def _module_base():
    import torch.nn as nn

    return nn.Module


class Policy(_module_base()):
    """``dist(obs)`` -> a torch distribution over actions; ``Box`` actions are Gaussian with a learned,
    state-independent log standard deviation, and clipped to the bounds only when sent to the environment."""

    def __init__(self, obs_space: gym.Space, act_space: gym.Space, hidden: tuple[int, ...], activation: str,
                 log_std_init: float = 0.0):
        import torch
        import torch.nn as nn

        super().__init__()
        self.discrete = isinstance(act_space, gym.spaces.Discrete)
        n_out = int(act_space.n) if self.discrete else int(np.prod(act_space.shape))
        self.net = mlp(obs_dim(obs_space), hidden, n_out, activation, out_gain=0.01)
        if not self.discrete:
            self.log_std = nn.Parameter(torch.full((n_out,), float(log_std_init)))
            self.low = np.asarray(act_space.low, np.float32)
            self.high = np.asarray(act_space.high, np.float32)
            self.shape = act_space.shape

    def dist(self, obs):
        import torch
        from torch.distributions import Categorical, Normal

        out = self.net(obs)
        if self.discrete:  # argument validation costs more than the network at these sizes
            return Categorical(logits=out, validate_args=False)
        return Normal(out, torch.exp(self.log_std).expand_as(out), validate_args=False)

    def log_prob(self, dist, actions):
        lp = dist.log_prob(actions)
        return lp if self.discrete else lp.sum(-1)

    def entropy(self, dist):
        e = dist.entropy()
        return e if self.discrete else e.sum(-1)

    def to_env(self, action) -> Any:
        """A sampled torch action as the environment takes it."""
        if self.discrete:
            return int(action)
        a = action.detach().cpu().numpy().astype(np.float32).reshape(self.shape)
        return np.clip(a, self.low, self.high)

    def greedy(self, obs) -> Any:
        import torch

        with torch.no_grad():
            out = self.net(obs)
        if self.discrete:
            return int(out.argmax())
        return np.clip(out.numpy().astype(np.float32).reshape(self.shape), self.low, self.high)


def act(policy: Policy, obs: Any, space: gym.Space, deterministic: bool) -> Any:
    """The action of ``policy`` at ``obs``: its mode (greedy / mean) or a sample."""
    import torch

    from ._nets import obs_tensor

    t = obs_tensor(obs, space)
    if deterministic:
        return policy.greedy(t)
    with torch.no_grad():
        return policy.to_env(policy.dist(t).sample())
