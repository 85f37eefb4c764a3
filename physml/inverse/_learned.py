"""Learned reconstruction: a small CNN that removes the artefacts of a classical reconstruction.

Post-processing as in FBPConvNet (Jin, McCann, Froustey & Unser 2017): the network sees the
filtered back-projection (FBP) of noisy, limited-angle projections and outputs the image,
``x = fbp + net(fbp)`` (it learns the artefact, not the image). Here ``net`` is a stack of
3x3 convolutions with growing then shrinking dilation (1, 2, 4, 8, 4, 2, 1 by default): a
receptive field of 47 pixels, wide enough to see a streak's extent, at the cost of a
plain 7-layer CNN (a U-Net would be the heavier alternative). Being fully convolutional, it
trains on random ``patch`` x ``patch`` crops and runs on whole images of any size.

It is trained on pairs simulated from random phantoms (never on the image it will be
asked to reconstruct): the study checks it on the Shepp-Logan phantom, which is not in
its training set, and on held-out random phantoms.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..errors import DataError
from ..validation import check_int, check_ints, check_real, check_seed

__all__ = ["LearnedReconstruction"]


def _net(channels: int, dilations: tuple[int, ...]):
    import torch.nn as nn

    layers, c_in = [], 1
    for i, d in enumerate(dilations):
        last = i == len(dilations) - 1
        layers.append(nn.Conv2d(c_in, 1 if last else channels, 3, padding=d, dilation=d))
        if not last:
            layers.append(nn.ReLU())
        c_in = channels
    return nn.Sequential(*layers)


class LearnedReconstruction:
    """Residual dilated CNN ``image = input + net(input)`` trained on ``(input, target)`` image pairs."""

    def __init__(self, *, channels: int = 16, dilations: tuple[int, ...] = (1, 2, 4, 8, 4, 2, 1), steps: int = 1500,
                 batch_size: int = 8, patch: int = 64, lr: float = 2e-3, seed: int = 0):
        self.channels = channels
        self.dilations = tuple(dilations)
        self.steps = steps
        self.batch_size = batch_size
        self.patch = patch
        self.lr = lr
        self.seed = seed

    def _check_params(self) -> None:
        for name in ("channels", "steps", "batch_size", "patch"):
            check_int(name, getattr(self, name), 1)
        check_ints("dilations", self.dilations, 1)
        check_real("lr", self.lr, 0.0, math.inf, closed="neither")
        check_seed("seed", self.seed)

    @staticmethod
    def _images(name: str, a) -> np.ndarray:
        a = np.asarray(a, np.float64)
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3:
            raise DataError(f"{name} must be images (n, H, W); got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise DataError(f"{name} contain {int(np.sum(~np.isfinite(a)))} non-finite value(s) (NaN or inf)")
        return a

    def fit(self, inputs, targets) -> LearnedReconstruction:
        import torch

        from ..models import forked_torch_rng

        self._check_params()
        X, T = self._images("inputs", inputs), self._images("targets", targets)
        if X.shape != T.shape:
            raise DataError(f"inputs {X.shape} and targets {T.shape} must have the same shape")
        n, H, W = X.shape
        p = min(self.patch, H, W)
        rng = np.random.default_rng(self.seed)
        t0 = time.perf_counter()
        with forked_torch_rng(torch.device("cpu"), int(rng.integers(2**31 - 1))):
            net = _net(self.channels, self.dilations)
        Xt, Tt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(T, dtype=torch.float32)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.steps)
        self.loss_curve_ = []
        net.train()
        for step in range(self.steps):
            idx = rng.integers(0, n, self.batch_size)
            i0, j0 = rng.integers(0, H - p + 1, self.batch_size), rng.integers(0, W - p + 1, self.batch_size)
            k = rng.integers(0, 8, self.batch_size)  # the square's 8 symmetries: FBP's artefacts turn with the image
            xb, tb = [], []
            for b in range(self.batch_size):
                for src, out in ((Xt, xb), (Tt, tb)):
                    crop = src[idx[b], i0[b]:i0[b] + p, j0[b]:j0[b] + p]
                    crop = torch.rot90(crop, int(k[b] % 4))
                    out.append(crop.flip(1) if k[b] >= 4 else crop)
            xb, tb = torch.stack(xb)[:, None], torch.stack(tb)[:, None]
            opt.zero_grad(set_to_none=True)
            loss = torch.mean((xb + net(xb) - tb) ** 2)
            loss.backward()
            opt.step()
            sched.step()
            self.loss_curve_.append(float(loss.detach()))
            if not math.isfinite(self.loss_curve_[-1]):
                from ..models import divergence_error

                raise divergence_error("training", self.loss_curve_[-1], step, self.steps, self.lr, unit="step")
        net.eval()
        self.net_ = net
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def predict(self, inputs) -> np.ndarray:
        """Reconstructed images ``(n, H, W)`` (or ``(H, W)`` for one ``(H, W)`` input)."""
        import torch

        if not hasattr(self, "net_"):
            raise DataError("LearnedReconstruction is not fitted; call fit first")
        single = np.ndim(inputs) == 2
        X = torch.as_tensor(self._images("inputs", inputs), dtype=torch.float32)[:, None]
        with torch.no_grad():
            out = torch.cat([x + self.net_(x) for x in X.split(16)])[:, 0].numpy().astype(np.float64)
        return out[0] if single else out
