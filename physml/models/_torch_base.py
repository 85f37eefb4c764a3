"""What :class:`TorchClassifier` and :class:`TorchRegressor` share: checks, scaling, fit set-up, prediction.

Subclasses define ``__init__`` (scikit-learn reads the hyper-parameters from
its signature), the loss, the targets and ``CONSTRAINTS`` (their parameters' checks);
the loop itself is :func:`physml.models.torch_utils.train_module`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..device import resolve_device
from ..errors import ParameterError
from ._mlp import MLPFactory
from .torch_utils import TRAINING_CONSTRAINTS, check_params, forked_torch_rng, seeded_split, train_module

__all__ = ["TorchEstimatorBase"]

_PREDICT_CHUNK = 4096


class TorchEstimatorBase(BaseEstimator):
    """Shared machinery of the torch estimators (not public: use the two subclasses)."""

    CONSTRAINTS = TRAINING_CONSTRAINTS

    def _check_params(self) -> None:
        check_params(self, self.CONSTRAINTS)
        if self.standardize and self.any_size:
            raise ParameterError.invalid("standardize", self.standardize,
                                         "False when any_size=True (scaling needs a fixed input size)")

    def _validate_X(self, X, *, fitting: bool) -> np.ndarray:
        if not fitting:
            check_is_fitted(self, "module_")
        if not fitting and self.any_size and np.ndim(X) > 2:
            X = check_array(X, allow_nd=True, dtype=np.float32)
            if X.ndim != len(self.input_shape_) + 1:
                raise ValueError(f"X has sample shape {X.shape[1:]}; the model reads fields of "
                                 f"{len(self.input_shape_)} dimensions like {tuple(self.input_shape_)}")
            return X
        X = validate_data(self, X, reset=fitting, allow_nd=True, dtype=np.float32, ensure_min_features=1)
        if not fitting and X.shape[1:] != tuple(self.input_shape_):
            raise ValueError(f"X has sample shape {X.shape[1:]}, the model was fitted on {tuple(self.input_shape_)}")
        return X

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        if self.standardize:
            X = (X - self.mean_) / self.scale_
        return torch.as_tensor(X, dtype=torch.float32, device=self.device_)

    def _fit_network(self, X: np.ndarray, targets: torch.Tensor, n_outputs: int, loss_fn: Callable,
                     advice: str) -> None:
        """Set the scaling, split, build the network from ``seed`` and train it; sets the fitted attributes."""
        self.input_shape_ = tuple(X.shape[1:])
        self.device_ = resolve_device(self.device)
        if self.standardize:
            std = X.std(axis=0, dtype=np.float64)
            self.mean_ = X.mean(axis=0, dtype=np.float64).astype(np.float32)
            self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
        else:
            self.mean_ = np.zeros(self.input_shape_, np.float32)
            self.scale_ = np.ones(self.input_shape_, np.float32)

        rng = np.random.default_rng(self.seed)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        train_idx, val_idx = seeded_split(len(X), self.validation_fraction, rng)
        factory = self.module if self.module is not None else MLPFactory()
        with forked_torch_rng(self.device_, int(rng.integers(2**31))):  # weights and any dropout: from `seed` alone
            net = factory(self.input_shape_, n_outputs).to(self.device_)
            history = train_module(
                net, self._tensor(X), targets.to(self.device_), loss_fn, train_idx=train_idx,
                val_idx=val_idx, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                weight_decay=self.weight_decay, patience=self.patience, generator=gen, progress=self.progress,
                advice=advice, lr_schedule=self.lr_schedule)
        self.module_ = net
        self.loss_curve_ = history.loss_curve
        self.validation_curve_ = history.validation_curve
        self.best_epoch_ = history.best_epoch
        self.n_iter_ = len(history.loss_curve)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """Network outputs on validated ``X``, in chunks, as float32 ``(n, n_outputs)``."""
        out = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                out.append(self.module_(self._tensor(X[start:start + _PREDICT_CHUNK])).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self._n_outputs()), np.float32)

    def _gradient(self, X, score: Callable[[torch.Tensor], torch.Tensor]) -> np.ndarray:
        """d score(network output)/d input, per sample, in the units of the raw input."""
        X = self._validate_X(X, fitting=False)
        x = self._tensor(X).requires_grad_(True)
        (grad,) = torch.autograd.grad(score(self.module_(x)).sum(), x)
        return grad.cpu().numpy() / (self.scale_ if self.standardize else 1.0)

    def _n_outputs(self) -> int:
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"  # GPU kernels may reorder sums; CPU runs are bit-reproducible
        return tags
