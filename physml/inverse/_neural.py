"""Neural inversion: a deep ensemble of MLPs from measurements to parameters.

Each member is a :class:`physml.models.TorchRegressor` (MSE, its own seed: its own initial
weights, validation split and batch order), trained on simulated ``(y, theta)`` pairs. The
predictive mean is the ensemble mean. The ensemble spread alone is only the epistemic part
(Lakshminarayanan et al. 2017 add a variance head for the rest); here the aleatoric part is a
per-parameter residual variance measured on a calibration split the members never saw:
``var = var_ensemble + max(mse_cal - mean var_ensemble_cal, 0)``. Intervals are Gaussian.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.stats import norm

from ..errors import DataError
from ..models import MLPFactory, TorchRegressor
from ..validation import check_int, check_real

__all__ = ["NeuralInversion"]


class NeuralInversion:
    """Deep-ensemble regressor ``y -> theta`` with Gaussian predictive intervals (scikit-learn style)."""

    def __init__(self, *, n_members: int = 5, hidden: tuple[int, ...] = (128, 128), activation: str = "gelu",
                 epochs: int = 300, batch_size: int = 128, lr: float = 2e-3, calibration_fraction: float = 0.15,
                 seed: int = 0, device: str = "cpu"):
        self.n_members = n_members
        self.hidden = hidden
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.calibration_fraction = calibration_fraction
        self.seed = seed
        self.device = device

    def fit(self, Y, theta) -> NeuralInversion:
        check_int("n_members", self.n_members, 1)
        check_real("calibration_fraction", self.calibration_fraction, 0.0, 0.5, closed="neither")
        Y, theta = np.asarray(Y, np.float64), np.asarray(theta, np.float64)
        if Y.ndim != 2 or theta.ndim != 2 or len(Y) != len(theta):
            raise DataError(f"need Y (n, n_obs) and theta (n, dim) with the same n; got {Y.shape}, {theta.shape}")
        if not (np.all(np.isfinite(Y)) and np.all(np.isfinite(theta))):
            raise DataError("training data contain non-finite values (NaN or inf)")
        t0 = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(Y))
        n_cal = max(int(self.calibration_fraction * len(Y)), 10)
        cal, train = order[:n_cal], order[n_cal:]
        self.members_ = []
        for i in range(self.n_members):
            m = TorchRegressor(MLPFactory(tuple(self.hidden), self.activation), epochs=self.epochs,
                               batch_size=self.batch_size, lr=self.lr, patience=30, seed=self.seed * 1000 + i,
                               device=self.device)
            self.members_.append(m.fit(Y[train], theta[train]))
        self.n_obs_ = Y.shape[1]
        self.dim_ = theta.shape[1]
        mean, var_e = self._ensemble(Y[cal])
        self.aleatoric_var_ = np.maximum(np.mean((theta[cal] - mean) ** 2, axis=0) - var_e.mean(axis=0), 0.0)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _ensemble(self, Y) -> tuple[np.ndarray, np.ndarray]:
        preds = np.stack([m.predict(Y).reshape(len(Y), -1) for m in self.members_])
        return preds.mean(axis=0), preds.var(axis=0, ddof=1) if len(preds) > 1 else np.zeros(preds.shape[1:])

    def _check(self, Y) -> np.ndarray:
        Y = np.atleast_2d(np.asarray(Y, np.float64))
        if Y.shape[1] != self.n_obs_:
            raise DataError(f"observation has {Y.shape[1]} measurements; the network needs {self.n_obs_}")
        if not np.all(np.isfinite(Y)):
            raise DataError("observation contains non-finite values (NaN or inf)")
        return Y

    def predict(self, Y) -> np.ndarray:
        return self._ensemble(self._check(Y))[0]

    def predict_std(self, Y) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``: the ensemble mean and the total predictive std (epistemic + calibrated aleatoric)."""
        mean, var_e = self._ensemble(self._check(Y))
        return mean, np.sqrt(var_e + self.aleatoric_var_)

    def interval(self, Y, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.predict_std(Y)
        z = norm.ppf((1 + level) / 2)
        return mean - z * std, mean + z * std
