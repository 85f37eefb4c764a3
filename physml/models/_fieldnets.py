"""Field-to-field networks on periodic 1D or 2D grids: a plain convolutional net and a U-Net.

Both read ``(n, C_in, *grid)`` and return ``(n, C_out * prod(grid))`` (flat, as :class:`TorchRegressor`'s
targets are), pad circularly (the box is periodic) and, with ``residual``, predict the increment of the first
``C_out`` input channels (input and output the same quantity, e.g. a field one time step apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from ..validation import Bool, Int, Ints, OneOf, validate_fields
from ._operators import _channels

__all__ = ["PeriodicConvNet", "PeriodicConvNetFactory", "PeriodicUNet", "PeriodicUNetFactory"]


def _conv(dim: int, c_in: int, c_out: int, k: int) -> nn.Module:
    cls = nn.Conv1d if dim == 1 else nn.Conv2d
    return cls(c_in, c_out, k, padding=k // 2, padding_mode="circular")


class PeriodicConvNet(nn.Module):
    """Circular-padded convolutions with GELU; ``residual``: ``x[:, :C_out] + net(x)``."""

    def __init__(self, dim: int, in_channels: int, out_channels: int, channels: tuple[int, ...] = (32, 32, 32),
                 kernel_size: int = 5, residual: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for c_out in channels:
            layers += [_conv(dim, c, c_out, kernel_size), nn.GELU()]
            c = c_out
        layers.append(_conv(dim, c, out_channels, kernel_size))
        self.net = nn.Sequential(*layers)
        self.out_channels, self.residual = out_channels, residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.net(x)
        if self.residual:
            y = y + x[:, : self.out_channels]
        return y.flatten(1)


class _Block(nn.Module):
    def __init__(self, dim: int, c_in: int, c_out: int):
        super().__init__()
        self.net = nn.Sequential(_conv(dim, c_in, c_out, 3), nn.GELU(), _conv(dim, c_out, c_out, 3), nn.GELU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PeriodicUNet(nn.Module):
    """U-Net (Ronneberger et al. 2015) with circular padding: ``levels`` halvings by average pooling, doubling the
    channels from ``base``; upsampling by interpolation, skip connections by concatenation. Each grid side must be
    divisible by ``2 ** levels``."""

    def __init__(self, dim: int, in_channels: int, out_channels: int, base: int = 16, levels: int = 2,
                 residual: bool = False):
        super().__init__()
        self.dim, self.levels, self.out_channels, self.residual = dim, levels, out_channels, residual
        widths = [base * 2**i for i in range(levels + 1)]
        self.down = nn.ModuleList([_Block(dim, in_channels, widths[0])]
                                  + [_Block(dim, widths[i], widths[i + 1]) for i in range(levels)])
        self.up = nn.ModuleList([_Block(dim, widths[i + 1] + widths[i], widths[i]) for i in reversed(range(levels))])
        self.head = _conv(dim, widths[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = nn.functional.avg_pool1d if self.dim == 1 else nn.functional.avg_pool2d
        mode = "linear" if self.dim == 1 else "bilinear"
        skips, h = [], x
        for i, block in enumerate(self.down):
            h = block(h if i == 0 else pool(h, 2))
            skips.append(h)
        for block, skip in zip(self.up, reversed(skips[:-1])):
            h = nn.functional.interpolate(h, size=skip.shape[2:], mode=mode, align_corners=False)
            h = block(torch.cat([h, skip], dim=1))
        y = self.head(h)
        if self.residual:
            y = y + x[:, : self.out_channels]
        return y.flatten(1)


@dataclass(frozen=True)
class PeriodicConvNetFactory:
    """Builds a :class:`PeriodicConvNet` for ``TorchRegressor(module=...)`` (inputs ``(n, C, *grid)``)."""

    dim: int = 1
    channels: tuple[int, ...] = (32, 32, 32)
    kernel_size: int = 5
    residual: bool = False

    CONSTRAINTS: ClassVar = {"dim": OneOf(1, 2), "channels": Ints(1), "kernel_size": Int(1), "residual": Bool()}

    def __post_init__(self) -> None:
        validate_fields(self, self.CONSTRAINTS)

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        c_in, c_out = _channels(input_shape, n_outputs, self.dim)
        return PeriodicConvNet(self.dim, c_in, c_out, self.channels, self.kernel_size, self.residual)


@dataclass(frozen=True)
class PeriodicUNetFactory:
    """Builds a :class:`PeriodicUNet` for ``TorchRegressor(module=...)`` (inputs ``(n, C, *grid)``)."""

    dim: int = 1
    base: int = 16
    levels: int = 2
    residual: bool = False

    CONSTRAINTS: ClassVar = {"dim": OneOf(1, 2), "base": Int(1), "levels": Int(1, 6), "residual": Bool()}

    def __post_init__(self) -> None:
        validate_fields(self, self.CONSTRAINTS)

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        c_in, c_out = _channels(input_shape, n_outputs, self.dim)
        return PeriodicUNet(self.dim, c_in, c_out, self.base, self.levels, self.residual)
