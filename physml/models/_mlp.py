"""Multi-layer perceptron for tabular inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from ..validation import Ints, OneOf, validate_fields

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

    CONSTRAINTS: ClassVar = {"hidden": Ints(1, allow_empty=True), "activation": OneOf(*_ACTIVATIONS)}

    def __post_init__(self):
        validate_fields(self, self.CONSTRAINTS)

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        act = _ACTIVATIONS[self.activation]
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in self.hidden:
            layers += [nn.Linear(width, h), act()]
            width = h
        layers.append(nn.Linear(width, n_outputs))
        return nn.Sequential(*layers)
