"""``TorchClassifier``: a scikit-learn classifier that trains any PyTorch module.

``__init__`` only stores hyper-parameters; ``fit`` builds the module from
``module(input_shape, n_classes)``, trains it with Adam on mini-batches and
early-stops on a validation split, restoring the best weights. Inputs may be
tabular ``(n, d)`` or fields ``(n, H, W)``. Randomness comes only from ``seed``.
Weights are saved as safetensors plus a JSON config (no pickle).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._torch_base import TorchEstimatorBase
from ._torch_state import save_torch_estimator

__all__ = ["TorchClassifier"]


class TorchClassifier(ClassifierMixin, TorchEstimatorBase):
    """Classifier over a PyTorch module built by ``module(input_shape, n_classes)`` (cross-entropy loss).

    Parameters
    ----------
    module: factory of the network (default: :class:`~physml.models.MLPFactory`).
    epochs: maximum passes over the training data.
    batch_size, lr, weight_decay: Adam mini-batch training.
    validation_fraction: held out for early stopping (0 disables it; so do fewer than 10 samples).
    patience: epochs without validation improvement before stopping.
    standardize: scale inputs to zero mean / unit variance per feature.
    seed: seeds the split, the initial weights and the batch order.
    device: ``auto | cpu | cuda``.
    progress: show a progress bar over epochs.
    any_size: the module is fully convolutional; predict on fields of any size
        (e.g. a lattice model trained at one L and read at another).
    lr_schedule: ``'constant'``, ``'cosine'`` (from ``lr`` to 0 over all epochs; best without early stopping)
    or ``'warmup-cosine'`` (linear rise over the first 5 % of the steps, then the cosine).

    Fitted attributes: ``classes_``, ``module_`` (the trained network, eval mode), ``loss_curve_``,
    ``validation_curve_``, ``best_epoch_`` (whose weights were kept), ``n_iter_``, ``mean_``, ``scale_``.
    """

    def __init__(self, module: Callable | None = None, *, epochs: int = 50, batch_size: int = 64, lr: float = 1e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.15, patience: int = 8,
                 standardize: bool = True, seed: int = 0, device: str = "cpu", progress: bool = False,
                 any_size: bool = False, lr_schedule: str = "constant"):
        self.module = module
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.standardize = standardize
        self.seed = seed
        self.device = device
        self.progress = progress
        self.any_size = any_size
        self.lr_schedule = lr_schedule

    def fit(self, X, y) -> TorchClassifier:
        self._check_params()
        X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, y_numeric=False)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self._fit_network(X, torch.as_tensor(y_idx, dtype=torch.long), len(self.classes_),
                          torch.nn.CrossEntropyLoss(), advice=", standardize=True, or a smaller network")
        return self

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _logits(self, X) -> np.ndarray:
        return self._forward(self._validate_X(X, fitting=False))

    def decision_function(self, X) -> np.ndarray:
        """Logits, shape ``(n, n_classes)`` (``(n,)`` logit difference for two classes)."""
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X) -> np.ndarray:
        logits = self._logits(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        logits = self._logits(X)  # checks fitted first
        return self.classes_[np.argmax(logits, axis=1)]

    def input_gradient(self, X, class_index: int = 1) -> np.ndarray:
        """d(logit of ``class_index`` - mean logit)/d(input), in input units: a saliency map per sample."""
        return self._gradient(X, lambda logits: logits[:, class_index] - logits.mean(dim=1))

    def save(self, path: str | Path, *, force: bool = False) -> tuple[Path, Path]:
        """Write ``<path>.safetensors`` (weights, scaling) and ``<path>.json`` (hyper-parameters, classes, shapes).

        :func:`physml.models.load_torch_estimator` reads the pair back; so does any
        safetensors + JSON reader.
        """
        return save_torch_estimator(self, path, force=force)
