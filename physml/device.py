"""Device choice: ``auto`` takes a GPU when there is one; everything runs on a CPU."""

from __future__ import annotations

from .errors import ParameterError

__all__ = ["resolve_device", "DEVICES"]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str = "auto"):
    """The ``torch.device`` for ``auto|cpu|cuda``; asking for CUDA without one is an error."""
    import torch

    if device not in DEVICES:
        raise ParameterError.invalid("device", device, "one of auto, cpu, cuda")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ParameterError.invalid("device", device, "'cpu' or 'auto' on this machine (no CUDA device found)")
    return torch.device(device)
