"""DANN: domain-adversarial training (Ganin et al., JMLR 17, 2016), unlabelled target samples only.

A feature network feeds two heads: the label head learns the task on the labelled source samples;
the domain head learns to tell source from target features, and its gradient reaches the feature
network through a gradient-reversal layer (identity forward, ``-lambda`` times the gradient
backward), so the features are pushed to carry the label and not the domain. ``lambda`` ramps
from 0 to ``adaptation`` along Ganin's schedule ``2 / (1 + exp(-10 p)) - 1`` (p: training
progress), which lets the label head settle before the features are aligned.

Estimator API: ``DANNClassifier().fit(X_source, y_source, X_target=...)``, then ``predict`` /
``predict_proba`` on target data. ``adaptation=0`` trains the same network on the source alone
(the unadapted baseline, identical otherwise).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn
from tqdm.auto import tqdm

from ..device import resolve_device
from ..errors import ParameterError
from ..models import TRAINING_CONSTRAINTS, check_params, divergence_error, forked_torch_rng
from ..validation import Int, Ints, Real
from ._checks import check_target

__all__ = ["DANNClassifier", "GradientReversal"]


class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.lam * grad, None


class GradientReversal(nn.Module):
    """Identity forward; multiplies the gradient by ``-lam`` backward."""

    def __init__(self) -> None:
        super().__init__()
        self.lam = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _Reverse.apply(x, self.lam)


class _DANNNet(nn.Module):
    def __init__(self, n_in: int, hidden: tuple[int, ...], n_classes: int, domain_hidden: int):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = n_in
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.features = nn.Sequential(*layers)
        self.label = nn.Linear(width, n_classes)
        self.reverse = GradientReversal()
        self.domain = nn.Sequential(nn.Linear(width, domain_hidden), nn.ReLU(), nn.Linear(domain_hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.label(self.features(x))


class DANNClassifier(ClassifierMixin, BaseEstimator):
    """Domain-adversarial classifier (MLP features, linear label head, one-hidden-layer domain head).

    Parameters
    ----------
    hidden: widths of the feature network's layers (ReLU).
    domain_hidden: width of the domain head's hidden layer.
    adaptation: final weight of the reversed domain gradient (0: no adaptation).
    epochs, batch_size, lr, weight_decay: Adam; one epoch = one pass over the source samples, each
        source batch paired with a target batch of the same size (drawn with replacement).
    standardize: scale inputs with the mean / std of source and target together.
    seed, device, progress: as the other torch estimators.

    Fitted: ``classes_``, ``module_``, ``loss_curve_`` (label loss), ``domain_loss_curve_``, ``mean_``, ``scale_``.
    """

    CONSTRAINTS = {"hidden": Ints(1), "domain_hidden": Int(1), "adaptation": Real(0.0),
                   **{k: TRAINING_CONSTRAINTS[k] for k in ("epochs", "batch_size", "lr", "weight_decay", "standardize",
                                                           "seed", "device", "progress")}}

    def __init__(self, *, hidden: tuple[int, ...] = (64, 32), domain_hidden: int = 32, adaptation: float = 1.0,
                 epochs: int = 30, batch_size: int = 64, lr: float = 1e-3, weight_decay: float = 0.0,
                 standardize: bool = True, seed: int = 0, device: str = "cpu", progress: bool = False):
        self.hidden = hidden
        self.domain_hidden = domain_hidden
        self.adaptation = adaptation
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.seed = seed
        self.device = device
        self.progress = progress

    def _check_params(self) -> None:
        check_params(self, self.CONSTRAINTS)

    def fit(self, X, y, *, X_target=None) -> DANNClassifier:
        """Train on labelled source ``(X, y)`` and unlabelled ``X_target`` (required unless adaptation=0)."""
        self._check_params()
        Xs, y = check_target(X, y, n_features=None, supervised=True, what="source")
        check_classification_targets(y)
        Xs = Xs.reshape(len(Xs), -1)
        if X_target is None:
            if self.adaptation > 0:
                raise ParameterError.invalid("X_target", None, "unlabelled target samples when adaptation > 0")
            Xt = Xs[:1]
        else:
            Xt, _ = check_target(X_target, n_features=Xs.shape[1], supervised=False)
            Xt = Xt.reshape(len(Xt), -1)
        self.n_features_in_ = Xs.shape[1]
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        both = np.concatenate([Xs, Xt]) if X_target is not None else Xs
        if self.standardize:
            std = both.std(axis=0)
            self.mean_, self.scale_ = both.mean(axis=0), np.where(std > 0, std, 1.0)
        else:
            self.mean_, self.scale_ = np.zeros(Xs.shape[1]), np.ones(Xs.shape[1])
        self.device_ = resolve_device(self.device)
        rng = np.random.default_rng(self.seed)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        xs, xt = self._tensor(Xs), self._tensor(Xt)
        ys = torch.as_tensor(y_idx, dtype=torch.long, device=self.device_)
        with forked_torch_rng(self.device_, int(rng.integers(2**31))):
            net = _DANNNet(Xs.shape[1], tuple(self.hidden), len(self.classes_), self.domain_hidden).to(self.device_)
            self.loss_curve_, self.domain_loss_curve_ = self._train(net, xs, ys, xt, gen)
        self.module_ = net.eval()
        return self

    def _train(self, net, xs, ys, xt, gen) -> tuple[list[float], list[float]]:
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        ce, bce = nn.CrossEntropyLoss(), nn.BCEWithLogitsLoss()
        n, bs = len(xs), self.batch_size
        steps_per_epoch = math.ceil(n / bs)
        total = self.epochs * steps_per_epoch
        label_curve, domain_curve = [], []
        step = 0
        for epoch in tqdm(range(self.epochs), disable=not self.progress, desc="dann", leave=False):
            net.train()
            order = torch.randperm(n, generator=gen).to(self.device_)
            t_idx = torch.randint(len(xt), (steps_per_epoch * bs,), generator=gen).to(self.device_)
            lab, dom = [], []
            for k, batch in enumerate(order.split(bs)):
                p = step / max(1, total - 1)
                net.reverse.lam = float(self.adaptation) * (2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0)
                opt.zero_grad(set_to_none=True)
                fs = net.features(xs[batch])
                loss = ce(net.label(fs), ys[batch])
                lab.append(loss.detach())
                if self.adaptation > 0:
                    ft = net.features(xt[t_idx[k * bs:k * bs + len(batch)]])
                    logits = net.domain(net.reverse(torch.cat([fs, ft])))
                    d = torch.cat([torch.zeros(len(fs)), torch.ones(len(ft))]).to(self.device_)
                    dloss = bce(logits[:, 0], d)
                    loss = loss + dloss
                    dom.append(dloss.detach())
                loss.backward()
                opt.step()
                step += 1
            label_curve.append(float(torch.stack(lab).mean()))
            domain_curve.append(float(torch.stack(dom).mean()) if dom else 0.0)
            if not math.isfinite(label_curve[-1] + domain_curve[-1]):
                raise divergence_error("training", label_curve[-1] + domain_curve[-1], epoch, self.epochs, self.lr,
                                       " or a smaller adaptation")
        return label_curve, domain_curve

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        return torch.as_tensor((X - self.mean_) / self.scale_, dtype=torch.float32, device=self.device_)

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self, "module_")
        X, _ = check_target(X, n_features=self.n_features_in_, supervised=False)
        with torch.no_grad():
            return self.module_(self._tensor(X.reshape(len(X), -1))).cpu().numpy().astype(np.float64)

    def features(self, X) -> np.ndarray:
        """The feature network's output (the representation the domain head sees)."""
        check_is_fitted(self, "module_")
        X, _ = check_target(X, n_features=self.n_features_in_, supervised=False)
        with torch.no_grad():
            return self.module_.features(self._tensor(X.reshape(len(X), -1))).cpu().numpy()

    def predict_proba(self, X) -> np.ndarray:
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self._logits(X), axis=1)]
