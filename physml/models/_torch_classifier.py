"""``TorchClassifier``: a scikit-learn classifier that trains any PyTorch module.

``__init__`` only stores hyper-parameters; ``fit`` builds the module from
``module(input_shape, n_classes)``, trains it with Adam on mini-batches and
early-stops on a validation split, restoring the best weights. Inputs may be
tabular ``(n, d)`` or fields ``(n, H, W)``. Randomness comes only from ``seed``.
Weights are saved as safetensors plus a JSON config (no pickle).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from tqdm.auto import tqdm

from .._io import atomic_output
from ..device import resolve_device
from ..errors import TrainingError
from ._mlp import MLPFactory

__all__ = ["TorchClassifier"]


class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Classifier over a PyTorch module built by ``module(input_shape, n_classes)``.

    Parameters
    ----------
    module: factory of the network (default: :class:`~physml.models.MLPFactory`).
    epochs: maximum passes over the training data.
    batch_size, lr, weight_decay: Adam mini-batch training.
    validation_fraction: held out for early stopping (0 disables it).
    patience: epochs without validation improvement before stopping.
    standardize: scale inputs to zero mean / unit variance per feature.
    seed: seeds the split, the initial weights and the batch order.
    device: ``auto | cpu | cuda``.
    any_size: the module is fully convolutional; predict on fields of any size
        (e.g. a lattice model trained at one L and read at another).
    """

    def __init__(self, module: Callable | None = None, *, epochs: int = 50, batch_size: int = 64, lr: float = 1e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.15, patience: int = 8,
                 standardize: bool = True, seed: int = 0, device: str = "cpu", progress: bool = False,
                 any_size: bool = False):
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

    # ------------------------------------------------------------------ helpers
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

    def _scale(self, X: np.ndarray) -> np.ndarray:
        if self.standardize and self.any_size:
            raise ValueError("standardize=True needs a fixed input size; use standardize=False with any_size=True")
        return (X - self.mean_) / self.scale_ if self.standardize else X

    def _tensor(self, X: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(self._scale(X), dtype=torch.float32, device=self.device_)

    # ------------------------------------------------------------------ API
    def fit(self, X, y) -> "TorchClassifier":
        X, y = validate_data(self, X, y, allow_nd=True, dtype=np.float32, y_numeric=False)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        self.input_shape_ = X.shape[1:]
        self.device_ = resolve_device(self.device)
        self.mean_ = X.mean(axis=0) if self.standardize else np.zeros(self.input_shape_, np.float32)
        std = X.std(axis=0) if self.standardize else np.ones(self.input_shape_, np.float32)
        self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)

        rng = np.random.default_rng(self.seed)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        perm = rng.permutation(len(X))
        n_val = int(round(self.validation_fraction * len(X))) if len(X) >= 10 else 0
        val_idx, train_idx = perm[:n_val], perm[n_val:]
        factory = self.module if self.module is not None else MLPFactory()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(rng.integers(2**31)))  # initial weights; global state restored on exit
            net = factory(tuple(self.input_shape_), len(self.classes_)).to(self.device_)
        Xt, yt = self._tensor(X), torch.as_tensor(y_idx, dtype=torch.long, device=self.device_)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = torch.nn.CrossEntropyLoss()
        best, best_state, stale = math.inf, None, 0
        self.loss_curve_, self.validation_curve_ = [], []
        for epoch in tqdm(range(self.epochs), disable=not self.progress, desc="train", leave=False):
            net.train()
            order = torch.as_tensor(train_idx)[torch.randperm(len(train_idx), generator=gen)]
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size].to(self.device_)
                opt.zero_grad()
                loss = loss_fn(net(Xt[batch]), yt[batch])
                loss.backward()
                opt.step()
                total += loss.item() * len(batch)
            epoch_loss = total / max(1, len(order))
            if not math.isfinite(epoch_loss):
                raise TrainingError(f"training loss became {epoch_loss} at epoch {epoch}; "
                                    "try a smaller lr or standardize=True")
            self.loss_curve_.append(epoch_loss)
            if n_val:
                net.eval()
                with torch.no_grad():
                    val = float(loss_fn(net(Xt[val_idx]), yt[val_idx]))
                self.validation_curve_.append(val)
                if val < best - 1e-6:
                    best, stale = val, 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    stale += 1
                    if stale >= self.patience:
                        break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        self.module_ = net
        self.n_iter_ = len(self.loss_curve_)
        return self

    def decision_function(self, X) -> np.ndarray:
        """Logits, shape ``(n, n_classes)`` (``(n,)`` logit difference for two classes)."""
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def _logits(self, X) -> np.ndarray:
        X = self._validate_X(X, fitting=False)
        out = []
        with torch.no_grad():
            for start in range(0, len(X), 4096):
                out.append(self.module_(self._tensor(X[start:start + 4096])).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)), np.float32)

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
        X = self._validate_X(X, fitting=False)
        x = self._tensor(X).requires_grad_(True)
        logits = self.module_(x)
        score = logits[:, class_index] - logits.mean(dim=1)
        (grad,) = torch.autograd.grad(score.sum(), x)
        return grad.cpu().numpy() / (self.scale_ if self.standardize else 1.0)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, force: bool = False) -> tuple[Path, Path]:
        """Write ``<path>.safetensors`` (weights) and ``<path>.json`` (classes, shapes, scaling)."""
        from safetensors.torch import save_file

        check_is_fitted(self, "module_")
        path = Path(path)
        weights, meta = path.with_suffix(".safetensors"), path.with_suffix(".json")
        state = {k: v.detach().cpu().contiguous() for k, v in self.module_.state_dict().items()}
        state["_physml_mean"] = torch.as_tensor(self.mean_)
        state["_physml_scale"] = torch.as_tensor(self.scale_)
        with atomic_output(weights, force=force) as tmp:
            save_file(state, str(tmp))
        config = {"estimator": "TorchClassifier", "module": repr(self.module), "classes": self.classes_.tolist(),
                  "input_shape": list(self.input_shape_), "standardize": self.standardize}
        with atomic_output(meta, force=force) as tmp:
            tmp.write_text(json.dumps(config, indent=2))
        return weights, meta
