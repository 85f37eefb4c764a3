"""Multi-layer perceptron for tabular inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

from torch import nn

from ..errors import ParameterError

__all__ = ["MLPFactory"]

_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU}


@dataclass(frozen=True)
class MLPFactory:
    """Builds an MLP (flattened input -> hidden layers -> outputs) for the torch estimators.

    ``hidden``: widths of the hidden layers (may be empty: a linear model);
    ``activation``: one of tanh, relu, gelu, silu (smooth ones suit smooth physical laws).
    """

    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"

    def __post_init__(self):
        hidden = tuple(self.hidden) if isinstance(self.hidden, (tuple, list)) else None
        if hidden is None or not all(isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in hidden):
            raise ParameterError.invalid("hidden", self.hidden, "a tuple of layer widths, each an integer >= 1")
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        if self.activation not in _ACTIVATIONS:
            raise ParameterError.invalid("activation", self.activation, f"one of {', '.join(_ACTIVATIONS)}")

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        act = _ACTIVATIONS[self.activation]
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in self.hidden:
            layers += [nn.Linear(width, h), act()]
            width = h
        layers.append(nn.Linear(width, n_outputs))
        return nn.Sequential(*layers)
