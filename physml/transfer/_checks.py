"""Checks of target-domain data against the source model, before any training (one-line errors)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DataError, ParameterError

__all__ = ["check_target", "check_units", "check_same_units_scale"]


def check_target(X, y=None, *, n_features: int | None, feature_names: Sequence[str] | None = None,
                 supervised: bool, what: str = "target") -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` (and ``y``) as float arrays, or :class:`DataError` naming the problem in one line.

    Refused: no samples for a supervised method, a feature count or feature names other than the
    source model's, NaN or infinite values, ``y`` of another length than ``X``.
    """
    names_in = getattr(X, "columns", None)
    if feature_names is not None and names_in is not None:
        got = [str(c) for c in names_in]
        if got != [str(n) for n in feature_names]:
            raise DataError(f"the {what} data's features {got} are not the source model's {list(feature_names)}")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"the {what} data is not numeric ({exc})") from None
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim < 2:
        raise DataError(f"the {what} data must have a sample axis and features; got shape {X.shape}")
    if len(X) == 0:
        kind = "labelled target samples" if supervised else "target samples"
        raise DataError(f"no {kind}: this method needs at least 1 (got an array of shape {X.shape})")
    if n_features is not None and int(np.prod(X.shape[1:])) != n_features:
        raise DataError(f"the {what} data has {int(np.prod(X.shape[1:]))} features per sample; the source model "
                        f"was trained on {n_features}")
    bad = ~np.isfinite(X)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise DataError(f"the {what} data has {int(bad.sum())} NaN or infinite value(s) (first in row {row})")
    if y is None:
        return X, None
    y = np.asarray(y)
    if len(y) != len(X):
        raise DataError(f"the {what} labels have {len(y)} rows but the features have {len(X)}")
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise DataError(f"the {what} labels have {int((~np.isfinite(y)).sum())} NaN or infinite value(s)")
    return X, y


def check_units(source_units: Sequence[str] | None, target_units: Sequence[str] | None,
                feature_names: Sequence[str] | None = None) -> None:
    """Refuse target features in other units than the source model's (when both are known)."""
    if source_units is None or target_units is None:
        return
    source_units, target_units = [str(u) for u in source_units], [str(u) for u in target_units]
    if len(source_units) != len(target_units):
        raise DataError(f"the target data gives units for {len(target_units)} features; the source model has "
                        f"{len(source_units)}")
    for i, (s, t) in enumerate(zip(source_units, target_units)):
        if s != t:
            name = feature_names[i] if feature_names is not None else f"#{i}"
            raise DataError(f"feature {name} is in {t!r} in the target data but in {s!r} for the source model; "
                            "convert it first")


def check_same_units_scale(X: np.ndarray, mean: np.ndarray, scale: np.ndarray, max_shift: float | None,
                           feature_names: Sequence[str] | None = None) -> None:
    """Refuse target features whose median lies more than ``max_shift`` source standard deviations from the
    source mean: the mark of other units (°C for K, Pa for MPa) rather than of a neighbouring domain."""
    if max_shift is None:
        return
    if not max_shift > 0:
        raise ParameterError.invalid("max_shift", max_shift, "None or a number > 0 (source standard deviations)")
    flat = X.reshape(len(X), -1)
    z = np.abs(np.median(flat, axis=0) - np.ravel(mean)) / np.ravel(scale)
    j = int(np.argmax(z))
    if z[j] > max_shift:
        name = feature_names[j] if feature_names is not None else f"#{j}"
        raise DataError(f"feature {name} of the target data is centred {z[j]:.3g} source standard deviations from "
                        f"the source data (allowed {max_shift:g}): other units than the source model's?")
