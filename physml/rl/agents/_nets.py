"""Small torch helpers shared by the deep agents: MLPs, observation tensors, state dicts as numpy arrays."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ...errors import ParameterError

__all__ = ["ACTIVATIONS", "mlp", "obs_dim", "encode", "obs_tensor", "state_dict_to_numpy", "state_dict_from_numpy"]


ACTIVATIONS = ("relu", "tanh")


def obs_dim(space: gym.Space) -> int:
    if isinstance(space, gym.spaces.Box):
        return int(np.prod(space.shape))
    if isinstance(space, gym.spaces.Discrete):
        return int(space.n)  # one-hot
    raise ParameterError.invalid("env", space, "Box or Discrete observations for a neural-network agent")


def encode(obs: Any, space: gym.Space) -> np.ndarray:
    """An observation as a flat float32 vector (one-hot for ``Discrete``)."""
    if isinstance(space, gym.spaces.Discrete):
        v = np.zeros(int(space.n), np.float32)
        v[int(obs) - int(space.start)] = 1.0
        return v
    return np.asarray(obs, np.float32).ravel()


def obs_tensor(obs: Any, space: gym.Space):
    import torch

    return torch.as_tensor(encode(obs, space))


def mlp(n_in: int, hidden: tuple[int, ...], n_out: int, activation: str = "relu", out_gain: float | None = None):
    import torch.nn as nn

    act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    layers: list = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        width = h
    last = nn.Linear(width, n_out)
    if out_gain is not None:  # small last layer: near-uniform initial policy (as in PPO implementations)
        nn.init.orthogonal_(last.weight, out_gain)
        nn.init.zeros_(last.bias)
    layers.append(last)
    return nn.Sequential(*layers)


def state_dict_to_numpy(module, prefix: str) -> dict[str, np.ndarray]:
    return {prefix + k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def state_dict_from_numpy(module, state: dict[str, np.ndarray], prefix: str) -> None:
    import torch

    sd = {k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in state.items() if k.startswith(prefix)}
    module.load_state_dict(sd)
