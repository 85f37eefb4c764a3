"""``TorchRegressor``: a scikit-learn regressor that trains any PyTorch module (mean squared error).

Inputs and targets are standardised before training (each target to zero mean
and unit variance), so ``lr`` and the early-stopping tolerance mean the same for
a displacement in metres and an energy in eV; predictions come back in the
target's own units and shape (``(n,)`` or ``(n, n_targets)``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from ..validation import Bool
from ._torch_base import TorchEstimatorBase
from ._torch_state import save_torch_estimator
from .torch_utils import TRAINING_CONSTRAINTS

__all__ = ["TorchRegressor"]


class TorchRegressor(RegressorMixin, TorchEstimatorBase):
    """Regressor over a PyTorch module built by ``module(input_shape, n_targets)``.

    Parameters
    ----------
    module: factory of the network (default: :class:`~physml.models.MLPFactory`).
    epochs: maximum passes over the training data.
    batch_size, lr, weight_decay: Adam mini-batch training.
    validation_fraction: held out for early stopping (0 disables it; so do fewer than 10 samples).
    patience: epochs without validation improvement before stopping.
    standardize: scale inputs to zero mean / unit variance per feature.
    standardize_target: train on targets scaled to zero mean / unit variance (predictions are scaled back).
    seed: seeds the split, the initial weights and the batch order.
    device: ``auto | cpu | cuda``.
    progress: show a progress bar over epochs.
    any_size: the module is fully convolutional; predict on fields of any size.
    lr_schedule: ``'constant'``, ``'cosine'`` (from ``lr`` to 0 over all epochs; best without early stopping)
    or ``'warmup-cosine'`` (linear rise over the first 5 % of the steps, then the cosine).

    Fitted attributes: ``module_``, ``loss_curve_`` and ``validation_curve_`` (MSE in standardised target
    units), ``best_epoch_``, ``n_iter_``, ``mean_``, ``scale_``, ``y_mean_``, ``y_scale_``, ``n_outputs_``.
    """

    CONSTRAINTS = {**TRAINING_CONSTRAINTS, "standardize_target": Bool()}

    def __init__(self, module: Callable | None = None, *, epochs: int = 200, batch_size: int = 64, lr: float = 1e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.15, patience: int = 20,
                 standardize: bool = True, standardize_target: bool = True, seed: int = 0, device: str = "cpu",
                 progress: bool = False, any_size: bool = False, lr_schedule: str = "constant"):
        self.module = module
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.standardize = standardize
        self.standardize_target = standardize_target
        self.seed = seed
        self.device = device
        self.progress = progress
        self.any_size = any_size
        self.lr_schedule = lr_schedule

    def fit(self, X, y) -> TorchRegressor:
        self._check_params()
        X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, y_numeric=True, multi_output=True)
        y = np.asarray(y, dtype=np.float64)
        self.y_ndim_ = y.ndim
        Y = y.reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        if self.standardize_target:
            std = Y.std(axis=0)
            self.y_mean_, self.y_scale_ = Y.mean(axis=0), np.where(std > 0, std, 1.0)
        else:
            self.y_mean_, self.y_scale_ = np.zeros(self.n_outputs_), np.ones(self.n_outputs_)
        targets = torch.as_tensor((Y - self.y_mean_) / self.y_scale_, dtype=torch.float32)
        self._fit_network(X, targets, self.n_outputs_, torch.nn.MSELoss(),
                          advice=", keep standardize=True and standardize_target=True, or a smaller network")
        return self

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def predict(self, X) -> np.ndarray:
        """Predictions in the target's units, shape ``(n,)`` for a 1-d target else ``(n, n_targets)``."""
        out = self._forward(self._validate_X(X, fitting=False)).astype(np.float64)
        if out.shape[1] != self.n_outputs_:  # any_size field-to-field network (FNO) on another grid
            if self.standardize_target:
                raise ValueError(f"this model outputs {out.shape[1]} values here but was fitted on {self.n_outputs_} "
                                 "with standardize_target=True (per-output scaling); fit with standardize_target=False")
            return out
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self.y_ndim_ == 1 else out

    def input_gradient(self, X, output_index: int = 0) -> np.ndarray:
        """d prediction[:, output_index] / d input per sample, in target units per input unit."""
        grad = self._gradient(X, lambda out: out[:, output_index])
        return grad * self.y_scale_[output_index]

    def save(self, path: str | Path, *, force: bool = False) -> tuple[Path, Path]:
        """Write ``<path>.safetensors`` (weights, scaling) and ``<path>.json`` (hyper-parameters, shapes)."""
        return save_torch_estimator(self, path, force=force)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
