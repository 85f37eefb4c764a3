"""``ConvAutoencoder``: a convolutional autoencoder (or VAE) for lattice and grid data, in PyTorch.

The encoder is two periodic (circular-padding) convolutions and a global average, so its latent is
translation invariant, as every observable of a periodic lattice is; the decoder maps the latent back to one
value per site. With ``symmetric=True`` (the default) no layer has a bias and every activation is ``tanh``, so the
network is odd: flipping every spin flips the latent, the Z2 symmetry of the Ising model built in (Wetzel 2017
found that the latent of such an autoencoder is the magnetisation). ``variational=True`` makes it a VAE
(Kingma & Welling 2014) whose posterior variance is learned per latent direction (input independent, which keeps
the odd symmetry). Training is :func:`physml.models.torch_utils.train_module`: Adam, early stopping on a held-out
share, every random draw from ``seed``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..device import DEVICES, resolve_device
from ..errors import DataError
from ..validation import Bool, Int, Ints, OneOf, Real
from ._checks import check_samples

__all__ = ["ConvAutoencoder", "LIKELIHOODS"]

LIKELIHOODS = ("bernoulli", "gaussian")

_CONSTRAINTS = {
    "latent_dim": Int(1), "channels": Ints(1), "hidden": Int(1), "variational": Bool(), "beta": Real(0.0),
    "likelihood": OneOf(*LIKELIHOODS), "symmetric": Bool(), "linear_encoder": Bool(), "epochs": Int(1),
    "batch_size": Int(1),
    "lr": Real(0.0, closed="neither"), "patience": Int(1), "validation_fraction": Real(0.0, 1.0, closed="left"),
    "seed": Int(0, 2**63 - 1), "device": OneOf(*DEVICES),
}


def _build(shape: tuple[int, int], latent: int, channels: tuple[int, ...], hidden: int, variational: bool,
           symmetric: bool, linear_encoder: bool = False):
    import torch
    from torch import nn

    bias = not symmetric
    H, W = shape

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c_in = [], 1
            for c in channels:
                layers += [nn.Conv2d(c_in, c, 3, padding=1, padding_mode="circular", bias=bias),
                           nn.Identity() if linear_encoder else nn.Tanh()]
                c_in = c
            self.conv = nn.Sequential(*layers)
            self.to_latent = nn.Linear(c_in, latent, bias=bias)
            self.logvar = nn.Parameter(torch.full((latent,), -2.0)) if variational else None
            self.decoder = nn.Sequential(nn.Linear(latent, hidden, bias=bias), nn.Tanh(),
                                         nn.Linear(hidden, H * W, bias=bias))

        def encode(self, x):
            return self.to_latent(self.conv(x.unsqueeze(1)).mean(dim=(2, 3)))

        def forward(self, x):
            mu = self.encode(x)
            z = mu
            if self.logvar is not None and self.training:
                z = mu + torch.exp(0.5 * self.logvar) * torch.randn_like(mu)
            return self.decoder(z).view(-1, H, W), mu

    return Net()


class ConvAutoencoder(TransformerMixin, BaseEstimator):
    """Autoencoder of fields ``X`` of shape ``(n, H, W)`` (e.g. Ising spins, ``H = W = L``).

    latent_dim, channels, hidden:
        latent size; the encoder's convolution channels; the decoder's hidden width.
    variational, beta:
        a VAE with KL weight ``beta`` (the ELBO at ``beta = 1``).
    likelihood:
        ``bernoulli`` for +-1 spins (or values in [-1, 1]; the decoder gives P(s = +1)), ``gaussian`` for real
        fields (squared error on the standardised field).
    symmetric:
        an odd network (no biases, tanh): the latent of ``-x`` is minus the latent of ``x``.
    linear_encoder:
        no activation between the encoder's convolutions: with the global mean, the latent is then a linear
        translation-invariant function of the field (for spins, a multiple of the magnetisation); the decoder stays
        nonlinear.
    epochs, batch_size, lr, patience, validation_fraction:
        the training loop's settings (early stopping on the held-out share).
    seed, device:
        every random draw (weights, batches, the VAE's noise) comes from ``seed``; ``cpu``, ``cuda`` or ``auto``.

    ``transform`` gives the latent (the posterior mean for a VAE); ``reconstruction_error`` the per-sample error
    per site (cross-entropy in nats or squared error); ``score_samples`` its negative (higher = more typical,
    scikit-learn's convention).
    """

    def __init__(self, latent_dim: int = 1, *, channels: tuple[int, ...] = (4, 4), hidden: int = 32,
                 variational: bool = False, beta: float = 1.0, likelihood: str = "bernoulli", symmetric: bool = True,
                 linear_encoder: bool = False,
                 epochs: int = 30, batch_size: int = 128, lr: float = 3e-3, patience: int = 5,
                 validation_fraction: float = 0.1, seed: int = 0, device: str = "cpu"):
        self.latent_dim = latent_dim
        self.channels = channels
        self.hidden = hidden
        self.variational = variational
        self.beta = beta
        self.likelihood = likelihood
        self.symmetric = symmetric
        self.linear_encoder = linear_encoder
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.device = device

    # ------------------------------------------------------------------------------------------ data
    def _fields(self, X, *, fitting: bool, any_shape: bool = False) -> np.ndarray:
        X = check_samples(X, min_samples=2 if fitting else 1, flatten=False)
        if X.ndim != 3 or min(X.shape[1:]) < 2:
            raise DataError(f"array 'X' must be a stack of 2D fields (n, H, W) with H, W >= 2; got shape {X.shape}")
        if not fitting and not any_shape and X.shape[1:] != self.shape_:
            raise DataError(f"array 'X' has fields of shape {X.shape[1:]}; the autoencoder was fitted on {self.shape_}")
        if self.likelihood == "bernoulli" and (X.min() < -1 or X.max() > 1):
            raise DataError("array 'X' must lie in [-1, 1] for likelihood='bernoulli' (+-1 spins); "
                            f"got values in [{X.min():g}, {X.max():g}]")
        return X

    def _tensors(self, X: np.ndarray):
        import torch

        if self.likelihood == "bernoulli":
            x, target = X, (X + 1.0) / 2.0
        else:
            x = (X - self.mean_) / self.scale_
            target = x
        return (torch.as_tensor(x, dtype=torch.float32, device=self.device_),
                torch.as_tensor(target, dtype=torch.float32, device=self.device_))

    def _site_loss(self, out, target):
        import torch.nn.functional as F

        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, target, reduction="none")
        return (out - target) ** 2

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, X, y=None) -> ConvAutoencoder:
        import torch

        from ..models.torch_utils import check_params, forked_torch_rng, seeded_split, train_module

        check_params(self, _CONSTRAINTS)
        self.device_ = resolve_device(self.device)
        self.likelihood_ = self.likelihood
        X = self._fields(X, fitting=True)
        self.shape_ = tuple(X.shape[1:])
        self.mean_, self.scale_ = float(X.mean()), float(X.std()) or 1.0
        x, target = self._tensors(X)
        rng = np.random.default_rng(self.seed)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        train_idx, val_idx = seeded_split(len(X), self.validation_fraction, rng)
        beta, variational = float(self.beta), bool(self.variational)

        def loss_fn(out, tgt):
            recon, mu = out
            loss = self._site_loss(recon, tgt).sum(dim=(1, 2)).mean()  # per configuration, summed over sites
            if variational and net.training:
                logvar = net.logvar
                kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1).mean()
                loss = loss + beta * kl
            return loss

        with forked_torch_rng(self.device_, int(rng.integers(2**31))):  # weights and the VAE's noise from `seed`
            net = _build(self.shape_, self.latent_dim, tuple(self.channels), self.hidden, variational,
                         self.symmetric, self.linear_encoder).to(self.device_)
            self.history_ = train_module(net, x, target, loss_fn, train_idx=train_idx, val_idx=val_idx,
                                         epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                                         weight_decay=0.0, patience=self.patience, generator=gen,
                                         advice=", or a smaller batch_size")
        self.module_ = net.eval()
        return self

    # ------------------------------------------------------------------------------------------ use
    def _outputs(self, X):
        import torch

        check_is_fitted(self, "module_")
        x, target = self._tensors(self._fields(X, fitting=False))
        recon, mus = [], []
        with torch.no_grad():
            for xb in x.split(4096):
                r, mu = self.module_(xb)
                recon.append(r)
                mus.append(mu)
        return torch.cat(recon), torch.cat(mus), target

    def transform(self, X) -> np.ndarray:
        """The latent of each sample, ``(n, latent_dim)`` (a VAE's posterior mean). The encoder is convolutions and
        a global average, so it reads fields of any size (e.g. lattices of another L than the training one)."""
        import torch

        check_is_fitted(self, "module_")
        x, _ = self._tensors(self._fields(X, fitting=False, any_shape=True))
        with torch.no_grad():
            return torch.cat([self.module_.encode(xb) for xb in x.split(4096)]).double().cpu().numpy()

    def reconstruction_error(self, X) -> np.ndarray:
        """Per-sample reconstruction error per site (nats for ``bernoulli``, squared error for ``gaussian``)."""
        recon, _, target = self._outputs(X)
        return self._site_loss(recon, target).mean(dim=(1, 2)).double().cpu().numpy()

    def reconstruct(self, X) -> np.ndarray:
        """The decoded fields: mean spin ``2 P(+1) - 1`` (bernoulli) or the field in the input's units."""
        import torch

        recon = self._outputs(X)[0]
        if self.likelihood == "bernoulli":
            return (2 * torch.sigmoid(recon) - 1).double().cpu().numpy()
        return recon.double().cpu().numpy() * self.scale_ + self.mean_

    def score_samples(self, X) -> np.ndarray:
        """Minus the reconstruction error: higher means more like the training data."""
        return -self.reconstruction_error(X)
