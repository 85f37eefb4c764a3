"""A model comparison as a run's report: leaderboard, metrics, figures, and the saved best model."""

from __future__ import annotations

from ..models import save_model
from ..result import StudyResult, Table
from ..tabular_io import InputTransform
from . import _tabular_figures as figs
from .compare import Comparison
from .tabular_audit import Calibration, calibrate

__all__ = ["add_to_result"]


def add_to_result(comp: Comparison, result: StudyResult, *, seed: int, prefix: str = "",
                  transforms: list[InputTransform] = (), units: dict[str, str] | None = None) -> Calibration:
    """Leaderboard, metrics, figures and the saved best model, added to ``result``; returns the calibration.

    The saved model carries what ``physml predict`` needs besides the estimator: the raw input columns and
    the ``transforms`` that make its features from them, their ``units`` (checked against an HDF5 input),
    split-conformal scores for its intervals and its applicability domain (:func:`calibrate`).
    """
    best = comp.best
    score_key = "r2" if comp.task == "regression" else "accuracy"
    result.metrics[f"{prefix}best_model"] = best.name
    result.add_metric(f"{prefix}best_cv_score", best.cv_mean)
    result.add_metric(f"{prefix}best_test_{score_key}", best.test[score_key])
    for s in comp.scores:
        result.add_metric(f"{prefix}cv_{s.name}_mean", s.cv_mean)
        result.add_metric(f"{prefix}cv_{s.name}_std", s.cv_std)
        result.add_metric(f"{prefix}test_{s.name}_{score_key}", s.test[score_key])
    for imp in comp.importances:
        key = imp.method.split()[0].lower()
        for name, value in imp.as_dict().items():
            result.add_metric(f"{prefix}importance_{key}_{name}", value)
    rows = tuple((i + 1, s.name, round(s.cv_mean, 5), round(s.cv_std, 5), round(s.test[score_key], 5),
                  round(s.fit_seconds, 3), ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                                     for k, v in s.params.items()))
                 for i, s in enumerate(comp.scores))
    result.tables.append(Table(f"{prefix}Leaderboard ({comp.task}, target '{comp.target}')",
                               ("rank", "model", f"CV {comp.score_name} mean", "CV std", f"test {comp.score_name}",
                                "fit seconds", "tuned parameters"), rows))
    if comp.importances:
        names = comp.feature_names
        result.tables.append(Table(f"{prefix}Feature importance of the best model ({best.name})",
                                   ("feature", *(imp.method for imp in comp.importances)),
                                   tuple((n, *(round(float(imp.values[i]), 6) for imp in comp.importances))
                                         for i, n in enumerate(names))))
    figs.add_all(comp, result, prefix=prefix)
    calib = calibrate(comp, seed=seed)
    made = {t.feature: t for t in transforms}
    inputs = [made[f].column if f in made else f for f in comp.feature_names]
    metadata = {"feature_names": comp.feature_names, "target": comp.target, "task": comp.task,
                "model_name": best.name, "cv_score": best.cv_mean, "seed": seed, "input_columns": inputs,
                "transforms": [t.to_dict() for t in transforms], "units": dict(units or {}),
                "uncertainty": calib.uncertainty, "applicability": calib.applicability}
    if comp.task == "classification":
        metadata["classes"] = [c.item() if hasattr(c, "item") else c for c in best.estimator.classes_]
    result.artifacts[f"{prefix}best_model"] = (
        lambda path, m=best.estimator, md=metadata: save_model(m, path, metadata=md))
    return calib
