"""Small convolutional networks for fields on periodic lattices."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["PeriodicCNN", "PeriodicCNNFactory"]


class PeriodicCNN(nn.Module):
    """Conv layers with circular padding, then global average pooling and a linear head.

    Circular padding matches periodic boundary conditions and global average
    pooling makes the network exactly invariant under lattice translations, the
    symmetry of a periodic system. With ``flip_invariant`` the output is the
    mean over ``x`` and ``-x`` (e.g. the global spin flip of a Z2-symmetric
    Hamiltonian), exactly invariant under ``x -> -x``. Input: ``(n, H, W)`` or
    ``(n, C, H, W)``; any H and W.
    """

    def __init__(self, in_channels: int = 1, channels: tuple[int, ...] = (8, 16), kernel_size: int = 3,
                 n_outputs: int = 2, flip_invariant: bool = False):
        super().__init__()
        self.flip_invariant = flip_invariant
        layers: list[nn.Module] = []
        c_in = in_channels
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, padding_mode="circular"),
                       nn.Tanh()]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 3:
            x = x.unsqueeze(1)
        out = self.head(self.features(x).mean(dim=(2, 3)))
        if self.flip_invariant:
            out = 0.5 * (out + self.head(self.features(-x).mean(dim=(2, 3))))
        return out


@dataclass(frozen=True)
class PeriodicCNNFactory:
    """Builds a :class:`PeriodicCNN` for ``TorchClassifier(module=...)`` (hyper-parameters only)."""

    channels: tuple[int, ...] = (8, 16)
    kernel_size: int = 3
    flip_invariant: bool = False

    def __call__(self, input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
        in_channels = 1 if len(input_shape) == 2 else input_shape[0]
        return PeriodicCNN(in_channels, self.channels, self.kernel_size, n_outputs, self.flip_invariant)
