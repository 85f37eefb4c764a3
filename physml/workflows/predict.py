"""Apply a saved model to a user's table (what ``physml predict`` calls).

Besides the prediction, every row gets what a physicist needs before trusting it, from what the model
stored at training time (:mod:`physml.workflows.tabular_audit`): a predictive interval at the level asked
for (split-conformal, on the model's native standard deviation where it has one) or, for a classifier, the
probability of the predicted class and the conformal prediction set; and an applicability flag with its
score (outside the training range of an input, or farther from the training rows than 99 % of held-out
rows were). The model's input transforms are applied, so the raw physical columns go in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["find_saved_model", "predict_table", "Prediction"]


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


@dataclass
class Prediction:
    """The output table and a summary of it."""

    table: object  # pandas DataFrame
    level: float
    uncertainty: str | None  # how the intervals were made, None if the model stored no calibration
    n_flagged: int | None  # rows outside the applicability domain (None: the model stored no domain)
    n_out_of_range: int | None

    def summary(self) -> str:
        parts = []
        if self.uncertainty:
            parts.append(f"{round(100 * self.level)} % intervals: {self.uncertainty}")
        if self.n_flagged is not None:
            parts.append(f"{self.n_flagged} of {len(self.table)} rows flagged outside the applicability domain "
                         f"({self.n_out_of_range} outside the training range of an input)")
        return "; ".join(parts)


def _features(saved, df) -> np.ndarray:
    from ..errors import DataError
    from ..tabular_io import InputTransform, apply_transforms, check_units, numeric_column

    md = saved.metadata
    features = list(md["feature_names"])
    transforms = [InputTransform.from_dict(t) for t in md.get("transforms") or []]
    inputs = list(md.get("input_columns") or features)
    columns = [str(c) for c in df.columns]
    check_units(df, md.get("units") or {})
    if not all(f in columns for f in features):  # the raw columns, transformed as at training time
        missing = [c for c in inputs if c not in columns]
        if missing:
            raise DataError(f"the data's columns do not match the model's features: missing {', '.join(missing)} "
                            f"(the model needs {', '.join(inputs)})")
        df = apply_transforms(df, [t for t in transforms if t.feature not in columns])
    return np.column_stack([numeric_column(df[f], f, "feature") for f in features])


def predict_table(saved, df, *, level: float = 0.9) -> Prediction:
    """The input table plus ``prediction`` (class names for classifiers), uncertainty and applicability columns.

    Regression: ``lower_<pct>``, ``upper_<pct>`` (the interval at ``level``) and ``std`` for a model with a
    native standard deviation; classification: ``probability`` (of the predicted class) and
    ``prediction_set_<pct>`` (classes joined by ``|``). Then ``applicability_score`` (> 1: farther from the
    training data than 99 % of held-out rows), ``out_of_range`` (the inputs outside their training range)
    and ``flagged``.
    """
    from ..errors import DataError, ParameterError
    from ..learn import ApplicabilityDomain, native_std, prediction_sets, regression_interval

    if not 0.0 < level < 1.0:
        raise ParameterError.invalid("level", level, "in (0, 1)")
    md, model = saved.metadata, saved.estimator
    X = _features(saved, df)
    out = df.copy()
    out.attrs = {}
    prediction = np.asarray(model.predict(X))
    if prediction.dtype.kind in "fc" and not np.all(np.isfinite(prediction)):
        rows = np.flatnonzero(~np.isfinite(prediction))
        raise DataError(f"the model predicts a NaN or infinite value for {rows.size} of {len(prediction)} rows (first: "
                        f"row {int(rows[0])}); the inputs are probably far outside what it was trained on. "
                        "Nothing was written")
    out["prediction"] = prediction
    pct = f"{100 * level:g}"
    u, how = md.get("uncertainty"), None
    if u and md.get("task") == "regression":
        std = native_std(model, X) if u.get("native") else None
        lo, hi = regression_interval(out["prediction"].to_numpy(float), u["scores"], level, std,
                                     u.get("std_floor", 0.0))
        out[f"lower_{pct}"], out[f"upper_{pct}"] = lo, hi
        if std is not None:
            out["std"] = std
        how = (f"split-conformal on {u['n_calibration']} held-out rows"
               + (f", scaled by the {u['native']}" if u.get("native") else ""))
    elif u and hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        classes = np.asarray(model.classes_)
        out["probability"] = proba.max(axis=1)
        sets = prediction_sets(proba, u["scores"], level)
        out[f"prediction_set_{pct}"] = ["|".join(str(c) for c in classes[row]) for row in sets]
        how = f"conformal prediction sets from {u['n_calibration']} held-out rows"
    n_flagged = n_out = None
    if md.get("applicability"):
        verdict = ApplicabilityDomain.from_dict(md["applicability"]).assess(X)
        out["applicability_score"] = verdict["score"]
        out["out_of_range"] = verdict["out_of_range"]
        out["flagged"] = verdict["flagged"]
        n_flagged, n_out = int(verdict["flagged"].sum()), int(np.sum(verdict["out_of_range"] != ""))
    return Prediction(out, level, how, n_flagged, n_out)
