"""Input checks shared by the unsupervised estimators: one-line errors before any compute."""

from __future__ import annotations

import numpy as np

from ..errors import DataError, ParameterError

__all__ = ["check_samples", "check_matching", "check_at_most_samples"]


def check_samples(X, name: str = "X", *, min_samples: int = 2, flatten: bool = True) -> np.ndarray:
    """``X`` as a float array of at least ``min_samples`` rows, every value finite; with ``flatten`` as
    ``(n, features)`` (a stack of lattices ``(n, L, L)`` becomes ``(n, L*L)``)."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"array '{name}' is not numeric") from None
    if arr.ndim < 2:
        raise DataError(f"array '{name}' must have a sample axis and at least one feature; got shape {arr.shape}")
    if arr.shape[0] < min_samples:
        raise DataError(f"array '{name}' needs at least {min_samples} samples; got {arr.shape[0]}")
    if arr.size == 0:
        raise DataError(f"array '{name}' is empty (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"array '{name}' has {int(bad.sum())} non-finite values (NaN or inf); "
                        f"first at index {tuple(int(i) for i in np.argwhere(bad)[0])}")
    return arr.reshape(arr.shape[0], -1) if flatten else arr


def check_matching(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D array of length ``n`` (labels or a physical variable matching ``n`` samples)."""
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(f"'{name}' must have one value per sample ({n}); got shape {arr.shape}")
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise DataError(f"'{name}' has {int((~np.isfinite(arr)).sum())} non-finite values (NaN or inf)")
    return arr


def check_at_most_samples(parameter: str, value: int, n_samples: int, *, strict: bool = False) -> None:
    """A count (clusters, neighbours) that the number of samples must exceed (``strict``) or reach."""
    if (value >= n_samples) if strict else (value > n_samples):
        bound = f"< the number of samples ({n_samples})" if strict else f"<= the number of samples ({n_samples})"
        raise ParameterError.invalid(parameter, value, f"an integer {bound}")
