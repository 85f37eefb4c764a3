"""Apply a saved model to a user's table (what ``physml predict`` calls)."""

from __future__ import annotations

import numpy as np

__all__ = ["find_saved_model", "predict_table"]


def find_saved_model(spec: str, runs_dir):
    """Load a saved model from a model folder, a run directory (its best model) or a run id."""
    from pathlib import Path

    from ..errors import DataError
    from ..models import load_model
    from ..runs import Registry

    path = Path(spec)
    candidates = [path, path / "artifacts" / "best_model"]
    if not path.exists() and (Path(runs_dir) / "registry.sqlite").exists():
        registry = Registry(runs_dir)
        candidates.append(registry.run_path(registry.get(spec)) / "artifacts" / "best_model")
    for candidate in candidates:
        if (candidate / "model.json").is_file():
            return load_model(candidate)
    raise DataError(f"no saved model at {spec!r}: expected a model folder (model.json), a run directory with "
                    "artifacts/best_model, or a run id")


def predict_table(saved, df):
    """The input table plus a ``prediction`` column (class names for classifiers)."""
    from ..errors import DataError
    from ..tabular_io import numeric_column

    features = list(saved.metadata["feature_names"])
    columns = [str(c) for c in df.columns]
    missing = [f for f in features if f not in columns]
    if missing:
        raise DataError(f"the data's columns do not match the model's features: missing {', '.join(missing)} "
                        f"(the model needs {', '.join(features)})")
    X = np.column_stack([numeric_column(df[f], f, "feature") for f in features])
    pred = np.asarray(saved.estimator.predict(X))
    if pred.dtype.kind in "fc" and not np.all(np.isfinite(pred)):
        rows = np.flatnonzero(~np.isfinite(pred))
        raise DataError(f"the model predicts a NaN or infinite value for {rows.size} of {len(pred)} rows (first: row "
                        f"{int(rows[0])}); the inputs are probably far outside what it was trained on. "
                        "Nothing was written")
    out = df.copy()
    out["prediction"] = pred
    return out
