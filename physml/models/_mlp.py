"""Multi-layer perceptron for tabular inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

__all__ = ["MLPFactory"]


@dataclass(frozen=True)
class MLPFactory:
    """Builds an MLP (flattened input -> hidden layers -> outputs) for the torch estimators."""

    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        act = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU}[self.activation]
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in self.hidden:
            layers += [nn.Linear(width, h), act()]
            width = h
        layers.append(nn.Linear(width, n_outputs))
        return nn.Sequential(*layers)
