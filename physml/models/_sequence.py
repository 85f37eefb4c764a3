"""Sequence models for forecasting multichannel time series: an LSTM and a small transformer.

Both read a window ``(n, W, C)`` of the past (``W`` time steps, ``C``
observables) and emit the next ``H`` steps of every channel at once,
flattened to ``(n, H * C)`` (direct multi-step forecasting: no error fed back
through the model). Build them with the factories below for
``TorchRegressor(module=...)``; ``n_outputs`` must be a multiple of ``C``.

``residual=True`` forecasts the change from the last observed step (the
network's output is added to it), so an untrained network starts as the
persistence forecast and learns the dynamics on top; ``bounded=True`` clamps
the forecast to [-1, 1], the range of an expectation value of a Pauli
operator, so the physical bound holds by construction rather than being
checked afterwards. Both need targets in the inputs' own units:
``TorchRegressor(standardize=False, standardize_target=False)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["LSTMForecaster", "LSTMForecasterFactory", "TransformerForecaster", "TransformerForecasterFactory"]


def _finish(y: torch.Tensor, x: torch.Tensor, residual: bool, bounded: bool) -> torch.Tensor:
    if residual:
        last = x[:, -1, :]
        y = y + last.repeat(1, y.shape[1] // last.shape[1])
    return torch.clamp(y, -1.0, 1.0) if bounded else y


def _shape(input_shape: tuple[int, ...], n_outputs: int) -> tuple[int, int]:
    if len(input_shape) != 2:
        raise ValueError(f"a forecaster reads windows (n, steps, channels); got samples of shape {input_shape}")
    window, channels = input_shape
    if n_outputs % channels:
        raise ValueError(f"n_outputs {n_outputs} is not a whole number of steps of {channels} channels")
    return window, channels


class LSTMForecaster(nn.Module):
    """LSTM over the window; its last hidden state maps linearly to the forecast."""

    def __init__(self, channels: int, n_outputs: int, hidden: int = 64, layers: int = 2, residual: bool = False,
                 bounded: bool = False):
        super().__init__()
        self.lstm = nn.LSTM(channels, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, n_outputs)
        self.residual, self.bounded = residual, bounded

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return _finish(self.head(out[:, -1]), x, self.residual, self.bounded)


class TransformerForecaster(nn.Module):
    """Encoder-only transformer: channels embedded per step, learned positions, the last step's token read out."""

    def __init__(self, window: int, channels: int, n_outputs: int, d_model: int = 32, heads: int = 4,
                 layers: int = 2, feedforward: int = 64, residual: bool = False, bounded: bool = False):
        super().__init__()
        self.embed = nn.Linear(channels, d_model)
        self.position = nn.Parameter(torch.zeros(1, window, d_model))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, feedforward, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, n_outputs)
        self.residual, self.bounded = residual, bounded

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.embed(x) + self.position[:, : x.shape[1]])
        return _finish(self.head(h[:, -1]), x, self.residual, self.bounded)


@dataclass(frozen=True)
class LSTMForecasterFactory:
    """Builds an :class:`LSTMForecaster` for ``TorchRegressor(module=...)``."""

    hidden: int = 64
    layers: int = 2
    residual: bool = False
    bounded: bool = False

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        _, channels = _shape(input_shape, n_outputs)
        return LSTMForecaster(channels, n_outputs, self.hidden, self.layers, self.residual, self.bounded)


@dataclass(frozen=True)
class TransformerForecasterFactory:
    """Builds a :class:`TransformerForecaster` for ``TorchRegressor(module=...)``."""

    d_model: int = 32
    heads: int = 4
    layers: int = 2
    feedforward: int = 64
    residual: bool = False
    bounded: bool = False

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        window, channels = _shape(input_shape, n_outputs)
        return TransformerForecaster(window, channels, n_outputs, self.d_model, self.heads, self.layers,
                                     self.feedforward, self.residual, self.bounded)
