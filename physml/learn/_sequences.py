"""Sliding windows over time series, for forecasting."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..validation import check_int

__all__ = ["forecast_windows", "persistence_forecast"]


def forecast_windows(series: np.ndarray, window: int, horizon: int, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (past window, future) from trajectories ``series`` of shape ``(n_traj, n_times, C)``.

    Returns ``X`` ``(m, window, C)`` (steps ``s .. s + window - 1``) and ``Y``
    ``(m, horizon, C)`` (steps ``s + window .. s + window + horizon - 1``) for
    every start ``s = 0, stride, ...`` that fits, trajectory by trajectory (rows
    of one trajectory are contiguous, so a split by trajectory is a split by row
    blocks). Windows never straddle two trajectories.
    """
    series = np.asarray(series)
    if series.ndim != 3:
        raise ParameterError.invalid("series", f"shape {series.shape}", "an array (n_traj, n_times, channels)")
    for name, value in (("window", window), ("horizon", horizon), ("stride", stride)):
        check_int(name, value, 1)
    n_traj, n_times, _ = series.shape
    if window + horizon > n_times:
        raise ParameterError.invalid("window", window, f"window + horizon <= {n_times} time steps (horizon {horizon})")
    starts = np.arange(0, n_times - window - horizon + 1, stride)
    steps = starts[:, None] + np.arange(window + horizon)[None, :]  # (m_per_traj, window + horizon)
    blocks = series[:, steps]  # (n_traj, m_per_traj, window + horizon, C)
    blocks = blocks.reshape(-1, window + horizon, series.shape[2])
    return blocks[:, :window].copy(), blocks[:, window:].copy()


def persistence_forecast(X: np.ndarray, horizon: int) -> np.ndarray:
    """The persistence baseline: the last observed step repeated ``horizon`` times, shape ``(m, horizon, C)``."""
    X = np.asarray(X)
    return np.repeat(X[:, -1:, :], horizon, axis=1)
