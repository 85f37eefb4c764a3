"""Fine-tune a saved torch model on a labelled table and save the result (what ``physml transfer fine-tune`` calls).

The checks come first, before any training and before anything is written: the output must not exist
(unless ``force``), the model must be a saved :class:`~physml.models.TorchRegressor` or
:class:`~physml.models.TorchClassifier`, the table must hold every feature the model reads and the target,
at least one row, finite numbers, and (for a physml HDF5 file) the same units as the source model's features.
Each failure is one :class:`~physml.errors.PhysmlError` line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import check_output
from ..data import Dataset
from ..errors import DataError, ParameterError
from ..models import SavedModel, TorchClassifier, TorchRegressor, save_model
from ..tabular_io import load_table, numeric_column
from ..transfer import FineTuner, check_units
from .predict import find_saved_model

__all__ = ["FineTuneRun", "fine_tune", "target_table"]


@dataclass(frozen=True)
class FineTuneRun:
    """What :func:`fine_tune` did: the fitted ``tuner`` (``tuner.estimator_`` is the new model), the number
    of target samples and the path the model was written to."""

    tuner: FineTuner
    n_samples: int
    path: Path


def target_table(saved: SavedModel, data: str | os.PathLike, target: str
                 ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """``(X, y, units)`` from the table ``data`` in the column order ``saved`` reads: every feature and the
    target present, at least one row, numeric finite features (and target, for a regressor); ``units`` of the
    features when ``data`` is a physml HDF5 file and the source model records its units, checked against them."""
    features = [str(f) for f in saved.metadata.get("feature_names", [])]
    if not features:
        raise DataError("the saved model records no feature names (metadata 'feature_names'): "
                        "cannot match the target data's columns to its inputs")
    df = load_table(data)
    columns = [str(c) for c in df.columns]
    missing = [f for f in features + [target] if f not in columns]
    if missing:
        raise DataError(f"the target data lacks {', '.join(missing)}: the source model reads {', '.join(features)} "
                        f"and the data has {', '.join(columns)}")
    if len(df) == 0:
        raise DataError(f"no labelled target samples in {str(data)!r}: fine-tuning needs at least 1")
    X = np.column_stack([numeric_column(df[f], f, "feature") for f in features])
    y = numeric_column(df[target], target, "target") if isinstance(saved.estimator, TorchRegressor) \
        else df[target].to_numpy()
    source_units = saved.metadata.get("feature_units")
    units = None
    if source_units is not None and Path(data).suffix.lower() in (".h5", ".hdf5"):
        ds = Dataset.load(data)
        units = [ds.units.get(f, "1") for f in features]
        check_units(source_units, units, features)
    return X, y, units


def fine_tune(model: str | os.PathLike, data: str | os.PathLike, *, target: str, output: str | os.PathLike,
              mode: str = "last_layer", epochs: int = 300, lr: float | None = None, seed: int = 0,
              force: bool = False, runs_dir: str | os.PathLike = "runs") -> FineTuneRun:
    """Fine-tune ``model`` (a saved model folder, a run directory or a run id in ``runs_dir``) on the labelled
    table ``data`` with :class:`~physml.transfer.FineTuner`; save it to ``output`` (loadable by
    ``physml predict``), its metadata the source's plus where and how it was fine-tuned."""
    check_output(output, force=force, kind="dir")
    saved = find_saved_model(str(model), runs_dir)
    if not isinstance(saved.estimator, (TorchRegressor, TorchClassifier)):
        raise ParameterError.invalid("model", str(model),
                                     "a saved TorchRegressor or TorchClassifier (e.g. the zoo's mlp)")
    X, y, units = target_table(saved, data, target)
    source_units = saved.metadata.get("feature_units")
    tuner = FineTuner(saved.estimator, mode=mode, epochs=epochs, lr=lr, seed=seed,
                      source_units=source_units).fit(X, y, units=units)
    # the source's conformal scores and applicability domain describe the source data, not the new one: dropped
    kept = {k: v for k, v in saved.metadata.items() if k not in ("uncertainty", "applicability")}
    metadata = {**kept, "fine_tuned_from": str(model), "fine_tune_mode": mode,
                "fine_tune_samples": int(len(X)), "fine_tune_data": str(data)}
    path = save_model(tuner.estimator_, output, metadata=metadata, force=force)
    return FineTuneRun(tuner=tuner, n_samples=int(len(X)), path=Path(path))
